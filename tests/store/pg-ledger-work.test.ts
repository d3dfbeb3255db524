import { afterEach, describe, expect, it } from 'vitest';
import type { PgPool, ResultEntry } from '../../src/store/index.js';
import { pgLedgers } from '../helpers/pg-ledger.js';

/**
 * What PostgreSQL reads to send a message must not grow with the list. These count the rows the
 * server read from deliveries and subscribers (pg_stat_user_tables) while one sender claims and
 * marks 200 messages of a digest just enqueued, on a list just written (no statistics of either
 * yet, as on a first send). Two plans once did read the whole digest or list: the settle of the
 * outcomes (hash-joined with every row of the digest, per message) and the claim (driven from
 * subscribers, every subscriber per batch).
 */

const SCOPE = { failedPerm: false, unknown: false };
const MESSAGES = 200;
/** Rows read per message, at most (about 44 here; the hash-joined settle read over 700 at 900 rows). */
const PER_MESSAGE = 60;

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

/** Rows read so far from deliveries and subscribers, as the server's statistics have them. */
async function rowsRead(admin: PgPool): Promise<number> {
  await admin.query('SELECT pg_stat_clear_snapshot()');
  const got = await admin.query<{ n: number }>(
    `SELECT COALESCE(sum(COALESCE(seq_tup_read, 0) + COALESCE(idx_tup_fetch, 0)), 0)::bigint AS n
     FROM pg_stat_user_tables WHERE relname IN ('deliveries', 'subscribers')`,
  );
  return Number(got.rows[0]?.n ?? 0);
}

/** The count once a closed pool's backends have reported theirs (they do as they exit). */
async function settledCount(admin: PgPool, before: number): Promise<number> {
  let last = await rowsRead(admin);
  for (let i = 0; i < 30; i++) {
    await new Promise((done) => setTimeout(done, 100));
    const now = await rowsRead(admin);
    if (now === last && now > before) return now;
    last = now;
  }
  return last;
}

async function sendSome(digestSize: number): Promise<{ read: number; sent: number }> {
  const env = await pgLedgers(digestSize);
  cleanup = env.close;
  const key = `2026-12-01|work-${digestSize}`;
  const { ledger, pool } = env.open();
  await ledger.enqueue(key, env.entries);
  const lock = await ledger.lock(key);
  const before = await rowsRead(env.admin);
  let pending: ResultEntry[] = [];
  let sent = 0;
  while (sent < MESSAGES) {
    const rows = await ledger.claim(lock, 40, SCOPE);
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) {
      // As a send commits: the outcomes so far go with the next `sending`, 0 to 3 at a time.
      const take = sent % 4;
      const settle = pending.slice(0, take);
      pending = pending.slice(take);
      expect(await ledger.markSending(key, row.subscriberId, settle)).toBe(true);
      pending.push({ subscriberId: row.subscriberId, result: { state: 'sent', code: 250, reply: '250 OK' } });
      sent++;
    }
  }
  await ledger.markResults(key, pending);
  await lock.release();
  await pool.end();
  const read = (await settledCount(env.admin, before)) - before;
  const done = await env.admin.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM deliveries WHERE digest_key = $1 AND state = 'sent'",
    [key],
  );
  expect(done.rows[0]?.n).toBe(sent);
  return { read, sent };
}

describe('PgLedger: the work of a message does not grow with the list', () => {
  it('a digest of 900 rows (under the size that refreshes statistics): the settles find rows by key', async () => {
    const { read, sent } = await sendSome(900);
    expect(sent).toBeGreaterThanOrEqual(MESSAGES);
    expect(read).toBeGreaterThan(0);
    expect(read).toBeLessThan(sent * PER_MESSAGE);
  });

  it('a digest of 20,000 rows on a list just written: the same work per message', async () => {
    const { read, sent } = await sendSome(20_000);
    expect(read).toBeGreaterThan(0);
    expect(read).toBeLessThan(sent * PER_MESSAGE);
  });
});
