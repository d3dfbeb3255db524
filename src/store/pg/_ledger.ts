import { createHash, randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { DigestError } from '../../errors.js';
import { type DeliveryRow, deliveryRecord } from '../_delivery-row.js';
import {
  type ClaimScope,
  type DeliveryEntry,
  type DeliveryRecord,
  type DeliveryResult,
  type DeliveryState,
  type DigestInfo,
  type DigestParts,
  type DigestRecord,
  digestPartsSha256,
  emptyCounts,
  type Ledger,
  type Outstanding,
  type ResultEntry,
  type SendLock,
  type StoredCopy,
} from '../_ledger.js';
import { inTransaction, type PgClient, type PgPool } from './_pool.js';

export interface PgLedgerOptions {
  /** Clock for stored times (created, updated, sent), epoch ms. Default Date.now. Leases use the database's clock. */
  now?: () => number;
  /** This process, as written into its send_workers row. Default process.pid and os.hostname(). */
  pid?: number;
  host?: string;
  /** How long a sender's claim holds without a renewal, ms; renewed every third of it. Default 30000. */
  leaseMs?: number;
}

/**
 * The database's clock, epoch ms: every lease is set and compared by it, so that senders on
 * machines whose clocks differ agree on when a lease ran out.
 */
const DB_NOW = '(extract(epoch FROM clock_timestamp()) * 1000)::bigint';

/** Rows of a digest that no live sender holds (its lease ran out, or nobody ever claimed it). */
const UNHELD = `(lease_until IS NULL OR lease_until <= ${DB_NOW})`;

const RECORD_COLUMNS =
  'digest_key, subscriber_id, email, message_id, state, attempts, last_code, last_reply, created_at, updated_at, sent_at';
/** The same, of the `d` of an UPDATE ... FROM (whose other table has a subscriber_id too). */
const CLAIMED_COLUMNS = RECORD_COLUMNS.split(', ')
  .map((c) => `d.${c}`)
  .join(', ');

/**
 * Commit outcomes (no subscriber twice: an UPDATE changes a row once, and the same subscriber twice
 * must count two attempts) to digest $1 at time $2, +1 attempt each, never out of `sent`. A row
 * another live sender holds is not this sender's ($3: its worker ids) to write; a row nobody holds
 * (a signup mail's) is. `sent` lets go of the lease; other outcomes stay held until release, so
 * that this run never claims them again. The outcomes follow from $4, four values each (subscriber
 * id, state, code, reply).
 *
 * Up to VALUES_MAX outcomes are single values: such a statement's generic plan costs what a custom
 * one does, so PostgreSQL plans it once per connection. Arrays of any length (unnest) would be
 * planned afresh at every message, since their custom plans, which know the length, always look
 * cheaper (a plan cost ~1 ms here, more than the update). Beyond VALUES_MAX, arrays it is.
 * The ids are also compared to the key beside the join, so that the rows are found by their
 * primary key whatever the planner believes of the table: without it, a digest enqueued a moment
 * ago (not in the table's statistics yet) was hash-joined, every row of the digest read per message.
 */
function settleStatement(
  digestKey: string,
  now: number,
  mine: string[],
  entries: ResultEntry[],
): { sql: string; params: unknown[] } {
  const params: unknown[] = [digestKey, now, mine];
  if (entries.length <= VALUES_MAX) {
    for (const e of entries)
      params.push(e.subscriberId, e.result.state, e.result.code ?? null, e.result.reply ?? null);
    return { sql: settleValuesSql(entries.length), params };
  }
  params.push(
    entries.map((e) => e.subscriberId),
    entries.map((e) => e.result.state),
    entries.map((e) => e.result.code ?? null),
    entries.map((e) => e.result.reply ?? null),
  );
  return {
    sql: settleSql('unnest($4::bigint[], $5::text[], $6::int[], $7::text[])', 'ANY($4::bigint[])'),
    params,
  };
}

/** Most outcomes one settle statement carries as single values (see settleStatement). */
const VALUES_MAX = 16;
const settleValues: string[] = [];

/** The settle statement of `n` (1 to VALUES_MAX) outcomes as single values. */
function settleValuesSql(n: number): string {
  let sql = settleValues[n];
  if (sql === undefined) {
    const at = (i: number, k: number) => `$${4 + 4 * i + k}`;
    const rows = Array.from(
      { length: n },
      (_, i) => `(${at(i, 0)}::bigint, ${at(i, 1)}::text, ${at(i, 2)}::int, ${at(i, 3)}::text)`,
    );
    const ids = Array.from({ length: n }, (_, i) => `${at(i, 0)}::bigint`);
    sql = settleSql(
      `(VALUES ${rows.join(', ')})`,
      n === 1 ? (ids[0] as string) : `ANY(ARRAY[${ids.join(', ')}])`,
    );
    settleValues[n] = sql;
  }
  return sql;
}

function settleSql(outcomes: string, ids: string): string {
  return `UPDATE deliveries d SET state = r.state, last_code = r.code, last_reply = r.reply, updated_at = $2,
    attempts = d.attempts + 1,
    sent_at = CASE WHEN r.state = 'sent' THEN $2 ELSE d.sent_at END,
    lease_until = CASE WHEN r.state = 'sent' THEN NULL ELSE d.lease_until END
  FROM ${outcomes} AS r(subscriber_id, state, code, reply)
  WHERE d.digest_key = $1 AND d.subscriber_id = ${ids} AND d.subscriber_id = r.subscriber_id
    AND d.state <> 'sent'
    AND (d.lease_until IS NULL OR d.lease_until <= ${DB_NOW} OR d.claimed_by = ANY($3::text[]))`;
}

/**
 * Which row markSending may mark, in digest $1: subscriber `id`, not `sent` or `sending`, held by
 * one of `mine` (worker ids) under a live lease of the row and of the worker (a lock found lost
 * keeps its rows' leases until they run out), and its subscriber still active: an unsubscribe that
 * commits after this finds the message already on its way.
 */
function markable(mine: string, id: string): string {
  return `WHERE digest_key = $1 AND subscriber_id = ${id} AND state <> 'sent' AND state <> 'sending'
    AND claimed_by = ANY(${mine}::text[]) AND lease_until > ${DB_NOW}
    AND EXISTS (SELECT 1 FROM send_workers w WHERE w.worker_id = deliveries.claimed_by AND w.lease_until > ${DB_NOW})
    AND EXISTS (SELECT 1 FROM subscribers s WHERE s.id = deliveries.subscriber_id AND s.status = 'active')`;
}

/** Rows per INSERT when enqueueing: 100,000 subscribers are ten statements in one transaction. */
const ENQUEUE_CHUNK = 10_000;

/** New rows from which enqueue refreshes the table's statistics (see PgLedger.#analyze). */
const ANALYZE_AFTER = 1_000;

/**
 * The Ledger on PostgreSQL, shared by any number of senders on any number of machines.
 *
 * A sender joins a digest with lock(): a row in send_workers with a lease, renewed every third of
 * it. It takes recipients with claim() (the rows carry its worker id in `claimed_by` and its lease
 * in `lease_until`, renewed with it) and marks only those `sending`. A row is held while its lease
 * runs; once it ran out (the sender died, or stopped renewing), any sender takes it again, except
 * a `sending` one: that message may have left, so recoverInterrupted turns it `unknown`. A `sent`
 * row lets go of its lease at once; other outcomes stay held until release(), so that a sender
 * never takes a row twice in one run (another may take it, under its own scope, after it).
 */
export class PgLedger implements Ledger {
  readonly shared = true;
  readonly #pool: PgPool;
  readonly #now: () => number;
  readonly #pid: number;
  readonly #host: string;
  readonly #leaseMs: number;
  /** The worker ids of the locks this ledger holds now, by digest. */
  readonly #mine = new Map<string, Set<string>>();

  constructor(pool: PgPool, options: PgLedgerOptions = {}) {
    this.#pool = pool;
    this.#now = options.now ?? Date.now;
    this.#pid = options.pid ?? process.pid;
    this.#host = options.host ?? hostname();
    this.#leaseMs = options.leaseMs ?? 30_000;
    if (!Number.isInteger(this.#leaseMs) || this.#leaseMs < 300) {
      throw new DigestError(
        'E_CONFIG',
        `the send lease must be a whole number of ms, at least 300 (got ${this.#leaseMs})`,
        {
          field: 'send.leaseSeconds',
          hint: 'give the lease in seconds, e.g. 30',
        },
      );
    }
  }

  async lock(digestKey: string): Promise<SendLock> {
    const workerId = randomUUID();
    const sentAt = performance.now();
    // Workers whose lease ran out are gone: their rows are anybody's, and a late renewal of theirs
    // finds its row missing and reports the lock lost.
    const joined = await this.#query<{ workers: number }>(
      `join the senders of digest ${digestKey}`,
      `WITH gone AS (DELETE FROM send_workers WHERE digest_key = $2 AND lease_until <= ${DB_NOW}),
            me AS (INSERT INTO send_workers (worker_id, digest_key, pid, host, started_at, heartbeat_at, lease_until)
                   VALUES ($1, $2, $3, $4, ${DB_NOW}, ${DB_NOW}, ${DB_NOW} + $5))
       SELECT count(*)::int + 1 AS workers FROM send_workers
       WHERE digest_key = $2 AND lease_until > ${DB_NOW} AND worker_id <> $1`,
      [workerId, digestKey, this.#pid, this.#host, this.#leaseMs],
    );
    let mine = this.#mine.get(digestKey);
    if (!mine) {
      mine = new Set();
      this.#mine.set(digestKey, mine);
    }
    mine.add(workerId);
    return new PgSendLock(this.#pool, {
      digestKey,
      workerId,
      leaseMs: this.#leaseMs,
      workers: joined.rows[0]?.workers ?? 1,
      sentAt,
      forget: () => this.#mine.get(digestKey)?.delete(workerId),
    });
  }

  async recoverInterrupted(digestKey: string): Promise<number> {
    // A live sender's `sending` rows are its messages on their way: left alone.
    const recovered = await this.#query(
      `recover interrupted rows of digest ${digestKey}`,
      `UPDATE deliveries SET state = 'unknown', updated_at = $2, lease_until = NULL
       WHERE digest_key = $1 AND state = 'sending' AND ${UNHELD}`,
      [digestKey, this.#now()],
    );
    await this.#query(
      `let go of expired claims of digest ${digestKey}`,
      `UPDATE deliveries SET lease_until = NULL WHERE digest_key = $1 AND lease_until <= ${DB_NOW}`,
      [digestKey],
    );
    return recovered.rowCount ?? 0;
  }

  async closeUnknown(digestKey: string, reply: string): Promise<number> {
    // An unknown row another sender holds is being resent (--resend-unknown): its outcome decides.
    const closed = await this.#query(
      `close unknown rows of digest ${digestKey}`,
      `UPDATE deliveries SET state = 'sent', last_reply = $1, updated_at = $2, sent_at = COALESCE(sent_at, updated_at)
       WHERE digest_key = $3 AND state = 'unknown' AND ${UNHELD}`,
      [reply, this.#now(), digestKey],
    );
    return closed.rowCount ?? 0;
  }

  async enqueue(digestKey: string, entries: DeliveryEntry[]): Promise<number> {
    if (entries.length === 0) return 0;
    // In subscriber order, so that senders enqueueing the same digest at once wait for each other
    // on the same first row instead of deadlocking.
    const sorted = [...entries].sort((a, b) => a.subscriberId - b.subscriberId);
    const now = this.#now();
    const created = await this.#transaction(`enqueue recipients of digest ${digestKey}`, async (client) => {
      let created = 0;
      for (let i = 0; i < sorted.length; i += ENQUEUE_CHUNK) {
        const chunk = sorted.slice(i, i + ENQUEUE_CHUNK);
        const inserted = await client.query(
          `INSERT INTO deliveries (digest_key, subscriber_id, email, message_id, created_at, updated_at)
           SELECT $1, e.id, e.email, e.message_id, $5, $5
           FROM unnest($2::bigint[], $3::text[], $4::text[]) AS e(id, email, message_id)
           ON CONFLICT (digest_key, subscriber_id) DO NOTHING`,
          [
            digestKey,
            chunk.map((e) => e.subscriberId),
            chunk.map((e) => e.email),
            chunk.map((e) => e.messageId),
            now,
          ],
        );
        created += inserted.rowCount ?? 0;
      }
      return created;
    });
    if (created >= ANALYZE_AFTER) await this.#analyze();
    return created;
  }

  /**
   * Fresh statistics of deliveries once a digest's rows are in: the planner then knows that a
   * digest has thousands of rows, not the handful it assumes of a key it has never seen, and
   * picks its index scans by that. autovacuum would do this too, but only a minute or more
   * later, with the send half done. The statements do not depend on it (see settleStatement and
   * claimable), so statistics are an
   * optimisation: a role that may not ANALYZE the table (PostgreSQL only warns), or a failure,
   * leaves the send as it is.
   */
  async #analyze(): Promise<void> {
    try {
      await this.#pool.query('ANALYZE deliveries');
    } catch {
      // See above: the send goes on with the statistics as they were.
    }
  }

  async list(digestKey: string): Promise<DeliveryRecord[]> {
    const rows = await this.#query<DeliveryRow>(
      `list digest ${digestKey}`,
      `SELECT ${RECORD_COLUMNS} FROM deliveries WHERE digest_key = $1 ORDER BY subscriber_id`,
      [digestKey],
    );
    return rows.rows.map(deliveryRecord);
  }

  async markSending(digestKey: string, subscriberId: number, settle: ResultEntry[] = []): Promise<boolean> {
    const what = `mark subscriber ${subscriberId} sending (digest ${digestKey})`;
    const mine = this.#workers(digestKey);
    const mark = `UPDATE deliveries SET state = 'sending', updated_at = $2 ${markable('$3', '$4')}`;
    if (settle.length === 0) {
      const marked = await this.#query(what, mark, [digestKey, this.#now(), mine, subscriberId]);
      return marked.rowCount === 1;
    }
    const runs = distinctRuns(settle);
    const [only] = runs;
    if (runs.length === 1 && only && !only.some((e) => e.subscriberId === subscriberId)) {
      // The usual case, in one statement (one round trip, atomic): the settled rows are others.
      const { sql, params } = settleStatement(digestKey, this.#now(), mine, only);
      const marked = await this.#query(
        what,
        `WITH settled AS (${sql})
         UPDATE deliveries SET state = 'sending', updated_at = $2 ${markable('$3', `$${params.length + 1}`)}`,
        [...params, subscriberId],
      );
      return marked.rowCount === 1;
    }
    // A retry of a subscriber whose earlier outcome is in `settle`: that outcome first, in order.
    return this.#transaction(what, async (client) => {
      await this.#settleRuns(client, digestKey, mine, runs);
      const marked = await client.query(prepared(mark, [digestKey, this.#now(), mine, subscriberId]));
      return marked.rowCount === 1;
    });
  }

  async markResult(digestKey: string, subscriberId: number, result: DeliveryResult): Promise<void> {
    await this.markResults(digestKey, [{ subscriberId, result }]);
  }

  async markResults(digestKey: string, entries: ResultEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const mine = this.#workers(digestKey);
    const runs = distinctRuns(entries);
    const [only] = runs;
    const what = `record ${entries.length === 1 ? 'the outcome' : `${entries.length} outcomes`} (digest ${digestKey})`;
    if (runs.length === 1 && only) {
      const { sql, params } = settleStatement(digestKey, this.#now(), mine, only);
      await this.#query(what, sql, params);
      return;
    }
    await this.#transaction(what, (client) => this.#settleRuns(client, digestKey, mine, runs));
  }

  /** Settle each run (no subscriber twice in one) in order, on `client` (in its transaction). */
  async #settleRuns(
    client: PgClient,
    digestKey: string,
    mine: string[],
    runs: ResultEntry[][],
  ): Promise<void> {
    for (const run of runs) {
      const { sql, params } = settleStatement(digestKey, this.#now(), mine, run);
      await client.query(prepared(sql, params));
    }
  }

  async counts(digestKey: string): Promise<Record<DeliveryState, number>> {
    const counts = emptyCounts();
    const rows = await this.#query<{ state: DeliveryState; n: number }>(
      `count digest ${digestKey}`,
      'SELECT state, COUNT(*) AS n FROM deliveries WHERE digest_key = $1 GROUP BY state',
      [digestKey],
    );
    for (const row of rows.rows) counts[row.state] = row.n;
    return counts;
  }

  async recordDigest(info: DigestInfo): Promise<void> {
    const now = this.#now();
    // Subject and items are the first run's: the archive lists them beside the frozen web copy.
    await this.#query(
      `record digest ${info.digestKey}`,
      `INSERT INTO digests (digest_key, date, subject, items, first_sent_at, last_sent_at) VALUES ($1, $2, $3, $4, $5, $5)
       ON CONFLICT (digest_key) DO UPDATE SET last_sent_at = GREATEST(digests.last_sent_at, excluded.last_sent_at)`,
      [info.digestKey, info.date, info.subject, info.items, now],
    );
  }

  async listDigests(): Promise<DigestRecord[]> {
    const rows = await this.#query<{
      digest_key: string;
      date: string;
      subject: string;
      items: number;
      first_sent_at: number;
      last_sent_at: number;
    }>(
      'list digests',
      'SELECT digest_key, date, subject, items, first_sent_at, last_sent_at FROM digests ORDER BY date DESC, first_sent_at DESC',
    );
    return rows.rows.map((r) => ({
      digestKey: r.digest_key,
      date: r.date,
      subject: r.subject,
      items: r.items,
      firstSentAt: r.first_sent_at,
      lastSentAt: r.last_sent_at,
    }));
  }

  async storeCopy(digestKey: string, parts: DigestParts, lock: SendLock): Promise<StoredCopy> {
    const sha256 = digestPartsSha256(parts);
    const what = `store the copy of digest ${digestKey}`;
    const inserted = await this.#query(
      what,
      `INSERT INTO digest_copies (digest_key, subject, html, text, sha256, stored_by, stored_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (digest_key) DO NOTHING`,
      [
        digestKey,
        parts.subject,
        parts.html,
        parts.text,
        sha256,
        `${lock.workerId}@${this.#host}`,
        this.#now(),
      ],
    );
    // A statement of its own: under READ COMMITTED it sees the copy a concurrent first sender committed.
    const stored = await this.#query<{
      subject: string;
      html: string;
      text: string;
      sha256: string;
      stored_by: string;
      stored_at: number;
    }>(
      what,
      'SELECT subject, html, text, sha256, stored_by, stored_at FROM digest_copies WHERE digest_key = $1',
      [digestKey],
    );
    const row = stored.rows[0];
    if (!row) throw new DigestError('E_DB', `the copy of digest ${digestKey} vanished as it was stored`);
    return {
      subject: row.subject,
      html: row.html,
      text: row.text,
      sha256: row.sha256,
      storedBy: row.stored_by,
      storedAt: row.stored_at,
      mine: inserted.rowCount === 1,
    };
  }

  async claim(lock: SendLock, limit: number, scope: ClaimScope): Promise<DeliveryRecord[]> {
    // The rows take the worker's lease as it is now, so that they run out together; a worker
    // whose lease ran out (lost) claims nothing.
    const claimed = await this.#query<DeliveryRow>(
      `claim recipients of digest ${lock.digestKey}`,
      `WITH w AS (SELECT lease_until FROM send_workers WHERE worker_id = $2 AND lease_until > ${DB_NOW}),
            c AS (SELECT subscriber_id FROM deliveries
                  WHERE ${claimable(scope)} AND EXISTS (SELECT 1 FROM w)
                  ORDER BY subscriber_id LIMIT $3 FOR UPDATE SKIP LOCKED)
       UPDATE deliveries d SET claimed_by = $2, lease_until = (SELECT lease_until FROM w)
       FROM c WHERE d.digest_key = $1 AND d.subscriber_id = c.subscriber_id
       RETURNING ${CLAIMED_COLUMNS},
         (SELECT count(*) FROM send_workers WHERE digest_key = $1 AND lease_until > ${DB_NOW})::int AS live_workers`,
      [lock.digestKey, lock.workerId, limit],
    );
    // Each claim also recounts the live senders, so that a sender joining or leaving moves every
    // other sender's share of the rate limit within a batch, not at the next lease renewal.
    const live = (claimed.rows[0] as { live_workers?: number } | undefined)?.live_workers;
    if (live !== undefined && lock instanceof PgSendLock) lock.noteWorkers(live);
    return claimed.rows.map(deliveryRecord).sort((a, b) => a.subscriberId - b.subscriberId);
  }

  async outstanding(lock: SendLock, scope: ClaimScope): Promise<Outstanding> {
    // Held rows worth waiting for are those not yet settled (pending, or a message on its way):
    // they come back if their sender dies. A settled outcome another sender still holds (a 4xx it
    // may retry, a 5xx) is not: two senders done but for those would otherwise wait for each other.
    const left = await this.#query<{ claimable: number; held: number }>(
      `count what is left of digest ${lock.digestKey}`,
      `SELECT (SELECT count(*) FROM deliveries WHERE ${claimable(scope)})::int AS claimable,
              (SELECT count(*) FROM deliveries
               WHERE digest_key = $1 AND lease_until > ${DB_NOW} AND claimed_by <> $2
                 AND state IN ('pending', 'sending'))::int AS held`,
      [lock.digestKey, lock.workerId],
    );
    return { claimable: left.rows[0]?.claimable ?? 0, heldByOthers: left.rows[0]?.held ?? 0 };
  }

  #workers(digestKey: string): string[] {
    return [...(this.#mine.get(digestKey) ?? [])];
  }

  async #query<R extends object = Record<string, unknown>>(
    what: string,
    sql: string,
    params: unknown[] = [],
  ) {
    return this.#run(what, () => this.#pool.query<R>(prepared(sql, params)));
  }

  #transaction<T>(what: string, work: (client: PgClient) => Promise<T>): Promise<T> {
    return this.#run(what, () => inTransaction(this.#pool, work));
  }

  async #run<T>(what: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (cause) {
      throw ledgerError(what, cause);
    }
  }
}

