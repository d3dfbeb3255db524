import type { SqliteDatabase } from './_db.js';
import type { StoreBackend } from './_store.js';
import { PgBounceEvents } from './pg/_bounce-events.js';

/** What a stored event is: the three the rules act on, a failure they don't ('other'), or a report nobody could read. */
export type StoredBounceKind = 'hard' | 'soft' | 'complaint' | 'other' | 'unrecognised';

/** Why an address is suppressed: it unsubscribed, bounced, or complained (see recordEvents). */
export type SuppressionReason = 'unsubscribed' | 'bounced' | 'complained';

/** What the rules did with one event. */
export type BounceEffect = 'suppressed' | 'counted' | 'none' | 'already-suppressed' | 'unknown-address';

/** One row of `bounce_events` (schema step 7). Times are epoch ms. */
export interface BounceEventRow {
  id: number;
  addressId: number | null;
  email: string | null;
  digestKey: string | null;
  kind: StoredBounceKind;
  status: string | null;
  diagnostic: string | null;
  source: string;
  sourceId: string;
  effect: BounceEffect;
  occurredAt: number;
  recordedAt: number;
}

export type NewBounceEventRow = Omit<BounceEventRow, 'id'>;

/** A row of `bounce_events` as both stores return it. */
export interface BounceEventRecord {
  id: number;
  address_id: number | null;
  email: string | null;
  digest_key: string | null;
  kind: StoredBounceKind;
  status: string | null;
  diagnostic: string | null;
  source: string;
  source_id: string;
  effect: BounceEffect;
  occurred_at: number;
  recorded_at: number;
}

/** An address's row in `addresses`: its id (= the subscriber id) and suppression. */
export interface AddressState {
  id: number;
  address: string;
  suppressedAt: number | null;
  suppressedReason: SuppressionReason | null;
}

/** An event filter of `list`: of one address, digest or kind, and how many at most. */
export interface BounceEventFilter {
  addressId?: number;
  digestKey?: string;
  kind?: StoredBounceKind;
  limit?: number;
}

/**
 * The calls of one event's write transaction (see BounceEvents.transaction): what the rules of
 * src/bounces read and write while they decide about that event.
 */
export interface BounceEventWrites {
  /** True when a row with this source id is stored already. */
  has(sourceId: string): Promise<boolean>;
  /** Store one event; false when its source id is stored already (nothing written). */
  insert(row: NewBounceEventRow): Promise<boolean>;
  /**
   * The address row by subscriber id or by lookup key (see addressKey). In a transaction on
   * PostgreSQL the row stays locked until it ends, so two events about one address (two webhook
   * requests, two importers) are decided one after the other.
   */
  address(by: { id: number } | { key: string }): Promise<AddressState | undefined>;
  /** When the newest event that suppressed this address happened (epoch ms), if one did. */
  lastSuppressionAt(addressId: number): Promise<number | undefined>;
  /** Distinct digests with a soft bounce of this address at or after `since` (epoch ms). */
  softDigestCount(addressId: number, since: number): Promise<number>;
  /**
   * Suppress an address for `reason` and make its subscriber (if any) unsubscribed, so that
   * every send skips it. An existing suppression keeps its time; a complaint's reason wins over
   * the others (it is what matters for the sender's reputation).
   */
  suppress(addressId: number, reason: SuppressionReason, at: number, now: number): Promise<void>;
  /** Set what the rules did with a stored event. */
  setEffect(sourceId: string, effect: BounceEffect): Promise<void>;
}

/**
 * Bounce events and address suppression on either store (src/bounces decides; this only reads
 * and writes): `bounceEventsFor(store.backend)` picks SQLite or PostgreSQL.
 */
export interface BounceEvents {
  /** Run `work` in one write transaction; every call of one event goes through its `tx`. */
  transaction<T>(work: (tx: BounceEventWrites) => Promise<T>): Promise<T>;
  /** Store one event on its own; false when its source id is stored already. */
  insert(row: NewBounceEventRow): Promise<boolean>;
  /** The address row by subscriber id or by lookup key (see addressKey). */
  address(by: { id: number } | { key: string }): Promise<AddressState | undefined>;
  /** Events, newest first; of one address, digest or kind when given. */
  list(filter?: BounceEventFilter): Promise<BounceEventRow[]>;
  /** Every digest key a send run started (the `digests` table), newest first. */
  digestKeys(): Promise<string[]>;
  /** The ledger row with this Message-ID (for when the recipient is unknown). */
  deliveryByMessageId(messageId: string): Promise<{ digestKey: string; subscriberId: number } | undefined>;
  /** Each address's newest event (by subscriber id), for `subscribers list`. */
  lastEvents(): Promise<Map<number, BounceEventRow>>;
  /** Every address's suppression, by subscriber id (only suppressed ones). */
  suppressions(): Promise<Map<number, AddressState>>;
}

