import type { SqliteDatabase } from './_db.js';

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

interface Record {
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

/**
 * The SQL behind bounce events and address suppression (src/bounces decides; this only reads and
 * writes). Synchronous: callers group the calls of one event in one transaction (see `transaction`).
 */
export class SqliteBounceEvents {
  readonly #db: SqliteDatabase;
  readonly #insert;
  readonly #byId;
  readonly #byAddress;
  readonly #softDigests;

  constructor(db: SqliteDatabase) {
    this.#db = db;
    this.#insert = db.prepare(
      `INSERT OR IGNORE INTO bounce_events
         (address_id, email, digest_key, kind, status, diagnostic, source, source_id, effect, occurred_at, recorded_at)
       VALUES (@addressId, @email, @digestKey, @kind, @status, @diagnostic, @source, @sourceId, @effect, @occurredAt, @recordedAt)`,
    );
    this.#byId = db.prepare<[number], AddressRecord>('SELECT * FROM addresses WHERE id = ?');
    this.#byAddress = db.prepare<[string], AddressRecord>('SELECT * FROM addresses WHERE address = ?');
    // Soft bounces of one address since a time, one per digest (an event without a digest key counts alone).
    this.#softDigests = db.prepare<[number, number], { n: number }>(
      `SELECT COUNT(DISTINCT COALESCE(digest_key, 'event:' || source_id)) AS n FROM bounce_events
       WHERE address_id = ? AND kind = 'soft' AND occurred_at >= ?`,
    );
  }

  /** Run `fn` in one write transaction. */
  transaction<T>(fn: () => T): T {
    return this.#db.transaction(fn).immediate();
  }

  /** True when a row with this source id is stored already. */
  has(sourceId: string): boolean {
    return this.#db.prepare('SELECT 1 FROM bounce_events WHERE source_id = ?').get(sourceId) !== undefined;
  }

  /** Store one event; false when its source id is stored already (nothing written). */
  insert(row: NewBounceEventRow): boolean {
    return this.#insert.run(row).changes > 0;
  }

  /** The address row by subscriber id or by lookup key (see addressKey). */
  address(by: { id: number } | { key: string }): AddressState | undefined {
    const row = 'id' in by ? this.#byId.get(by.id) : this.#byAddress.get(by.key);
    return row && toAddress(row);
  }

  /** When the newest event that suppressed this address happened (epoch ms), if one did. */
  lastSuppressionAt(addressId: number): number | undefined {
    const row = this.#db
      .prepare<[number], { at: number | null }>(
        `SELECT MAX(occurred_at) AS at FROM bounce_events
         WHERE address_id = ? AND effect IN ('suppressed', 'already-suppressed')`,
      )
      .get(addressId);
    return row?.at ?? undefined;
  }

  /** Distinct digests with a soft bounce of this address at or after `since` (epoch ms). */
  softDigestCount(addressId: number, since: number): number {
    return this.#softDigests.get(addressId, since)?.n ?? 0;
  }

  /**
   * Suppress an address for `reason` and make its subscriber (if any) unsubscribed, so that
   * every send skips it. An existing suppression keeps its time; a complaint's reason wins over
   * the others (it is what matters for the sender's reputation).
   */
  suppress(addressId: number, reason: SuppressionReason, at: number, now: number): void {
    this.#db
      .prepare(
        `UPDATE addresses SET suppressed_at = COALESCE(suppressed_at, ?),
           suppressed_reason = CASE WHEN suppressed_reason IS NULL OR ? = 'complained' THEN ? ELSE suppressed_reason END
         WHERE id = ?`,
      )
      .run(at, reason, reason, addressId);
    this.#db
      .prepare(
        `UPDATE subscribers SET status = 'unsubscribed', unsubscribed_at = COALESCE(unsubscribed_at, ?), updated_at = ?
         WHERE id = ? AND status <> 'unsubscribed'`,
      )
      .run(now, now, addressId);
  }

  /** Events, newest first; of one address, digest or kind when given. */
  list(
    filter: { addressId?: number; digestKey?: string; kind?: StoredBounceKind; limit?: number } = {},
  ): BounceEventRow[] {
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (filter.addressId !== undefined) {
      where.push('address_id = ?');
      args.push(filter.addressId);
    }
    if (filter.digestKey !== undefined) {
      where.push('digest_key = ?');
      args.push(filter.digestKey);
    }
    if (filter.kind !== undefined) {
      where.push('kind = ?');
      args.push(filter.kind);
    }
    const sql = `SELECT * FROM bounce_events ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
                 ORDER BY occurred_at DESC, id DESC LIMIT ?`;
    return this.#db
      .prepare<(string | number)[], Record>(sql)
      .all(...args, filter.limit ?? 1_000_000)
      .map(toRow);
  }

  /** Every digest key a send run started (the `digests` table), newest first. */
  digestKeys(): string[] {
    return this.#db
      .prepare<[], { digest_key: string }>('SELECT digest_key FROM digests ORDER BY first_sent_at DESC')
      .all()
      .map((r) => r.digest_key);
  }

  /** The ledger row with this Message-ID (a scan of the ledger: for when the recipient is unknown). */
  deliveryByMessageId(messageId: string): { digestKey: string; subscriberId: number } | undefined {
    const row = this.#db
      .prepare<[string], { digest_key: string; subscriber_id: number }>(
        'SELECT digest_key, subscriber_id FROM deliveries WHERE message_id = ? LIMIT 1',
      )
      .get(messageId);
    return row && { digestKey: row.digest_key, subscriberId: row.subscriber_id };
  }

  /** Each address's newest event (by subscriber id), for `subscribers list`. */
  lastEvents(): Map<number, BounceEventRow> {
    const rows = this.#db
      .prepare<[], Record>(
        `SELECT * FROM bounce_events e WHERE address_id IS NOT NULL AND id = (
           SELECT id FROM bounce_events WHERE address_id = e.address_id ORDER BY occurred_at DESC, id DESC LIMIT 1)`,
      )
      .all();
    return new Map(rows.map((r) => [r.address_id as number, toRow(r)]));
  }

  /** Every address's suppression, by subscriber id (only suppressed ones). */
  suppressions(): Map<number, AddressState> {
    const rows = this.#db
      .prepare<[], AddressRecord>('SELECT * FROM addresses WHERE suppressed_at IS NOT NULL')
      .all();
    return new Map(rows.map((r) => [r.id, toAddress(r)]));
  }
}

interface AddressRecord {
  id: number;
  address: string;
  suppressed_at: number | null;
  suppressed_reason: string | null;
}

function toAddress(row: AddressRecord): AddressState {
  return {
    id: row.id,
    address: row.address,
    suppressedAt: row.suppressed_at,
    suppressedReason: row.suppressed_reason as SuppressionReason | null,
  };
}

function toRow(r: Record): BounceEventRow {
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
