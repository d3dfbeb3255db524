import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DigestError } from '../../src/errors.js';
import {
  type ClaimScope,
  connectStore,
  type Ledger,
  MemoryLedger,
  openStore,
  type SqliteLedger,
  type Store,
} from '../../src/store/index.js';
import { pgLedgers } from '../helpers/pg-ledger.js';

const stores: Store[] = [];
const afterTest: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) s.close();
  for (const undo of afterTest.splice(0).reverse()) await undo();
});

function sqlite(options: ConstructorParameters<typeof SqliteLedger>[1] = {}, file?: string) {
  const path = file ?? join(mkdtempSync(join(tmpdir(), 'digest-ledger-')), 'digest.db');
  const store = openStore(path, options);
  stores.push(store);
  return { ledger: store.ledger, file: path, store };
}

const entries = [1, 2, 3].map((id) => ({
  subscriberId: id,
  email: `s${id}@example.com`,
  messageId: `<m${id}@x>`,
}));

/** A SQLite ledger whose database lists the entries' subscribers (ids 1-3), active. */
function sqliteWithSubscribers(now?: () => number): Ledger {
  const { store } = sqlite({ now });
  const insert = store.db.prepare(
    'INSERT INTO subscribers (id, email, created_at, updated_at) VALUES (?, ?, 0, 0)',
  );
  for (const e of entries) insert.run(e.subscriberId, e.email);
  return store.ledger;
}

/** The ledger of a PostgreSQL store (a fresh database) whose subscribers table lists ids 1-3, active. */
async function postgresWithSubscribers(now?: () => number): Promise<Ledger> {
  const database = await pgLedgers(entries.length);
  afterTest.push(() => database.close());
  const store = await connectStore(database.url, { now });
  afterTest.push(() => store.close());
  return store.ledger;
}

const EVERY_ROW = 1_000;
const NO_SCOPE: ClaimScope = { failedPerm: false, unknown: false };

/**
 * Become a sender of `digestKey` before markSending, as the send loop does: a shared ledger sends
 * only rows it claimed, so this locks and claims every row `scope` allows; an exclusive ledger
 * (which these tests drive without its lock) needs nothing. `end()`: the sender stops, as a run
 * that ended or died does (its rows are anybody's again).
 */
async function sender(
  ledger: Ledger,
  digestKey: string,
  scope = NO_SCOPE,
): Promise<{ end(): Promise<void> }> {
  if (!ledger.shared) return { end: async () => {} };
  const lock = await ledger.lock(digestKey);
  await ledger.claim?.(lock, EVERY_ROW, scope);
  return { end: () => lock.release() };
}