/** A sender's membership of a digest: its send_workers row, renewed every third of the lease. */
class PgSendLock implements SendLock {
  readonly digestKey: string;
  readonly workerId: string;
  readonly #pool: PgPool;
  readonly #leaseMs: number;
  readonly #forget: () => void;
  #workers: number;
  #lost = false;
  /** performance.now() when the last renewal that succeeded was sent: the lease runs from after it. */
  #renewedAt: number;
  #timer: NodeJS.Timeout | undefined;
  #renewal: Promise<void> = Promise.resolve();
  #released = false;

  constructor(
    pool: PgPool,
    start: {
      digestKey: string;
      workerId: string;
      leaseMs: number;
      /** Live workers when it joined, itself included. */
      workers: number;
      /** performance.now() when the row was written. */
      sentAt: number;
      /** Called on release: the ledger stops counting this worker as its own. */
      forget: () => void;
    },
  ) {
    this.#pool = pool;
    this.digestKey = start.digestKey;
    this.workerId = start.workerId;
    this.#leaseMs = start.leaseMs;
    this.#workers = start.workers;
    this.#renewedAt = start.sentAt;
    this.#forget = start.forget;
    this.#schedule();
  }

  get workers(): number {
    return this.#workers;
  }

  /** The live senders as a claim just counted them. */
  noteWorkers(live: number): void {
    this.#workers = Math.max(1, live);
  }

