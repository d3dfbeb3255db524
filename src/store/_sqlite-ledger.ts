import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { DigestError } from '../errors.js';
import type { SqliteDatabase } from './_db.js';
import { type DeliveryRow, deliveryRecord } from './_delivery-row.js';
import {
  type DeliveryEntry,
  type DeliveryRecord,
  type DeliveryResult,
  type DeliveryState,
  type DigestInfo,
  type DigestRecord,
  emptyCounts,
  type Ledger,
  type ResultEntry,
  type SendLock,
} from './_ledger.js';

export interface SqliteLedgerOptions {
  /** Clock for stored times, epoch ms. Default Date.now. */
  now?: () => number;
  /** This process, as written into the lock row. Default process.pid and os.hostname(). */
  pid?: number;
  host?: string;
  /** Whether a pid on this host still runs. Default: signal 0. */
  isAlive?: (pid: number) => boolean;
  /** How often a lock holder refreshes its heartbeat, ms. Default 2000. */
  heartbeatMs?: number;
  /** A lock whose heartbeat is older than this is stale whatever its pid, ms. Default SQLITE_LOCK_STALE_MS. */
  staleAfterMs?: number;
}

/** How old a send lock's heartbeat may be before another sender may take it, ms (`digest db status` shows it). */
export const SQLITE_LOCK_STALE_MS = 30_000;

interface LockRow {
  owner: string;
  pid: number;
  host: string;
  started_at: number;
  heartbeat_at: number;
}

/** The Ledger on an open SQLite database (see openDatabase). */
export class SqliteLedger implements Ledger {
  readonly shared = false;
  readonly #db: SqliteDatabase;
  readonly #now: () => number;
  readonly #pid: number;
  readonly #host: string;
  readonly #isAlive: (pid: number) => boolean;
  readonly #heartbeatMs: number;
  readonly #staleAfterMs: number;
  readonly #markSending;
  readonly #markResult;
  // One transaction, one WAL commit, for several rows: a commit per row was most of the ledger's cost.
  readonly #settle;
  readonly #settleThenSending;

