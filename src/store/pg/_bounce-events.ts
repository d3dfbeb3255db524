import {
  type AddressRecord,
  type AddressState,
  BOUNCE_SQL,
  type BounceEventFilter,
  type BounceEventRecord,
  type BounceEventRow,
  type BounceEvents,
  type BounceEventWrites,
  listQuery,
  type NewBounceEventRow,
  toAddress,
  toRow,
} from '../_bounce-events.js';
import { inTransaction, type PgClient, type PgPool } from './_pool.js';
import { numbered } from './_sql.js';

type Queryable = PgPool | PgClient;

const INSERT = `INSERT INTO bounce_events
    (address_id, email, digest_key, kind, status, diagnostic, source, source_id, effect, occurred_at, recorded_at)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
  ON CONFLICT (source_id) DO NOTHING`;

async function insert(db: Queryable, row: NewBounceEventRow): Promise<boolean> {
  const result = await db.query(INSERT, [
    row.addressId,
    row.email,
    row.digestKey,
    row.kind,
    row.status,
    row.diagnostic,
    row.source,
    row.sourceId,
    row.effect,
    row.occurredAt,
    row.recordedAt,
  ]);
  return (result.rowCount ?? 0) > 0;
}

async function address(
  db: Queryable,
  by: { id: number } | { key: string },
  lock = '',
): Promise<AddressState | undefined> {
  const sql = numbered('id' in by ? BOUNCE_SQL.byId : BOUNCE_SQL.byAddress) + lock;
  const row = (await db.query<AddressRecord>(sql, ['id' in by ? by.id : by.key])).rows[0];
  return row && toAddress(row);
}

/**
 * BounceEvents on PostgreSQL: the same statements as SQLite (BOUNCE_SQL), numbered. An event's
 * transaction locks its address row (SELECT … FOR UPDATE), so the soft-bounce count of two
 * events about one address, recorded at once by two processes, sees both.
 */
export class PgBounceEvents implements BounceEvents {
  readonly #pool: PgPool;

  constructor(pool: PgPool) {
    this.#pool = pool;
  }

  transaction<T>(work: (tx: BounceEventWrites) => Promise<T>): Promise<T> {
    return inTransaction(this.#pool, (client) =>
      work({
        has: async (sourceId) => (await client.query(numbered(BOUNCE_SQL.has), [sourceId])).rows.length > 0,
        insert: (row) => insert(client, row),
        address: (by) => address(client, by, ' FOR UPDATE'),
        lastSuppressionAt: async (id) => {
          const { rows } = await client.query<{ at: number | null }>(numbered(BOUNCE_SQL.lastSuppression), [
            id,
          ]);
          return rows[0]?.at ?? undefined;
        },
        softDigestCount: async (id, since) => {
          const { rows } = await client.query<{ n: number }>(numbered(BOUNCE_SQL.softDigests), [id, since]);
          return rows[0]?.n ?? 0;
        },
        suppress: async (id, reason, at, now) => {
          await client.query(numbered(BOUNCE_SQL.suppressAddress), [at, reason, reason, id]);
          await client.query(numbered(BOUNCE_SQL.unsubscribe), [now, now, id]);
        },
        setEffect: async (sourceId, effect) => {
          await client.query(numbered(BOUNCE_SQL.setEffect), [effect, sourceId]);
        },
      }),
    );
  }

  insert(row: NewBounceEventRow): Promise<boolean> {
    return insert(this.#pool, row);
  }

  address(by: { id: number } | { key: string }): Promise<AddressState | undefined> {
    return address(this.#pool, by);
  }

  async list(filter: BounceEventFilter = {}): Promise<BounceEventRow[]> {
    const { sql, args } = listQuery(filter);
    return (await this.#pool.query<BounceEventRecord>(numbered(sql), args)).rows.map(toRow);
  }

  async digestKeys(): Promise<string[]> {
    const { rows } = await this.#pool.query<{ digest_key: string }>(BOUNCE_SQL.digestKeys);
    return rows.map((r) => r.digest_key);
  }

  async deliveryByMessageId(
    messageId: string,
  ): Promise<{ digestKey: string; subscriberId: number } | undefined> {
    const { rows } = await this.#pool.query<{ digest_key: string; subscriber_id: number }>(
      numbered(BOUNCE_SQL.byMessageId),
      [messageId],
    );
    const row = rows[0];
    return row && { digestKey: row.digest_key, subscriberId: row.subscriber_id };
  }

  async lastEvents(): Promise<Map<number, BounceEventRow>> {
    const { rows } = await this.#pool.query<BounceEventRecord>(BOUNCE_SQL.lastEvents);
    return new Map(rows.map((r) => [r.address_id as number, toRow(r)]));
  }

  async suppressions(): Promise<Map<number, AddressState>> {
    const { rows } = await this.#pool.query<AddressRecord>(BOUNCE_SQL.suppressions);
    return new Map(rows.map((r) => [r.id, toAddress(r)]));
  }
}
