import { afterEach, describe, expect, it } from 'vitest';
import {
  type ClaimScope,
  type DeliveryRecord,
  digestPartsSha256,
  type PgLedger,
  type ResultEntry,
  type SendLock,
} from '../../src/store/index.js';
import { pgLedgers } from '../helpers/pg-ledger.js';

/** Short enough for a test to outlive a lease, long enough that a busy machine renews in time. */
const LEASE_MS = 2_000;
const NO_SCOPE: ClaimScope = { failedPerm: false, unknown: false };
const KEY = 'day:2026-12-02@UTC';

type Database = Awaited<ReturnType<typeof pgLedgers>>;
let database: Database | undefined;
const locks: SendLock[] = [];
afterEach(async () => {
  for (const lock of locks.splice(0)) await lock.release();
  await database?.close();
  database = undefined;
});

async function fresh(subscribers: number): Promise<Database> {
  database = await pgLedgers(subscribers);
  return database;
}

/** A ledger on a pool of its own (another process), with a short lease. */
function sender(db: Database): PgLedger {
  return db.open({ leaseMs: LEASE_MS }).ledger;
}

async function lock(ledger: PgLedger, key = KEY): Promise<SendLock> {
  const held = await ledger.lock(key);
  locks.push(held);
  return held;
}

/** Wait (at most 15 s, polling) until `done` holds; false if it never did. */
async function eventually(done: () => Promise<boolean> | boolean): Promise<boolean> {
  const deadline = Date.now() + 15_000;
  for (let i = 0; i < 300 && Date.now() < deadline; i++) {
    if (await done()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return done();
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * What one sender does: claim batches until none is left, mark each row sending with the previous
 * message's outcome (as the send loop commits them), and commit the last outcome at the end.
 */
async function sendAll(ledger: PgLedger, held: SendLock, batch: number): Promise<number[]> {
  const mine: number[] = [];
  let settle: ResultEntry[] = [];
  for (let round = 0; round < 1_000; round++) {
    const rows = await ledger.claim(held, batch, NO_SCOPE);
    if (rows.length === 0) break;
    for (const row of rows) {
      expect(await ledger.markSending(KEY, row.subscriberId, settle)).toBe(true);
      settle = [{ subscriberId: row.subscriberId, result: { state: 'sent', code: 250, reply: '250 ok' } }];
      mine.push(row.subscriberId);
    }
  }
  await ledger.markResults(KEY, settle);
  return mine;
}

describe('PgLedger, shared by senders on several connections (one real PostgreSQL server)', () => {
  it('three senders on three pools claim disjoint rows that together cover the digest', async () => {
    const db = await fresh(600);
    const senders = [sender(db), sender(db), sender(db)];
    // All three enqueue the whole list at once, as three `digest send` starting together do.
    const created = await Promise.all(senders.map((l) => l.enqueue(KEY, db.entries)));
    expect(created.reduce((a, b) => a + b, 0)).toBe(600);
    const held: SendLock[] = [];
    for (const l of senders) held.push(await lock(l));
    expect(held.map((h) => h.workers)).toEqual([1, 2, 3]);
    const taken = await Promise.all(senders.map((l, i) => sendAll(l, held[i] as SendLock, 25)));
    const all = taken.flat();
    expect(new Set(all).size).toBe(all.length); // no row went to two senders
    expect(all.sort((a, b) => a - b)).toEqual(db.entries.map((e) => e.subscriberId));
    expect(taken.every((t) => t.length > 0)).toBe(true);
    const rows = await senders[0]?.list(KEY);
    expect(rows?.every((r) => r.state === 'sent' && r.attempts === 1)).toBe(true);
    expect(await senders[1]?.outstanding(held[1] as SendLock, NO_SCOPE)).toEqual({
      claimable: 0,
      heldByOthers: 0,
    });
  });

  it('refuses to mark sending a row another sender holds, and a row it never claimed', async () => {
    const db = await fresh(4);
    const [a, b] = [sender(db), sender(db)];
    await a.enqueue(KEY, db.entries);
    const [lockA, lockB] = [await lock(a), await lock(b)];
    const claimed = await a.claim(lockA, 2, NO_SCOPE);
    expect(claimed.map((r) => [r.subscriberId, r.state])).toEqual([
      [1, 'pending'],
      [2, 'pending'],
    ]);
    expect(await b.markSending(KEY, 1)).toBe(false);
    expect(await b.markSending(KEY, 3)).toBe(false); // nobody holds it, b included
    expect((await b.claim(lockB, 10, NO_SCOPE)).map((r) => r.subscriberId)).toEqual([3, 4]);
    expect(await b.outstanding(lockB, NO_SCOPE)).toEqual({ claimable: 0, heldByOthers: 2 });
    expect(await a.markSending(KEY, 1)).toBe(true);
    expect(await b.markSending(KEY, 3)).toBe(true);
    // An outcome is not written over a row another live sender holds.
    await b.markResult(KEY, 2, { state: 'failed_perm', code: 550, reply: 'not yours' });
    expect((await a.list(KEY)).map((r) => r.state)).toEqual(['sending', 'pending', 'sending', 'pending']);
  });

  it('does not make senders done but for settled rows they hold wait for each other', async () => {
    const db = await fresh(4);
    const [a, b] = [sender(db), sender(db)];
    await a.enqueue(KEY, db.entries);
    const [lockA, lockB] = [await lock(a), await lock(b)];
    expect((await a.claim(lockA, 2, NO_SCOPE)).map((r) => r.subscriberId)).toEqual([1, 2]);
    expect((await b.claim(lockB, 2, NO_SCOPE)).map((r) => r.subscriberId)).toEqual([3, 4]);
    // Each has one row still to send: the other waits for it.
    await a.markResult(KEY, 1, { state: 'failed_perm', code: 550 });
    await b.markResult(KEY, 3, { state: 'failed_temp', code: 451 });
    expect(await a.outstanding(lockA, NO_SCOPE)).toEqual({ claimable: 0, heldByOthers: 1 });
    expect(await b.outstanding(lockB, NO_SCOPE)).toEqual({ claimable: 0, heldByOthers: 1 });
    // Both settled the rest (one in flight counts until its outcome): nobody waits any more.
    expect(await a.markSending(KEY, 2)).toBe(true);
    expect(await b.outstanding(lockB, NO_SCOPE)).toEqual({ claimable: 0, heldByOthers: 1 });
    await a.markResult(KEY, 2, { state: 'failed_temp', code: 451 });
    await b.markResult(KEY, 4, { state: 'unknown' });
    expect(await a.outstanding(lockA, NO_SCOPE)).toEqual({ claimable: 0, heldByOthers: 0 });
    expect(await b.outstanding(lockB, NO_SCOPE)).toEqual({ claimable: 0, heldByOthers: 0 });
    // Nor does a sender claim again what it took in this run, whatever the scope.
    expect(await a.claim(lockA, 10, { failedPerm: true, unknown: true })).toEqual([]);
  });

  it('gives back at once the rows a sender releases unsent; its sending rows turn unknown', async () => {
    const db = await fresh(5);
    const [a, b] = [sender(db), sender(db)];
    await a.enqueue(KEY, db.entries);
    const lockA = await lock(a);
    expect((await a.claim(lockA, 5, NO_SCOPE)).length).toBe(5);
    await a.markSending(KEY, 1);
    await a.markSending(KEY, 2);
    await a.markResult(KEY, 2, { state: 'sent', code: 250 });
    await a.markSending(KEY, 3);
    await a.markResult(KEY, 3, { state: 'failed_temp', code: 451 });
    await lockA.release();
    const lockB = await lock(b);
    expect(await b.recoverInterrupted(KEY)).toBe(1);
    // 3 (failed_temp), 4, 5: no lease to wait for.
    expect((await b.claim(lockB, 10, NO_SCOPE)).map((r) => [r.subscriberId, r.state])).toEqual([
      [3, 'failed_temp'],
      [4, 'pending'],
      [5, 'pending'],
    ]);
    expect((await b.list(KEY)).map((r) => r.state)).toEqual([
      'unknown',
      'sent',
      'failed_temp',
      'pending',
      'pending',
    ]);
  });

  it("a dead sender's held rows come back after its lease; its sending rows turn unknown, claimable only with scope.unknown", async () => {
    const db = await fresh(30);
    const dead = db.open({ leaseMs: LEASE_MS });
    const live = sender(db);
    await live.enqueue(KEY, db.entries);
    const lockDead = await dead.ledger.lock(KEY);
    expect((await dead.ledger.claim(lockDead, 10, NO_SCOPE)).map((r) => r.subscriberId)).toEqual(
      Array.from({ length: 10 }, (_, i) => i + 1),
    );
    for (const id of [1, 2, 3]) expect(await dead.ledger.markSending(KEY, id)).toBe(true);
    await dead.ledger.markResult(KEY, 1, { state: 'sent', code: 250 });
    // SIGKILL, as far as the database can tell: no release, no more renewals.
    await dead.pool.end();

    const lockLive = await lock(live);
    expect(lockLive.workers).toBe(2);
    expect((await live.claim(lockLive, 100, NO_SCOPE)).map((r) => r.subscriberId)).toEqual(
      Array.from({ length: 20 }, (_, i) => i + 11),
    );
    expect(await live.recoverInterrupted(KEY)).toBe(0); // its lease still runs: it may be sending
    expect(await live.outstanding(lockLive, NO_SCOPE)).toEqual({ claimable: 0, heldByOthers: 9 });

    expect(
      await eventually(async () => (await live.outstanding(lockLive, NO_SCOPE)).heldByOthers === 0),
    ).toBe(true);
    expect(lockDead.lost).toBe(true); // a whole lease without a renewal
    expect(await live.outstanding(lockLive, NO_SCOPE)).toEqual({ claimable: 7, heldByOthers: 0 });
    expect(await live.recoverInterrupted(KEY)).toBe(2);
    const back = await live.claim(lockLive, 100, NO_SCOPE);
    expect(back.map((r) => [r.subscriberId, r.state])).toEqual(
      [4, 5, 6, 7, 8, 9, 10].map((id) => [id, 'pending']),
    );
    // --resend-unknown: the two messages the dead sender may have sent.
    const unknown = await live.claim(lockLive, 100, { failedPerm: false, unknown: true });
    expect(unknown.map((r: DeliveryRecord) => [r.subscriberId, r.state])).toEqual([
      [2, 'unknown'],
      [3, 'unknown'],
    ]);
    // The renewal after the wait kept the live sender's own rows; the dead one no longer counts.
    expect(await eventually(() => lockLive.workers === 1)).toBe(true);
    expect(lockLive.lost).toBe(false);
    expect(await live.markSending(KEY, 11)).toBe(true);
  });

  it("leaves a live sender's sending rows alone, across several of its lease lengths", async () => {
    const db = await fresh(3);
    const [a, b] = [sender(db), sender(db)];
    await a.enqueue(KEY, db.entries);
    const lockA = await lock(a);
    await a.claim(lockA, 3, NO_SCOPE);
    expect(await a.markSending(KEY, 1)).toBe(true);
    const lockB = await lock(b);
    expect(await b.recoverInterrupted(KEY)).toBe(0);
    await sleep(LEASE_MS * 2.5); // a renews every LEASE_MS / 3
    expect(await b.recoverInterrupted(KEY)).toBe(0);
    expect(await b.claim(lockB, 10, { failedPerm: true, unknown: true })).toEqual([]);
    expect(lockA.lost).toBe(false);
    await a.markResult(KEY, 1, { state: 'sent', code: 250 });
    expect(await a.markSending(KEY, 2)).toBe(true); // its held rows were renewed with it
    expect((await b.list(KEY)).map((r) => r.state)).toEqual(['sent', 'sending', 'pending']);
  });

  it('stores the first copy of a digest; every later sender gets that one, and knows it is not its own', async () => {
    const db = await fresh(1);
    const [a, b] = [sender(db), sender(db)];
    const [lockA, lockB] = [await lock(a), await lock(b)];
    const partsA = { subject: 'Morning', html: '<p>a</p>', text: 'a' };
    const partsB = { subject: 'Morning', html: '<p>b</p>', text: 'b' };
    const [copyA, copyB] = await Promise.all([
      a.storeCopy(KEY, partsA, lockA),
      b.storeCopy(KEY, partsB, lockB),
    ]);
    expect([copyA.mine, copyB.mine].sort()).toEqual([false, true]);
    const [first, firstLock] = copyA.mine ? [partsA, lockA] : [partsB, lockB];
    for (const copy of [copyA, copyB]) {
      expect({ subject: copy.subject, html: copy.html, text: copy.text, sha256: copy.sha256 }).toEqual({
        ...first,
        sha256: digestPartsSha256(first),
      });
      expect(copy.storedBy).toContain(firstLock.workerId);
    }
    expect(digestPartsSha256(partsA)).not.toBe(digestPartsSha256(partsB));
    const later = await a.storeCopy(KEY, partsB, lockA);
    expect([later.mine, later.html, later.storedAt]).toEqual([false, first.html, copyA.storedAt]);
  });

  it('a sender learns it lost its lease at the next renewal (its row gone, or its lease run out), and then claims nothing', async () => {
    const db = await fresh(2);
    const [a, b] = [sender(db), sender(db)];
    await a.enqueue(KEY, db.entries);
    const [gone, expired] = [await lock(a), await lock(b)];
    expect([gone.lost, expired.lost]).toEqual([false, false]);
    await db.admin.query('DELETE FROM send_workers WHERE worker_id = $1', [gone.workerId]);
    await db.admin.query('UPDATE send_workers SET lease_until = 0 WHERE worker_id = $1', [expired.workerId]);
    expect(await eventually(() => gone.lost && expired.lost)).toBe(true);
    expect(await a.claim(gone, 10, NO_SCOPE)).toEqual([]);
    expect(await b.claim(expired, 10, NO_SCOPE)).toEqual([]);
    // A new lock takes the rows: the lost ones never held them.
    const again = await lock(a);
    expect((await a.claim(again, 10, NO_SCOPE)).length).toBe(2);
    expect(again.lost).toBe(false);
  });

  it('counts the live senders of a digest, as of each renewal', async () => {
    const db = await fresh(1);
    const [a, b, c] = [sender(db), sender(db), sender(db)];
    const first = await lock(a);
    const second = await lock(b);
    await lock(c, 'another digest');
    expect([first.workers, second.workers]).toEqual([1, 2]);
    expect(await eventually(() => first.workers === 2)).toBe(true);
    await second.release();
    expect(await eventually(() => first.workers === 1)).toBe(true);
    const rows = await db.admin.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM send_workers WHERE digest_key = $1',
      [KEY],
    );
    expect(rows.rows[0]?.n).toBe(1);
  });

  it('recounts the live senders at each claim, without waiting for a renewal', async () => {
    const db = await fresh(10);
    // A lease of a minute: no renewal comes within this test, so only the claim can recount.
    const [a, b] = [db.open({ leaseMs: 60_000 }).ledger, db.open({ leaseMs: 60_000 }).ledger];
    await a.enqueue(KEY, db.entries);
    const first = await lock(a);
    const second = await lock(b);
    expect(first.workers).toBe(1);
    expect(await a.claim(first, 2, NO_SCOPE)).toHaveLength(2);
    expect(first.workers).toBe(2);
    await second.release();
    expect(await a.claim(first, 2, NO_SCOPE)).toHaveLength(2);
    expect(first.workers).toBe(1);
  });

  it('refuses to mark sending a subscriber who is no longer active', async () => {
    const db = await fresh(2);
    const a = sender(db);
    await a.enqueue(KEY, db.entries);
    const held = await lock(a);
    await a.claim(held, 2, NO_SCOPE);
    await db.admin.query("UPDATE subscribers SET status = 'unsubscribed' WHERE id = 2");
    expect([await a.markSending(KEY, 1), await a.markSending(KEY, 2)]).toEqual([true, false]);
    // And nobody claims it again: a shared send ends instead of passing the row around.
    await held.release();
    const next = await lock(a);
    expect(await a.outstanding(next, NO_SCOPE)).toEqual({ claimable: 0, heldByOthers: 0 });
  });

  it('--mark-unknown-sent leaves alone an unknown row another sender is resending (--resend-unknown)', async () => {
    const db = await fresh(2);
    const [a, b] = [sender(db), sender(db)];
    await a.enqueue(KEY, db.entries);
    const first = await lock(a);
    await a.claim(first, 2, NO_SCOPE);
    await a.markSending(KEY, 1);
    await a.markSending(KEY, 2);
    await first.release(); // cut off with both on their way
    expect(await a.recoverInterrupted(KEY)).toBe(2);
    const resend = await lock(a);
    expect(
      (await a.claim(resend, 1, { failedPerm: false, unknown: true })).map((r) => r.subscriberId),
    ).toEqual([1]);
    await lock(b);
    expect(await b.closeUnknown(KEY, 'marked')).toBe(1);
    expect((await b.list(KEY)).map((r) => [r.subscriberId, r.state, r.lastReply])).toEqual([
      [1, 'unknown', null],
      [2, 'sent', 'marked'],
    ]);
  });

  it('enqueues 100,000 recipients in batches, once', async () => {
    const db = await fresh(0);
    const a = sender(db);
    const entries = Array.from({ length: 100_000 }, (_, i) => ({
      subscriberId: i + 1,
      email: `s${i + 1}@example.com`,
      messageId: `<m${i + 1}@x>`,
    }));
    expect(await a.enqueue(KEY, entries)).toBe(100_000);
    expect(await a.enqueue(KEY, entries.slice(0, 500))).toBe(0);
    expect(await a.counts(KEY)).toMatchObject({ pending: 100_000, sending: 0 });
  });
});
