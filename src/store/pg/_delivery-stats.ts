import {
  type DeliveryStats,
  type DigestCounts,
  type DigestRow,
  digestCountsOf,
  STATS_SQL,
  unsubscribedBetween,
  unsubscribeWindow,
  type WindowCounts,
  windowCountsOf,
} from '../_delivery-stats.js';
import type { PgPool } from './_pool.js';
import { numbered } from './_sql.js';

/**
 * DeliveryStats on PostgreSQL. Where SQLite asks once per digest (cheap in-process), this asks
 * once per kind of count for every digest shown, a round trip each.
 */
export class PgDeliveryStats implements DeliveryStats {
  readonly #pool: PgPool;

  constructor(pool: PgPool) {
    this.#pool = pool;
  }

  async digestCounts(filter: { date?: string } = {}): Promise<DigestCounts[]> {
    const all = (await this.#pool.query<DigestRow>(STATS_SQL.digests)).rows;
    const shown = all.flatMap((row, i) => (filter.date && row.date !== filter.date ? [] : [{ row, i }]));
    if (shown.length === 0) return [];
    const keys = shown.map(({ row }) => row.digest_key);
    const ledger = await this.#pool.query<{ digest_key: string; sent: number; failed: number }>(
      `SELECT digest_key, COUNT(*) FILTER (WHERE state = 'sent') AS sent,
              COUNT(*) FILTER (WHERE state = 'failed_perm') AS failed
       FROM deliveries WHERE digest_key = ANY($1) GROUP BY digest_key`,
      [keys],
    );
    // Each address once per kind, as on SQLite (an event without an address counts by its email).
    const events = await this.#pool.query<{ digest_key: string; kind: string; n: number }>(
      `SELECT digest_key, kind, COUNT(DISTINCT COALESCE(address_id::text, email)) AS n FROM bounce_events
       WHERE digest_key = ANY($1) AND kind IN ('hard', 'soft', 'complaint') GROUP BY digest_key, kind`,
      [keys],
    );
    const windows = shown.map(({ i }) => unsubscribeWindow(all, i));
    const unsubscribes = await this.#pool.query<{ n: number }>(
      `SELECT (SELECT COUNT(*) FROM addresses WHERE ${unsubscribedBetween('w.since', 'w.until')}) AS n
       FROM unnest($1::bigint[], $2::bigint[]) WITH ORDINALITY AS w(since, until, i) ORDER BY w.i`,
      [windows.map((w) => w.since), windows.map((w) => w.until)],
    );
    const sent = new Map(ledger.rows.map((r) => [r.digest_key, r]));
    const kinds = new Map<string, Map<string, number>>();
    for (const e of events.rows) {
      const of = kinds.get(e.digest_key) ?? new Map<string, number>();
      of.set(e.kind, e.n);
      kinds.set(e.digest_key, of);
    }
    return shown.map(({ row }, n) =>
      digestCountsOf(
        row,
        sent.get(row.digest_key),
        kinds.get(row.digest_key) ?? new Map(),
        unsubscribes.rows[n]?.n ?? 0,
      ),
    );
  }

  async windowCounts(since: number, until: number): Promise<WindowCounts> {
    const sent = await this.#pool.query<{ n: number }>(numbered(STATS_SQL.windowSent), [since, until]);
    const kinds = await this.#pool.query<{ kind: string; n: number }>(numbered(STATS_SQL.windowKinds), [
      since,
      until,
    ]);
    return windowCountsOf(since, until, sent.rows[0]?.n ?? 0, new Map(kinds.rows.map((e) => [e.kind, e.n])));
  }
}
