import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sendBuiltDigest } from '../../src/cli/_send-built.js';
import { loadConfig } from '../../src/config/index.js';
import { createFileTransport, type DeliveryTransport } from '../../src/deliver/index.js';
import type { BuildResult } from '../../src/pipeline.js';
import { MemoryLedger, openStore } from '../../src/store/index.js';
import { sampleRendered } from '../deliver/helpers.js';

const SECRET = 'send-built-test-secret-send-built-test';
const DATE = '2020-09-13';

/** A built digest as `buildDigest` returns it, with only what sending reads. */
function built(rendered = true): BuildResult {
  return {
    window: { date: DATE },
    digestKey: `day:${DATE}@UTC`,
    selection: { items: [{}, {}, {}] },
    rendered: rendered ? sampleRendered() : undefined,
    report: { date: DATE },
    problems: [],
    notes: [],
  } as unknown as BuildResult;
}

/** A folder with a database of two active subscribers and one unsubscribed. */
async function setup() {
  const cwd = mkdtempSync(join(tmpdir(), 'digest-send-built-'));
  const store = openStore(join(cwd, 'digest.db'));
  for (const n of [1, 2, 3])
    await store.subscribers.add({ email: `s${n}@example.com`, name: '', topics: [] });
  await store.subscribers.setStatus(3, 'unsubscribed');
  const { config } = loadConfig(cwd, {});
  return { cwd, store, config };
}

/** The dry-run transport, remembering whether it was closed. */
function fileTransport(dir: string) {
  const state = { closed: false };
  const inner = createFileTransport(dir, 2);
  const transport: DeliveryTransport = {
    ...inner,
    close: async () => {
      state.closed = true;
    },
  };
  return { transport, state };
}

const webCopies = (store: ReturnType<typeof openStore>) =>
  store.db.prepare('SELECT digest_key FROM web_copies').all() as { digest_key: string }[];

describe('sendBuiltDigest: the one send path of digest send, run and schedule', () => {
  it('writes OUT/<date>, keeps the web copy, sends through the ledger and closes the transport', async () => {
    const { cwd, store, config } = await setup();
    const eml = join(cwd, 'eml');
    const { transport, state } = fileTransport(eml);
    const started: string[] = [];
    const report = await sendBuiltDigest(built(), {
      config,
      cwd,
      secret: SECRET,
      subscribers: store.subscribers,
      ledger: store.ledger,
      webCopyDb: store.db,
      openTransport: () => transport,
      onStart: (t) => started.push(t.description),
      now: () => new Date('2020-09-14T07:00:00Z'),
    });
    expect(report).toMatchObject({ complete: true, recipients: 2, counts: { sent: 2 } });
    expect(started).toEqual([eml]);
    expect(readdirSync(eml)).toHaveLength(2);
    expect(existsSync(join(cwd, config.out, DATE, 'digest.html'))).toBe(true);
    expect(webCopies(store)).toEqual([{ digest_key: `day:${DATE}@UTC` }]);
    expect(await store.ledger.counts(`day:${DATE}@UTC`)).toMatchObject({ sent: 2 });
    expect(state.closed).toBe(true);
    store.close();
  });

  it('keeps no web copy without webCopyDb (dry runs, test copies)', async () => {
    const { cwd, store, config } = await setup();
    const { transport } = fileTransport(join(cwd, 'eml'));
    await sendBuiltDigest(built(), {
      config,
      cwd,
      secret: SECRET,
      subscribers: store.subscribers,
      ledger: new MemoryLedger(),
      openTransport: () => transport,
    });
    expect(webCopies(store)).toEqual([]);
    store.close();
  });

  it('closes the transport when the send throws, and refuses a digest with no email before writing', async () => {
    const { cwd, store, config } = await setup();
    const { transport, state } = fileTransport(join(cwd, 'eml'));
    const plan = {
      config: { ...config, from: 'not an address' },
      cwd,
      secret: SECRET,
      subscribers: store.subscribers,
      ledger: new MemoryLedger(),
      openTransport: () => transport,
    };
    await expect(sendBuiltDigest(built(), plan)).rejects.toMatchObject({ code: 'E_CONFIG' });
    expect(state.closed).toBe(true);
    const empty = mkdtempSync(join(tmpdir(), 'digest-send-built-empty-'));
    await expect(sendBuiltDigest(built(false), { ...plan, cwd: empty })).rejects.toMatchObject({
      code: 'E_TEMPLATE',
    });
    expect(readdirSync(empty)).toEqual([]);
    store.close();
  });
});