describe.each([
  ['sqlite', async (now?: () => number) => sqliteWithSubscribers(now)],
  ['memory', async (now?: () => number) => new MemoryLedger({ now })],
  ['postgres', postgresWithSubscribers],
])('%s ledger', (_name, make: (now?: () => number) => Promise<Ledger>) => {
  it('moves rows pending -> sending -> outcome, and never back out of sent', async () => {
    const ledger = await make();
    expect(await ledger.enqueue('d1', entries)).toBe(3);
    expect(await ledger.enqueue('d1', entries)).toBe(0);
    await sender(ledger, 'd1');
    expect(await ledger.markSending('d1', 1)).toBe(true);
    expect(await ledger.markSending('d1', 1)).toBe(false);
    await ledger.markResult('d1', 1, { state: 'sent', code: 250, reply: '250 OK' });
    expect(await ledger.markSending('d1', 1)).toBe(false);
    await ledger.markSending('d1', 2);
    await ledger.markResult('d1', 2, { state: 'failed_temp', code: 451, reply: '451 later' });
    expect(await ledger.markSending('d1', 2)).toBe(true);
    await ledger.markResult('d1', 2, { state: 'failed_perm', code: 550, reply: '550 no' });
    const rows = await ledger.list('d1');
    expect(rows.map((r) => [r.subscriberId, r.state, r.attempts, r.lastCode])).toEqual([
      [1, 'sent', 1, 250],
      [2, 'failed_perm', 2, 550],
      [3, 'pending', 0, null],
    ]);
    expect(rows[0]?.sentAt).not.toBeNull();
    expect(await ledger.counts('d1')).toMatchObject({ sent: 1, failed_perm: 1, pending: 1, sending: 0 });
    expect(await ledger.list('other')).toEqual([]);
  });

  it('commits earlier outcomes together with the next sending (group commit), in order', async () => {
    const ledger = await make();
    await ledger.enqueue('d1', entries);
    await sender(ledger, 'd1');
    expect(await ledger.markSending('d1', 1)).toBe(true);
    expect(await ledger.markSending('d1', 2)).toBe(true);
    // 2's first outcome (451) settles before its retry is marked sending again, in the same call.
    const settle = [
      { subscriberId: 1, result: { state: 'sent' as const, code: 250, reply: '250 OK' } },
      { subscriberId: 2, result: { state: 'failed_temp' as const, code: 451, reply: '451 later' } },
    ];
    expect(await ledger.markSending('d1', 2, settle)).toBe(true);
    expect(await ledger.markSending('d1', 1, [])).toBe(false);
    await ledger.markResults('d1', [
      { subscriberId: 2, result: { state: 'sent', code: 250, reply: '250 OK' } },
      { subscriberId: 3, result: { state: 'failed_perm', code: 550, reply: '550 no' } },
    ]);
    await ledger.markResults('d1', []);
    const rows = await ledger.list('d1');
    expect(rows.map((r) => [r.subscriberId, r.state, r.attempts, r.lastCode])).toEqual([
      [1, 'sent', 1, 250],
      [2, 'sent', 2, 250],
      [3, 'failed_perm', 1, 550],
    ]);
  });

  it("commits the previous message's outcome with the next one's sending, and refuses the next one alone if it is not markable", async () => {
    const ledger = await make();
    await ledger.enqueue('d1', entries);
    await sender(ledger, 'd1');
    expect(await ledger.markSending('d1', 1)).toBe(true);
    const sent1 = [{ subscriberId: 1, result: { state: 'sent' as const, code: 250, reply: '250 OK' } }];
    expect(await ledger.markSending('d1', 2, sent1)).toBe(true);
    const temp2 = [{ subscriberId: 2, result: { state: 'failed_temp' as const, code: 451, reply: 'later' } }];
    // 1 is sent already: refused, but 2's outcome is committed all the same.
    expect(await ledger.markSending('d1', 1, temp2)).toBe(false);
    expect((await ledger.list('d1')).map((r) => [r.state, r.attempts, r.lastCode])).toEqual([
      ['sent', 1, 250],
      ['failed_temp', 1, 451],
      ['pending', 0, null],
    ]);
  });

  it('records an attempt refused before it was sending (e.g. at RCPT TO)', async () => {
    const ledger = await make();
    await ledger.enqueue('d1', entries);
    await ledger.markResult('d1', 2, { state: 'failed_perm', code: 550, reply: '550 no such user' });
    await ledger.markResult('d1', 3, { state: 'sent', code: 250, reply: '250 ok' });
    await ledger.markResult('d1', 3, { state: 'failed_temp', code: 451, reply: 'late' });
    const rows = await ledger.list('d1');
    expect(rows.map((r) => [r.state, r.attempts])).toEqual([
      ['pending', 0],
      ['failed_perm', 1],
      ['sent', 1],
    ]);
  });

  it('turns rows left in sending into unknown', async () => {
    const ledger = await make();
    await ledger.enqueue('d1', entries);
    const died = await sender(ledger, 'd1');
    await ledger.markSending('d1', 3);
    await died.end();
    expect(await ledger.recoverInterrupted('d1')).toBe(1);
    expect((await ledger.list('d1')).find((r) => r.subscriberId === 3)?.state).toBe('unknown');
    await sender(ledger, 'd1', { failedPerm: false, unknown: true }); // --resend-unknown
    expect(await ledger.markSending('d1', 3)).toBe(true);
  });

  it('closes unknown rows as sent without an attempt, and only those (--mark-unknown-sent)', async () => {
    const ledger = await make();
    await ledger.enqueue('d1', entries);
    const died = await sender(ledger, 'd1');
    await ledger.markSending('d1', 1);
    await ledger.markSending('d1', 2);
    await ledger.markResult('d1', 2, { state: 'failed_temp', code: 451, reply: 'later' });
    await died.end();
    await ledger.recoverInterrupted('d1');
    expect(await ledger.closeUnknown('d1', 'marked')).toBe(1);
    expect(await ledger.closeUnknown('d1', 'marked')).toBe(0);
    const rows = await ledger.list('d1');
    expect(rows.map((r) => [r.state, r.attempts, r.lastReply])).toEqual([
      ['sent', 0, 'marked'],
      ['failed_temp', 1, 'later'],
      ['pending', 0, null],
    ]);
    expect(rows[0]?.sentAt).not.toBeNull();
  });

  it('lets one sender hold a digest at a time (exclusive), or counts every sender of it (shared)', async () => {
    const ledger = await make();
    const lock = await ledger.lock('d1');
    expect(lock.workers).toBe(1);
    if (ledger.shared) {
      const second = await ledger.lock('d1');
      expect([second.workers, second.workerId === lock.workerId]).toEqual([2, false]);
      await second.release();
    } else await expect(ledger.lock('d1')).rejects.toMatchObject({ code: 'E_SEND_LOCKED' });
    const other = await ledger.lock('d2');
    expect(other.workers).toBe(1);
    await other.release();
    await lock.release();
    await (await ledger.lock('d1')).release();
  });

  it('records digests, newest first', async () => {
    const ledger = await make();
    await ledger.recordDigest({ digestKey: 'day:2020-09-12', date: '2020-09-12', subject: 'A', items: 3 });
    await ledger.recordDigest({ digestKey: 'day:2020-09-13', date: '2020-09-13', subject: 'B', items: 5 });
    expect((await ledger.listDigests()).map((d) => [d.date, d.subject, d.items])).toEqual([
      ['2020-09-13', 'B', 5],
      ['2020-09-12', 'A', 3],
    ]);
  });

  it("keeps the first run's subject and items (as the web copy is frozen); a resume only moves lastSentAt", async () => {
    let now = 1_000;
    const ledger = await make(() => now);
    const key = 'day:2020-09-13@UTC';
    await ledger.recordDigest({ digestKey: key, date: '2020-09-13', subject: 'Sent first', items: 5 });
    now = 2_000;
    // A resume after the templates or content changed renders another subject and count.
    await ledger.recordDigest({ digestKey: key, date: '2020-09-13', subject: 'Rendered later', items: 6 });
    expect(await ledger.listDigests()).toEqual([
      {
        digestKey: key,
        date: '2020-09-13',
        subject: 'Sent first',
        items: 5,
        firstSentAt: 1_000,
        lastSentAt: 2_000,
      },
    ]);
  });
});