  constructor(db: SqliteDatabase, options: SqliteLedgerOptions = {}) {
    this.#db = db;
    this.#now = options.now ?? Date.now;
    this.#pid = options.pid ?? process.pid;
    this.#host = options.host ?? hostname();
    this.#isAlive = options.isAlive ?? pidIsAlive;
    this.#heartbeatMs = options.heartbeatMs ?? 2000;
    this.#staleAfterMs = options.staleAfterMs ?? SQLITE_LOCK_STALE_MS;
    // The subscriber's state is read in the same statement that claims the row: someone who
    // unsubscribed or was removed after the run started is not sent to, and an unsubscribe that
    // commits after this claim finds the message already on its way.
    this.#markSending = db.prepare<[number, string, number]>(
      `UPDATE deliveries SET state = 'sending', updated_at = ?
       WHERE digest_key = ? AND subscriber_id = ? AND state <> 'sent' AND state <> 'sending'
         AND EXISTS (SELECT 1 FROM subscribers s WHERE s.id = deliveries.subscriber_id AND s.status = 'active')`,
    );
    this.#markResult = db.prepare<
      [string, number | null, string | null, number, string, number, string, number]
    >(
      `UPDATE deliveries SET state = ?, last_code = ?, last_reply = ?, updated_at = ?, attempts = attempts + 1,
         sent_at = CASE WHEN ? = 'sent' THEN ? ELSE sent_at END
       WHERE digest_key = ? AND subscriber_id = ? AND state <> 'sent'`,
    );
    this.#settle = db.transaction((digestKey: string, entries: ResultEntry[]) => {
      for (const e of entries) this.#writeResult(digestKey, e.subscriberId, e.result);
    });
    this.#settleThenSending = db.transaction(
      (digestKey: string, subscriberId: number, entries: ResultEntry[]): boolean => {
        for (const e of entries) this.#writeResult(digestKey, e.subscriberId, e.result);
        return this.#markSending.run(this.#now(), digestKey, subscriberId).changes === 1;
      },
    );
  }

  async lock(digestKey: string): Promise<SendLock> {
    const owner = randomUUID();
    const take = this.#db.transaction(() => {
      const now = this.#now();
      const held = this.#db
        .prepare<[string], LockRow>('SELECT * FROM send_locks WHERE digest_key = ?')
        .get(digestKey);
      if (held && !this.#isStale(held, now)) {
        const seen = Math.max(0, Math.round((now - held.heartbeat_at) / 1000));
        throw new DigestError(
          'E_SEND_LOCKED',
          `digest ${digestKey} is already being sent by process ${held.pid} on ${held.host} ` +
            `(started ${new Date(held.started_at).toISOString()}, last seen ${seen} s ago); nothing was sent`,
          {
            hint: 'wait for that run to finish, then run `digest send` again: it sends only to those not yet sent',
          },
        );
      }
      this.#db
        .prepare(
          `INSERT OR REPLACE INTO send_locks (digest_key, owner, pid, host, started_at, heartbeat_at)
           VALUES (?, ?, ?, ?, ?, ?)`,
        )
        .run(digestKey, owner, this.#pid, this.#host, now, now);
    });
    take.immediate();
    const beat = this.#db.prepare<[number, string, string]>(
      'UPDATE send_locks SET heartbeat_at = ? WHERE digest_key = ? AND owner = ?',
    );
    let lost = false;
    const timer = setInterval(() => {
      try {
        if (beat.run(this.#now(), digestKey, owner).changes === 0) lost = true;
      } catch {
        // a busy database delays one heartbeat; the next one retries
      }
    }, this.#heartbeatMs);
    timer.unref();
    const db = this.#db;
    return {
      digestKey,
      workerId: owner,
      workers: 1,
      get lost() {
        return lost;
      },
      async release() {
        clearInterval(timer);
        if (db.open)
          db.prepare('DELETE FROM send_locks WHERE digest_key = ? AND owner = ?').run(digestKey, owner);
      },
    };
  }

  /** A lock is stale when its heartbeat stopped, or its process on this host is gone. */
  #isStale(held: LockRow, now: number): boolean {
    if (now - held.heartbeat_at > this.#staleAfterMs) return true;
    return held.host === this.#host && !this.#isAlive(held.pid);
  }

  async recoverInterrupted(digestKey: string): Promise<number> {
    return this.#db
      .prepare(
        "UPDATE deliveries SET state = 'unknown', updated_at = ? WHERE digest_key = ? AND state = 'sending'",
      )
      .run(this.#now(), digestKey).changes;
  }

  async closeUnknown(digestKey: string, reply: string): Promise<number> {
    const now = this.#now();
    return this.#db
      .prepare(
        `UPDATE deliveries SET state = 'sent', last_reply = ?, updated_at = ?, sent_at = COALESCE(sent_at, updated_at)
         WHERE digest_key = ? AND state = 'unknown'`,
      )
      .run(reply, now, digestKey).changes;
  }

  async enqueue(digestKey: string, entries: DeliveryEntry[]): Promise<number> {
    const insert = this.#db.prepare<[string, number, string, string, number, number]>(
      `INSERT OR IGNORE INTO deliveries (digest_key, subscriber_id, email, message_id, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?)`,
    );
    const now = this.#now();
    let created = 0;
    this.#db
      .transaction(() => {
        for (const e of entries)
          created += insert.run(digestKey, e.subscriberId, e.email, e.messageId, now, now).changes;
      })
      .immediate();
    return created;
  }

  async list(digestKey: string): Promise<DeliveryRecord[]> {
    return this.#db
      .prepare<[string], DeliveryRow>('SELECT * FROM deliveries WHERE digest_key = ? ORDER BY subscriber_id')
      .all(digestKey)
      .map(deliveryRecord);
  }

  async markSending(digestKey: string, subscriberId: number, settle: ResultEntry[] = []): Promise<boolean> {
    if (settle.length === 0) return this.#markSending.run(this.#now(), digestKey, subscriberId).changes === 1;
    return this.#settleThenSending.immediate(digestKey, subscriberId, settle);
  }

  async markResult(digestKey: string, subscriberId: number, result: DeliveryResult): Promise<void> {
    this.#writeResult(digestKey, subscriberId, result);
  }

  async markResults(digestKey: string, entries: ResultEntry[]): Promise<void> {
    if (entries.length > 0) this.#settle.immediate(digestKey, entries);
  }

  #writeResult(digestKey: string, subscriberId: number, result: DeliveryResult): void {
    const now = this.#now();
    this.#markResult.run(
      result.state,
      result.code ?? null,
      result.reply ?? null,
      now,
      result.state,
      now,
      digestKey,
      subscriberId,
    );
  }

  async counts(digestKey: string): Promise<Record<DeliveryState, number>> {
    const counts = emptyCounts();
    const rows = this.#db
      .prepare<[string], { state: DeliveryState; n: number }>(
        'SELECT state, COUNT(*) AS n FROM deliveries WHERE digest_key = ? GROUP BY state',
      )
      .all(digestKey);
    for (const row of rows) counts[row.state] = row.n;
    return counts;
  }

  async recordDigest(info: DigestInfo): Promise<void> {
    const now = this.#now();
    // Subject and items are the first run's: the archive lists them beside the frozen web copy.
    this.#db
      .prepare(
        `INSERT INTO digests (digest_key, date, subject, items, first_sent_at, last_sent_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (digest_key) DO UPDATE SET last_sent_at = excluded.last_sent_at`,
      )
      .run(info.digestKey, info.date, info.subject, info.items, now, now);
  }

  async listDigests(): Promise<DigestRecord[]> {
    return this.#db
      .prepare<
        [],
        {
          digest_key: string;
          date: string;
          subject: string;
          items: number;
          first_sent_at: number;
          last_sent_at: number;
        }
      >('SELECT * FROM digests ORDER BY date DESC, first_sent_at DESC')
      .all()
      .map((r) => ({
        digestKey: r.digest_key,
        date: r.date,
        subject: r.subject,
        items: r.items,
        firstSentAt: r.first_sent_at,
        lastSentAt: r.last_sent_at,
      }));
  }
}

/** Whether a process with this pid exists on this host (EPERM means it exists but isn't ours). */
export function pidIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