/** The BounceEvents of a store's backend: its SQLite file or its PostgreSQL database. */
export function bounceEventsFor(backend: StoreBackend): BounceEvents {
  return backend.kind === 'sqlite' ? new SqliteBounceEvents(backend.db) : new PgBounceEvents(backend.pool);
}

/**
 * The statements both stores run alike, written with `?` placeholders (the PostgreSQL store
 * numbers them, see pg/_sql.ts): one copy of each rule.
 */
export const BOUNCE_SQL = {
  has: 'SELECT 1 FROM bounce_events WHERE source_id = ?',
  byId: 'SELECT * FROM addresses WHERE id = ?',
  byAddress: 'SELECT * FROM addresses WHERE address = ?',
  // Soft bounces of one address since a time, one per digest (an event without a digest key counts alone).
  softDigests: `SELECT COUNT(DISTINCT COALESCE(digest_key, 'event:' || source_id)) AS n FROM bounce_events
     WHERE address_id = ? AND kind = 'soft' AND occurred_at >= ?`,
  lastSuppression: `SELECT MAX(occurred_at) AS at FROM bounce_events
     WHERE address_id = ? AND effect IN ('suppressed', 'already-suppressed')`,
  // Arguments: at, reason, reason, address id.
  suppressAddress: `UPDATE addresses SET suppressed_at = COALESCE(suppressed_at, ?),
       suppressed_reason = CASE WHEN suppressed_reason IS NULL OR ? = 'complained' THEN ? ELSE suppressed_reason END
     WHERE id = ?`,
  // Arguments: now, now, subscriber id.
  unsubscribe: `UPDATE subscribers SET status = 'unsubscribed', unsubscribed_at = COALESCE(unsubscribed_at, ?), updated_at = ?
     WHERE id = ? AND status <> 'unsubscribed'`,
  setEffect: 'UPDATE bounce_events SET effect = ? WHERE source_id = ?',
  digestKeys: 'SELECT digest_key FROM digests ORDER BY first_sent_at DESC',
  byMessageId: 'SELECT digest_key, subscriber_id FROM deliveries WHERE message_id = ? LIMIT 1',
  lastEvents: `SELECT * FROM bounce_events e WHERE address_id IS NOT NULL AND id = (
       SELECT id FROM bounce_events WHERE address_id = e.address_id ORDER BY occurred_at DESC, id DESC LIMIT 1)`,
  suppressions: 'SELECT * FROM addresses WHERE suppressed_at IS NOT NULL',
} as const;

// better-sqlite3 runs a transaction only around a synchronous function, and the rules are async
// (the same code runs on PostgreSQL), so the async transaction is BEGIN IMMEDIATE ... COMMIT by
// hand. Its calls are synchronous underneath; the queue (one per file) keeps a second event of
// this process from starting while one is open: on the same connection it would join the open
// transaction, and on another connection to the file its BEGIN IMMEDIATE would wait for a lock
// this thread holds, blocking it for the whole busy timeout.
const queues = new Map<string, Promise<unknown>>();

function queued<T>(file: string, run: () => Promise<T>): Promise<T> {
  const result = (queues.get(file) ?? Promise.resolve()).then(run, run);
  const tail = result.then(
    () => {},
    () => {},
  );
  queues.set(file, tail);
  void tail.then(() => {
    if (queues.get(file) === tail) queues.delete(file);
  });
  return result;
}

/** BounceEvents on a SQLite file: the statements of BOUNCE_SQL, run synchronously underneath. */
export class SqliteBounceEvents implements BounceEvents {
  readonly #db: SqliteDatabase;
  readonly #insert;
  readonly #byId;
  readonly #byAddress;
  readonly #softDigests;
  readonly #writes: BounceEventWrites;

