import type { SqliteDatabase } from './_db.js';
import type { StoreBackend } from './_store.js';
import { PgDeliveryStats } from './pg/_delivery-stats.js';

/** The counts of one digest (see digestCounts). */
export interface DigestCounts {
  digestKey: string;
  date: string;
  subject: string;
  firstSentAt: number;
  /** Ledger rows `sent`. */
  sent: number;
  /** Ledger rows refused for good during the send (5xx). */
  failed: number;
  /** Addresses with a hard bounce, a soft bounce, a complaint about this digest (each address once). */
  hard: number;
  soft: number;
  complaints: number;
  /** Addresses that unsubscribed after this digest went out and before the next one did (still unsubscribed). */
  unsubscribes: number;
}

/** The counts of a time window (see windowCounts). */
export interface WindowCounts {
  since: number;
  until: number;
  sent: number;
  hard: number;
  soft: number;
  complaints: number;
}

/**
 * The counts behind `digest stats` and the send summary's warning, on either store
 * (`deliveryStatsFor(store.backend)`): reads the ledger, `digests`, `bounce_events` and
 * `addresses`; writes nothing.
 */
export interface DeliveryStats {
  /** Every digest sent, oldest first; of one date when given. */
  digestCounts(filter?: { date?: string }): Promise<DigestCounts[]>;
  /** Messages sent, and bounces and complaints that happened, from `since` until `until` (epoch ms). */
  windowCounts(since: number, until: number): Promise<WindowCounts>;
}

/** The DeliveryStats of a store's backend. */
export function deliveryStatsFor(backend: StoreBackend): DeliveryStats {
  return backend.kind === 'sqlite' ? new SqliteDeliveryStats(backend.db) : new PgDeliveryStats(backend.pool);
}

/** A `digests` row as the counts read it, with when the next digest went out (its unsubscribe window ends there). */
export interface DigestRow {
  digest_key: string;
  date: string;
  subject: string;
  first_sent_at: number;
}

/** The window in which an unsubscribe counts against a digest: from it until the next one (any date). */
export function unsubscribeWindow(rows: DigestRow[], i: number): { since: number; until: number } {
  return {
    since: rows[i]?.first_sent_at ?? 0,
    until: rows[i + 1]?.first_sent_at ?? Number.MAX_SAFE_INTEGER,
  };
}

/** One digest's counts from its row and what the store counted for it. */
export function digestCountsOf(
  row: DigestRow,
  ledger: { sent: number; failed: number } | undefined,
  kinds: Map<string, number>,
  unsubscribes: number,
): DigestCounts {
  return {
    digestKey: row.digest_key,
    date: row.date,
    subject: row.subject,
    firstSentAt: row.first_sent_at,
    sent: ledger?.sent ?? 0,
    failed: ledger?.failed ?? 0,
    hard: kinds.get('hard') ?? 0,
    soft: kinds.get('soft') ?? 0,
    complaints: kinds.get('complaint') ?? 0,
    unsubscribes,
  };
}

/** A window's counts from the messages sent and the events by kind. */
export function windowCountsOf(
  since: number,
  until: number,
  sent: number,
  kinds: Map<string, number>,
): WindowCounts {
  return {
    since,
    until,
    sent,
    hard: kinds.get('hard') ?? 0,
    soft: kinds.get('soft') ?? 0,
    complaints: kinds.get('complaint') ?? 0,
  };
}

/** The statements both stores run alike (`?` placeholders; PostgreSQL numbers them). */
export const STATS_SQL = {
  digests: 'SELECT digest_key, date, subject, first_sent_at FROM digests ORDER BY first_sent_at, digest_key',
  windowSent: `SELECT COUNT(*) AS n FROM deliveries WHERE state = 'sent' AND sent_at >= ? AND sent_at < ?`,
  windowKinds: `SELECT kind, COUNT(*) AS n FROM bounce_events
     WHERE occurred_at >= ? AND occurred_at < ? AND kind IN ('hard', 'soft', 'complaint') GROUP BY kind`,
} as const;

/** Addresses still unsubscribed that unsubscribed from `since` until `until` (two SQL expressions). */
export function unsubscribedBetween(since: string, until: string): string {
  return `suppressed_reason = 'unsubscribed' AND suppressed_at >= ${since} AND suppressed_at < ${until}`;
}

/** DeliveryStats on a SQLite file. */
export class SqliteDeliveryStats implements DeliveryStats {
  readonly #db: SqliteDatabase;

  constructor(db: SqliteDatabase) {
    this.#db = db;
  }

  async digestCounts(filter: { date?: string } = {}): Promise<DigestCounts[]> {
    const rows = this.#db.prepare<[], DigestRow>(STATS_SQL.digests).all();
    const ledger = this.#db.prepare<[string], { sent: number; failed: number }>(
      `SELECT COALESCE(SUM(state = 'sent'), 0) AS sent, COALESCE(SUM(state = 'failed_perm'), 0) AS failed
       FROM deliveries WHERE digest_key = ?`,
    );
    const events = this.#db.prepare<[string], { kind: string; n: number }>(
      `SELECT kind, COUNT(DISTINCT COALESCE(address_id, email)) AS n FROM bounce_events
       WHERE digest_key = ? AND kind IN ('hard', 'soft', 'complaint') GROUP BY kind`,
    );
    const unsubscribes = this.#db.prepare<[number, number], { n: number }>(
      `SELECT COUNT(*) AS n FROM addresses WHERE ${unsubscribedBetween('?', '?')}`,
    );
    const out: DigestCounts[] = [];
    rows.forEach((row, i) => {
      if (filter.date && row.date !== filter.date) return;
      const kinds = new Map(events.all(row.digest_key).map((e) => [e.kind, e.n]));
      const { since, until } = unsubscribeWindow(rows, i);
      const unsubscribed = unsubscribes.get(since, until)?.n ?? 0;
      out.push(digestCountsOf(row, ledger.get(row.digest_key), kinds, unsubscribed));
    });
    return out;
  }

  async windowCounts(since: number, until: number): Promise<WindowCounts> {
    const sent =
      this.#db.prepare<[number, number], { n: number }>(STATS_SQL.windowSent).get(since, until)?.n ?? 0;
    const kinds = this.#db
      .prepare<[number, number], { kind: string; n: number }>(STATS_SQL.windowKinds)
      .all(since, until);
    return windowCountsOf(since, until, sent, new Map(kinds.map((e) => [e.kind, e.n])));
  }
}
