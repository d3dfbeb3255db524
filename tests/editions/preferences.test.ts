import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { servedElsewhere } from '../../src/editions/index.js';
import { openStore } from '../../src/store/index.js';
import { runCleanups, tempDir } from '../helpers/cleanup.js';
import { ROOT, runCli } from '../helpers/cli.js';
import { copiesPerAddress, smtpServer, type TestServer } from '../helpers/smtp.js';

afterEach(runCleanups);

const SECRET = 'editions-prefs-secret-editions-prefs-secret';
const CONTENT = ['--content', join(ROOT, 'content'), '--templates', join(ROOT, 'templates')];

/** A folder with one reader of each kind the test moves around. */
async function folder(): Promise<{ cwd: string; db: string }> {
  const cwd = tempDir('digest-editions-prefs-');
  const db = join(cwd, 'data', 'digest.db');
  const store = openStore(db);
  await store.subscribers.importMany([
    { email: 'mover@example.com', name: '', topics: [], frequency: 'weekly', weekday: 1 },
    { email: 'switcher@example.com', name: '', topics: [] },
  ]);
  store.close();
  return { cwd, db };
}

async function setPreferences(db: string, email: string, prefs: Record<string, unknown>): Promise<void> {
  const store = openStore(db);
  const found = await store.subscribers.findByEmail(email);
  await store.subscribers.setPreferences(found?.id as number, prefs);
  store.close();
}

/** `digest send --date DATE` in this process, to the sink. */
async function send(cwd: string, server: TestServer, date: string) {
  const env = { DIGEST_SECRET: SECRET, SMTP_URL: server.url, NO_COLOR: '1' };
  const run = await runCli(['send', '--date', date, ...CONTENT], { cwd, env, realClock: true });
  expect(run.code, run.stderr).toBe(0);
  return run;
}

describe('a reader who changes preferences is never sent the same stories twice', () => {
  it('moving the weekday mid-week: no second weekly within 6 days; switching daily to weekly: not both today', async () => {
    const { cwd, db } = await folder();
    const server = await smtpServer();
    // Sunday 2026-11-22: Monday's weekly to the mover, the daily to the switcher.
    await send(cwd, server, '2026-11-22');
    expect(Object.fromEntries(copiesPerAddress(server.accepted))).toEqual({
      'mover@example.com': 1,
      'switcher@example.com': 1,
    });

    // The switcher asks for the weekly the same day: Monday's weekly is due, but they had today's daily.
    await setPreferences(db, 'switcher@example.com', { frequency: 'weekly', weekday: 1 });
    const same = await send(cwd, server, '2026-11-22');
    expect(server.accepted).toHaveLength(2);
    expect(same.stderr).toMatch(/\[weekly\]/);

    // The mover moves to Wednesday: Wednesday's weekly (2026-11-18 … 24) overlaps Monday's, not sent.
    await setPreferences(db, 'mover@example.com', { weekday: 3 });
    await send(cwd, server, '2026-11-24');
    expect(copiesPerAddress(server.accepted).get('mover@example.com')).toBe(1);

    // What the ledger holds them to: inside 6 days of the Monday weekly, excluded; a week on, not.
    const store = openStore(db, { readonly: true });
    const mover = (await store.subscribers.findByEmail('mover@example.com'))?.id;
    const served = async (key: string, day: string) => [
      ...(await servedElsewhere(store.backend, key, day, true)),
    ];
    expect(await served('week:2026-11-24@UTC', '2026-11-24')).toContain(mover);
    expect(await served('week:2026-11-28@UTC', '2026-11-28')).toContain(mover);
    expect(await served('week:2026-11-29@UTC', '2026-11-29')).not.toContain(mover);
    store.close();
  }, 120_000);

  it('a list of paused readers and weekly readers of another day is sent nothing', async () => {
    const cwd = tempDir('digest-editions-prefs-');
    const store = openStore(join(cwd, 'data', 'digest.db'));
    await store.subscribers.importMany([
      { email: 'paused@example.com', name: '', topics: [], frequency: 'paused' },
      { email: 'friday@example.com', name: '', topics: [], frequency: 'weekly', weekday: 5 },
    ]);
    store.close();
    const server = await smtpServer();
    const run = await send(cwd, server, '2026-11-22');
    expect(server.accepted).toHaveLength(0);
    expect(run.stderr).toContain(
      'No edition is due: the 2 active subscribers are paused or get the weekly on another day; nothing to send.',
    );
  });
});