  constructor(db: SqliteDatabase) {
    this.#db = db;
    this.#insert = db.prepare(
      `INSERT OR IGNORE INTO bounce_events
         (address_id, email, digest_key, kind, status, diagnostic, source, source_id, effect, occurred_at, recorded_at)
       VALUES (@addressId, @email, @digestKey, @kind, @status, @diagnostic, @source, @sourceId, @effect, @occurredAt, @recordedAt)`,
    );
    this.#byId = db.prepare<[number], AddressRecord>(BOUNCE_SQL.byId);
    this.#byAddress = db.prepare<[string], AddressRecord>(BOUNCE_SQL.byAddress);
    this.#softDigests = db.prepare<[number, number], { n: number }>(BOUNCE_SQL.softDigests);
    this.#writes = {
      has: async (sourceId) => db.prepare(BOUNCE_SQL.has).get(sourceId) !== undefined,
      insert: (row) => this.insert(row),
      address: (by) => this.address(by),
      lastSuppressionAt: async (id) =>
        db.prepare<[number], { at: number | null }>(BOUNCE_SQL.lastSuppression).get(id)?.at ?? undefined,
      softDigestCount: async (id, since) => this.#softDigests.get(id, since)?.n ?? 0,
      suppress: async (id, reason, at, now) => {
        db.prepare(BOUNCE_SQL.suppressAddress).run(at, reason, reason, id);
        db.prepare(BOUNCE_SQL.unsubscribe).run(now, now, id);
      },
      setEffect: async (sourceId, effect) => {
        db.prepare(BOUNCE_SQL.setEffect).run(effect, sourceId);
      },
    };
  }

  transaction<T>(work: (tx: BounceEventWrites) => Promise<T>): Promise<T> {
    return queued(this.#db.name, async () => {
      this.#db.exec('BEGIN IMMEDIATE');
      try {
        const result = await work(this.#writes);
        this.#db.exec('COMMIT');
        return result;
      } catch (error) {
        if (this.#db.inTransaction) this.#db.exec('ROLLBACK');
        throw error;
      }
    });
  }

  async insert(row: NewBounceEventRow): Promise<boolean> {
    return this.#insert.run(row).changes > 0;
  }

  async address(by: { id: number } | { key: string }): Promise<AddressState | undefined> {
    const row = 'id' in by ? this.#byId.get(by.id) : this.#byAddress.get(by.key);
    return row && toAddress(row);
  }

  async list(filter: BounceEventFilter = {}): Promise<BounceEventRow[]> {
    const { sql, args } = listQuery(filter);
    return this.#db
      .prepare<(string | number)[], BounceEventRecord>(sql)
      .all(...args)
      .map(toRow);
  }

  async digestKeys(): Promise<string[]> {
    return this.#db
      .prepare<[], { digest_key: string }>(BOUNCE_SQL.digestKeys)
      .all()
      .map((r) => r.digest_key);
  }

  async deliveryByMessageId(
    messageId: string,
  ): Promise<{ digestKey: string; subscriberId: number } | undefined> {
    const row = this.#db
      .prepare<[string], { digest_key: string; subscriber_id: number }>(BOUNCE_SQL.byMessageId)
      .get(messageId);
    return row && { digestKey: row.digest_key, subscriberId: row.subscriber_id };
  }

  async lastEvents(): Promise<Map<number, BounceEventRow>> {
    const rows = this.#db.prepare<[], BounceEventRecord>(BOUNCE_SQL.lastEvents).all();
    return new Map(rows.map((r) => [r.address_id as number, toRow(r)]));
  }

  async suppressions(): Promise<Map<number, AddressState>> {
    const rows = this.#db.prepare<[], AddressRecord>(BOUNCE_SQL.suppressions).all();
    return new Map(rows.map((r) => [r.id, toAddress(r)]));
  }
}

/** The query of BounceEvents.list with `?` placeholders, for both stores. */
export function listQuery(filter: BounceEventFilter): { sql: string; args: (string | number)[] } {
  const where: string[] = [];
  const args: (string | number)[] = [];
  const add = (column: string, value: string | number | undefined) => {
    if (value === undefined) return;
    where.push(`${column} = ?`);
    args.push(value);
  };
  add('address_id', filter.addressId);
  add('digest_key', filter.digestKey);
  add('kind', filter.kind);
  const sql = `SELECT * FROM bounce_events ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
               ORDER BY occurred_at DESC, id DESC LIMIT ?`;
  return { sql, args: [...args, filter.limit ?? 1_000_000] };
}

/** A row of `addresses` as both stores return it. */
export interface AddressRecord {
  id: number;
  address: string;
  suppressed_at: number | null;
  suppressed_reason: string | null;
}

/** An `addresses` row as AddressState. */
export function toAddress(row: AddressRecord): AddressState {
  return {
    id: row.id,
    address: row.address,
    suppressedAt: row.suppressed_at,
    suppressedReason: row.suppressed_reason as SuppressionReason | null,
  };
}

/** A `bounce_events` row as BounceEventRow. */
export function toRow(r: BounceEventRecord): BounceEventRow {
  return {
    id: r.id,
    addressId: r.address_id,
    email: r.email,
    digestKey: r.digest_key,
    kind: r.kind,
    status: r.status,
    diagnostic: r.diagnostic,
    source: r.source,
    sourceId: r.source_id,
    effect: r.effect,
    occurredAt: r.occurred_at,
    recordedAt: r.recorded_at,
  };
}