  /** Lost once a renewal found the lease gone, or when none succeeded for a whole lease (the database is unreachable). */
  get lost(): boolean {
    if (!this.#lost && !this.#released && performance.now() - this.#renewedAt > this.#leaseMs)
      this.#lost = true;
    return this.#lost;
  }

  #schedule(): void {
    this.#timer = setTimeout(
      () => {
        this.#renewal = this.#renew().finally(() => {
          if (!this.#released && !this.lost) this.#schedule();
        });
      },
      Math.floor(this.#leaseMs / 3),
    );
    this.#timer.unref();
  }

  async #renew(): Promise<void> {
    const sentAt = performance.now();
    try {
      // The worker row and every row it holds get the same new lease, only while the old one
      // still runs: a late renewal must not take back rows another sender may have claimed.
      // SKIP LOCKED: a row this sender is writing right now (a markSending transaction locks
      // several, in its own order) is renewed next time instead of risking a deadlock with it.
      const renewed = await this.#pool.query<{ alive: number; workers: number }>(
        `WITH me AS (UPDATE send_workers SET heartbeat_at = ${DB_NOW}, lease_until = ${DB_NOW} + $3
                     WHERE worker_id = $1 AND lease_until > ${DB_NOW} RETURNING lease_until),
              mine AS (SELECT subscriber_id FROM deliveries
                       WHERE digest_key = $2 AND claimed_by = $1 AND lease_until IS NOT NULL
                         AND EXISTS (SELECT 1 FROM me)
                       FOR UPDATE SKIP LOCKED),
              held AS (UPDATE deliveries d SET lease_until = (SELECT lease_until FROM me)
                       FROM mine WHERE d.digest_key = $2 AND d.subscriber_id = mine.subscriber_id)
         SELECT (SELECT count(*) FROM me)::int AS alive,
                (SELECT count(*) FROM send_workers WHERE digest_key = $2 AND lease_until > ${DB_NOW})::int AS workers`,
        [this.workerId, this.digestKey, this.#leaseMs],
      );
      const row = renewed.rows[0];
      if (!row || row.alive === 0) {
        this.#lost = true;
        return;
      }
      this.#renewedAt = sentAt;
      this.#workers = Math.max(1, row.workers);
    } catch {
      // The database did not answer this time; the next renewal retries, and `lost` turns true
      // once a whole lease went by without one.
    }
  }

  async release(): Promise<void> {
    if (this.#released) return;
    this.#released = true;
    clearTimeout(this.#timer);
    await this.#renewal;
    this.#forget();
    try {
      // Held rows go back at once: unsent ones to the other senders, `sending` ones (a message cut
      // off mid-way) to the next recoverInterrupted, which makes them `unknown`.
      await this.#pool.query(
        `WITH gone AS (DELETE FROM send_workers WHERE worker_id = $1)
         UPDATE deliveries SET lease_until = NULL
         WHERE digest_key = $2 AND claimed_by = $1 AND lease_until IS NOT NULL`,
        [this.workerId, this.digestKey],
      );
    } catch {
      // The database is gone (or the pool closed): the lease runs out by itself, with the same effect.
    }
  }
}

