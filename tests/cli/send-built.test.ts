import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type BuiltDigestSend, sendBuiltDigest } from '../../src/cli/_send-built.js';
import { loadConfig } from '../../src/config/index.js';
import { createFileTransport } from '../../src/deliver/index.js';
import type { BuildResult } from '../../src/pipeline.js';
import { MemoryLedger, openStore, type Store } from '../../src/store/index.js';
import { sampleRendered } from '../deliver/helpers.js';
import { cleanups, runCleanups, tempDir } from '../helpers/cleanup.js';

afterEach(runCleanups);

const DATE = '2020-09-13';
const KEY = `day:${DATE}@UTC`;

/** A built digest as `buildDigest` returns it, with only what sending reads. */
function built(rendered = true): BuildResult {
  return {
    window: { date: DATE },
    digestKey: KEY,
    selection: {
      items: ['ai', 'science', 'ai'].map((topic) => ({ lead: { topics: [topic] }, alsoCoveredBy: [] })),
    },
    rendered: rendered ? sampleRendered() : undefined,
    report: { date: DATE },
    problems: [],
    notes: [],
  } as unknown as BuildResult;
}

/**
 * A folder whose database holds two active subscribers and one unsubscribed, and a dry-run send
 * plan over it (file transport into <cwd>/eml, memory ledger, no web copy) that notes its close.
 */
async function setup() {
  const cwd = tempDir('digest-send-built-');
  const store = openStore(join(cwd, 'digest.db'));
  cleanups.push(() => store.close());
  for (const n of [1, 2, 3])
    await store.subscribers.add({ email: `s${n}@example.com`, name: '', topics: [] });
  await store.subscribers.setStatus(3, 'unsubscribed');
  const eml = join(cwd, 'eml');
  const closed = { value: false };
  const plan: BuiltDigestSend = {
    config: loadConfig(cwd, {}).config,
    cwd,
    secret: 'send-built-test-secret-send-built-test',
    subscribers: store.subscribers,
    ledger: new MemoryLedger(),
    openTransport: () => ({
      ...createFileTransport(eml, 2),
      close: async () => {
        closed.value = true;
      },
    }),
  };
  return { cwd, store, eml, closed, plan };
}

const webCopies = (store: Store) =>
  store.db.prepare('SELECT digest_key FROM web_copies').all() as { digest_key: string }[];

describe('sendBuiltDigest: the one send path of digest send, run and schedule', () => {
  it('writes OUT/<date>, keeps the web copy, sends through the ledger and closes the transport', async () => {
    const { cwd, store, eml, closed, plan } = await setup();
    const started: string[] = [];
    const report = await sendBuiltDigest(built(), {
      ...plan,
      ledger: store.ledger,
      webCopyDb: store.db,
      onStart: (t) => started.push(t.description),
    });
    expect(report).toMatchObject({ complete: true, recipients: 2, counts: { sent: 2 } });
    expect(started).toEqual([eml]);
    expect(readdirSync(eml)).toHaveLength(2);
    expect(existsSync(join(cwd, plan.config.out, DATE, 'digest.html'))).toBe(true);
    expect(webCopies(store)).toEqual([{ digest_key: KEY }]);
    expect(await store.ledger.counts(KEY)).toMatchObject({ sent: 2 });
    expect(closed.value).toBe(true);
  });

  it('keeps no web copy without webCopyDb (dry runs, test copies)', async () => {
    const { store, plan } = await setup();
    await sendBuiltDigest(built(), plan);
    expect(webCopies(store)).toEqual([]);
  });

  it('closes the transport when the send throws', async () => {
    const { closed, plan } = await setup();
    const bad = { ...plan, config: { ...plan.config, from: 'not an address' } };
    await expect(sendBuiltDigest(built(), bad)).rejects.toMatchObject({ code: 'E_CONFIG' });
    expect(closed.value).toBe(true);
  });

  it('refuses a digest with no email before writing anything', async () => {
    const { plan } = await setup();
    const empty = tempDir('digest-send-built-empty-');
    await expect(sendBuiltDigest(built(false), { ...plan, cwd: empty })).rejects.toMatchObject({
      code: 'E_TEMPLATE',
    });
    expect(readdirSync(empty)).toEqual([]);
  });
});
