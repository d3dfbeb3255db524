import { existsSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { afterEach, describe, expect, it } from 'vitest';
import { type RunRecord, SqliteRunStore } from '../../src/schedule/index.js';
import { openDatabase, openStore } from '../../src/store/index.js';
import { runCleanups, tempDir } from '../helpers/cleanup.js';
import { CORPUS, ROOT, runCli, spawnDigest } from '../helpers/cli.js';
import { copiesPerAddress, smtpServer, type TestServer } from '../helpers/smtp.js';

const SECRET = 'schedule-test-secret-0123456789-abcdefghij';
afterEach(runCleanups);

/** A project folder: the election corpus, the bundled templates, New York time, `count` subscribers. */
async function project(count: number, config: Record<string, unknown> = {}): Promise<string> {
  const cwd = tempDir('digest-schedule-cli-');
  const { schedule, ...rest } = config;
  writeFileSync(
    join(cwd, 'digest.config.json'),
    JSON.stringify({
      content: join(CORPUS, 'election'),
      templates: join(ROOT, 'templates'),
      timeZone: 'America/New_York',
      publicUrl: 'https://news.example.com',
      schedule: { time: '07:00', catchUpUntil: '12:00', minItems: 1, ...(schedule as object) },
      ...rest,
    }),
  );
  const store = openStore(join(cwd, 'data/digest.db'));
  await store.subscribers.importMany(
    Array.from({ length: count }, (_, i) => ({
      email: `reader${i + 1}@example.com`,
      name: `Reader ${i + 1}`,
      topics: [],
    })),
  );
  store.close();
  return cwd;
}

function env(r: Pick<TestServer, 'url'>): Record<string, string> {
  return { SMTP_URL: r.url, DIGEST_SECRET: SECRET };
}

async function runRow(cwd: string, sendDate: string): Promise<RunRecord | undefined> {
  const db = openDatabase(join(cwd, 'data/digest.db'));
  try {
    return await new SqliteRunStore(db, { host: hostname() }).get(sendDate);
  } finally {
    db.close();
  }
}

function expectOneEach(r: TestServer, count: number): void {
  const copies = copiesPerAddress(r.accepted);
  expect(copies.size).toBe(count);
  expect([...copies.values()].every((n) => n === 1)).toBe(true);
}

describe('digest run', () => {
  it("sends the morning's digest once; the same command again sends nothing and says it was already sent", async () => {
    const r = await smtpServer();
    const cwd = await project(5);
    const argv = ['run', '--now', '2020-09-14T07:00:00-04:00'];
    const first = spawnDigest(argv, { cwd, env: env(r) });
    expect(await first.exit, first.stderr()).toBe(0);
    expect(first.stderr()).toMatch(
      /digest 2020-09-14 window 2020-09-13 \(America\/New_York\): sent: 5 of 5 sent; next run 2020-09-15 07:00 America\/New_York \(11:00Z\)/,
    );
    expectOneEach(r, 5);
    const mail = await simpleParser(r.accepted[0]?.raw ?? '');
    expect(mail.subject).toBeTruthy();
    expect(mail.to && 'text' in mail.to ? mail.to.text : '').toMatch(/reader\d+@example\.com/);
    expect(r.accepted[0]?.raw.toString()).toMatch(/^List-Unsubscribe: <https:\/\/news\.example\.com\//m);

    const again = spawnDigest(argv, { cwd, env: env(r) });
    expect(await again.exit, again.stderr()).toBe(0);
    expect(again.stderr()).toMatch(/already-sent: the digest of 2020-09-14 was already sent/);
    expect(r.accepted).toHaveLength(5);
    expect(await runRow(cwd, '2020-09-14')).toMatchObject({
      state: 'sent',
      digestKey: 'day:2020-09-13@America/New_York',
      items: 10,
      recipients: 5,
      sent: 5,
      failed: 0,
      attempts: 1,
    });
    // As `digest send` does: the files in OUT and the web archive's copy.
    expect(existsSync(join(cwd, 'out/2020-09-13/digest.html'))).toBe(true);
    const db = openDatabase(join(cwd, 'data/digest.db'));
    const copies = db.prepare('SELECT digest_key FROM web_copies').all();
    db.close();
    expect(copies).toEqual([{ digest_key: 'day:2020-09-13@America/New_York' }]);
  });

  it('on the bundled sample: subscribers imported from sample/subscribers.csv get their edition of the day before once', async () => {
    const r = await smtpServer();
    const cwd = tempDir('digest-schedule-sample-');
    const e = { ...env(r), DIGEST_CONTENT: join(ROOT, 'content') };
    const imported = await runCli(['subscribers', 'import', join(ROOT, 'sample/subscribers.csv')], {
      cwd,
      env: e,
    });
    expect(imported.code, imported.stderr).toBe(0);
    const argv = ['run', '--now', '2026-11-23T07:00:00Z'];
    const first = spawnDigest(argv, { cwd, env: e });
    expect(await first.exit, first.stderr()).toBe(0);
    // The sample readers' topics choose their editions (docs/editions.md): Alan, who has none, gets
    // the plain daily; Grace's technology edition has no article on 2026-11-22, so she gets none.
    const out = first.stderr();
    expect(out).toMatch(/digest 2026-11-23 window 2026-11-22 \(UTC\): sent: 1 of 1 sent;/);
    expect(out).toMatch(
      /digest 2026-11-23 \[daily#topics=science\+technology\] window .*: sent: 1 of 1 sent;/,
    );
    expect(out).toMatch(/digest 2026-11-23 \[daily#topics=technology\] window .*: thin: no articles/);
    expectOneEach(r, 4);
    expect(copiesPerAddress(r.accepted).get('grace@example.com')).toBeUndefined();
    const again = spawnDigest(argv, { cwd, env: e });
    expect(await again.exit).toBe(0);
    expect(again.stderr().match(/the digest of 2026-11-23 was already sent/g)).toHaveLength(4);
    expect(again.stderr()).toMatch(/\[daily#topics=technology\] .*was already skipped/);
    expect(r.accepted).toHaveLength(4);
  });

  it('after the cutoff: nothing sent, the skip logged and recorded; --json prints the outcome', async () => {
    const r = await smtpServer();
    const cwd = await project(3);
    const run = await runCli(['run', '--now', '2020-09-14T13:00:00-04:00', '--json'], { cwd, env: env(r) });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(
      /missed: the 07:00 run of 2020-09-14 did not happen and it is past catchUpUntil 12:00/,
    );
    expect(JSON.parse(run.stdout)).toMatchObject({
      outcome: 'missed',
      sendDate: '2020-09-14',
      run: { state: 'skipped' },
    });
    expect(r.accepted).toHaveLength(0);
  });

  it('a thin day (below minItems): no email, the reason logged, the run recorded as skipped', async () => {
    const r = await smtpServer();
    const cwd = await project(3, { schedule: { minItems: 3 } });
    // The window 2020-09-05 (New York) holds one election article.
    const run = await runCli(['run', '--now', '2020-09-06T07:00:00-04:00'], { cwd, env: env(r) });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/thin: thin day: 1 item in the window, fewer than minItems 3; no email sent/);
    expect(r.accepted).toHaveLength(0);
    expect(await runRow(cwd, '2020-09-06')).toMatchObject({ state: 'skipped', items: 1 });
  });

  it('an http publicUrl is warned about when a run sends, not on every check that finds nothing due', async () => {
    const r = await smtpServer();
    const cwd = await project(2, { publicUrl: 'http://news.example.com' });
    const early = await runCli(['run', '--now', '2020-09-14T06:00:00-04:00'], { cwd, env: env(r) });
    expect(early.code, early.stderr).toBe(0);
    expect(early.stderr).not.toContain('warning');
    expect(r.accepted).toHaveLength(0);
    const due = await runCli(['run', '--now', '2020-09-14T07:00:00-04:00'], { cwd, env: env(r) });
    expect(due.code, due.stderr).toBe(0);
    expect(due.stderr).toContain('warning: the unsubscribe links point to http://news.example.com;');
    expect(r.accepted).toHaveLength(2);
  });

  it('without SMTP settings it refuses at start and names the setting', async () => {
    const cwd = await project(1);
    const run = await runCli(['run', '--now', '2020-09-14T07:00:00-04:00'], {
      cwd,
      env: { DIGEST_SECRET: SECRET },
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/no SMTP settings/);
    expect(await runCli(['run', '--date', '2020-09-13'], { cwd, env: {} })).toMatchObject({ code: 2 });
    expect(
      await runCli(['run', '--now', 'tomorrow'], { cwd, env: env({ url: 'smtp://127.0.0.1:9' }) }),
    ).toMatchObject({
      code: 2,
    });
  });
});

describe('two scheduler processes against one database', () => {
  it('send one email per subscriber between them, and both exit 0 on SIGTERM', async () => {
    // Slow enough that the second scheduler's start-up check lands while the first is sending.
    const r = await smtpServer({ delayMs: 40 });
    const cwd = await project(30);
    const argv = ['schedule', '--now', '2020-09-14T09:00:00-04:00'];
    const a = spawnDigest(argv, { cwd, env: env(r) });
    const b = spawnDigest(argv, { cwd, env: env(r) });
    const outcome = /digest 2020-09-14 window 2020-09-13 \(America\/New_York\): (sent|busy|already-sent): /;
    await Promise.all([a.waitForStderr(outcome), b.waitForStderr(outcome)]);
    const kinds = [a, b].map((p) => outcome.exec(p.stderr())?.[1]).sort();
    expect(kinds[1] === 'sent' && kinds[0] !== 'sent', kinds.join(',')).toBe(true);
    await r.waitForAccepted(30);
    for (const p of [a, b]) p.child.kill('SIGTERM');
    expect(await a.exit, a.stderr()).toBe(0);
    expect(await b.exit, b.stderr()).toBe(0);
    expectOneEach(r, 30);
    expect(r.accepted).toHaveLength(30);
    expect(await runRow(cwd, '2020-09-14')).toMatchObject({ state: 'sent', sent: 30, attempts: 1 });
    for (const p of [a, b]) {
      expect(p.stderr()).toMatch(/scheduling the daily digest at 07:00 America\/New_York/);
      expect(p.stderr()).toMatch(/next run 2020-09-15 07:00 America\/New_York/);
      expect(p.stderr()).toMatch(/stopped \(SIGTERM\)/);
    }
  });
});

describe('SIGTERM during a send', () => {
  it.each([
    ['run', 'SIGTERM'],
    ['schedule', 'SIGTERM'],
    ['schedule', 'SIGINT'],
  ] as const)(
    'digest %s, %s: exits 0 after the message in flight; a later run sends the rest; nobody doubled',
    async (command, signal) => {
      const r = await smtpServer({ delayMs: 150 });
      const cwd = await project(12, { send: { connections: 1 } });
      const argv = ['run', '--now', '2020-09-14T07:00:00-04:00'];
      const first = spawnDigest([command, ...argv.slice(1)], { cwd, env: env(r) });
      await r.waitForAccepted(3);
      first.child.kill(signal);
      expect(await first.exit, first.stderr()).toBe(0);
      expect(first.stderr()).toMatch(/stopped: stopped after \d+ of 12 sent/);
      const delivered = r.accepted.length;
      expect(delivered).toBeGreaterThanOrEqual(3);
      expect(delivered).toBeLessThan(12);
      if (command === 'schedule')
        expect(first.stderr()).toMatch(new RegExp(`stopped \\(${signal}\\); no run in flight`));
      const row = await runRow(cwd, '2020-09-14');
      expect(row).toMatchObject({ state: 'failed', sent: delivered, recipients: 12 });

      const second = spawnDigest(argv, { cwd, env: env(r) });
      expect(await second.exit, second.stderr()).toBe(0);
      expect(second.stderr()).toMatch(/sent: 12 of 12 sent \(resumed\)/);
      expectOneEach(r, 12);
      expect(r.accepted).toHaveLength(12);
      expect(await runRow(cwd, '2020-09-14')).toMatchObject({ state: 'sent', sent: 12, attempts: 2 });
    },
  );
});