describe('SqliteLedger lock across processes', () => {
  it('refuses while the holder on this host is alive, and names it', async () => {
    const { file } = sqlite({ pid: 111, host: 'h1', isAlive: () => true });
    const holder = await sqlite({ pid: 111, host: 'h1', isAlive: () => true }, file).ledger.lock('d1');
    const second = sqlite({ pid: 222, host: 'h1', isAlive: () => true }, file).ledger;
    const error = await second.lock('d1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DigestError);
    expect((error as DigestError).message).toMatch(/process 111 on h1.*nothing was sent/);
    await holder.release();
    await (await second.lock('d1')).release();
  });

  it('takes over the lock of a dead process (e.g. SIGKILL) at once', async () => {
    const { file } = sqlite();
    await sqlite({ pid: 111, host: 'h1' }, file).ledger.lock('d1'); // never released
    const next = sqlite({ pid: 222, host: 'h1', isAlive: (pid) => pid !== 111 }, file).ledger;
    await (await next.lock('d1')).release();
  });

  it('takes over a lock from another host only when its heartbeat is old', async () => {
    let clock = 1_000_000;
    const { file } = sqlite();
    const first = sqlite({ pid: 1, host: 'h1', now: () => clock, heartbeatMs: 3_600_000 }, file).ledger;
    const held = await first.lock('d1');
    const other = sqlite({ pid: 2, host: 'h2', now: () => clock, staleAfterMs: 30_000 }, file).ledger;
    clock += 10_000;
    await expect(other.lock('d1')).rejects.toMatchObject({ code: 'E_SEND_LOCKED' });
    clock += 30_000;
    const taken = await other.lock('d1');
    expect(held.lost).toBe(false);
    await held.release(); // releases nothing: the row is no longer its own
    await expect(first.lock('d1')).rejects.toMatchObject({ code: 'E_SEND_LOCKED' });
    await taken.release();
  });

  it('a holder learns it lost the lock at its next heartbeat', async () => {
    let clock = 1_000_000;
    const { file } = sqlite();
    const first = sqlite({ pid: 1, host: 'h1', now: () => clock, heartbeatMs: 20 }, file).ledger;
    const held = await first.lock('d1');
    clock += 60_000;
    const taken = await sqlite({ pid: 2, host: 'h2', now: () => clock }, file).ledger.lock('d1');
    for (let i = 0; i < 100 && !held.lost; i++) await new Promise((r) => setTimeout(r, 10));
    expect(held.lost).toBe(true);
    await held.release();
    await taken.release();
  });
});