/** Rows `scope` lets a sender claim now: $1 is the digest key. */
function claimable(scope: ClaimScope): string {
  const states = ["'pending'", "'failed_temp'"];
  if (scope.failedPerm) states.push("'failed_perm'");
  if (scope.unknown) states.push("'unknown'");
  // The states are written out (not a parameter) so that the planner can use deliveries_claimable.
  // The subscriber's status is a scalar subquery, not EXISTS: PostgreSQL turns an EXISTS into a
  // join, and with a list just imported (its statistics still say a dozen rows) it drove the claim
  // from subscribers, reading every subscriber for each batch; a scalar subquery stays a lookup
  // per candidate row, so a claim reads the claimable rows in order and stops at its LIMIT.
  return `digest_key = $1 AND state IN (${states.join(', ')}) AND ${UNHELD}
    AND (SELECT s.status FROM subscribers s WHERE s.id = deliveries.subscriber_id) = 'active'`;
}

/** `entries` cut, in order, into runs in which no subscriber appears twice. */
function distinctRuns(entries: ResultEntry[]): ResultEntry[][] {
  const runs: ResultEntry[][] = [];
  let run: ResultEntry[] = [];
  let seen = new Set<number>();
  for (const e of entries) {
    if (seen.has(e.subscriberId)) {
      runs.push(run);
      run = [];
      seen = new Set();
    }
    run.push(e);
    seen.add(e.subscriberId);
  }
  if (run.length > 0) runs.push(run);
  return runs;
}

function ledgerError(what: string, cause: unknown): unknown {
  if (cause instanceof DigestError) return cause;
  return new DigestError('E_DB', `the PostgreSQL send ledger could not ${what}`, {
    field: 'DIGEST_DB',
    hint: 'check that the database server runs and is reachable; rows already committed stay as they are, and a new `digest send` resumes',
    cause,
  });
}

/**
 * A named (prepared) statement: each connection parses it once, and plans it once too where its
 * generic plan is as good as a custom one (see settleStatement), not at every message.
 */
function prepared(sql: string, values: unknown[]): { name: string; text: string; values: unknown[] } {
  return { name: statementName(sql), text: sql, values };
}

const statementNames = new Map<string, string>();

/** A prepared statement's name, the same for the same text (pg requires one text per name). */
function statementName(sql: string): string {
  let name = statementNames.get(sql);
  if (name === undefined) {
    name = `nd_${createHash('sha1').update(sql).digest('hex').slice(0, 20)}`;
    statementNames.set(sql, name);
  }
  return name;
}
