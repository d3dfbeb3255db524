import type { SqliteDatabase } from './_db.js';

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
 * The SQL behind `digest stats` and the send summary's warning: reads the ledger, `digests`,
 * `bounce_events` and `addresses`; writes nothing.
 */
export class SqliteDeliveryStats {
  readonly #db: SqliteDatabase;

  constructor(db: SqliteDatabase) {
    this.#db = db;
  }

  /** Every digest sent, oldest first; of one date when given. */
  digestCounts(filter: { date?: string } = {}): DigestCounts[] {
    const rows = this.#db
      .prepare<[], { digest_key: string; date: string; subject: string; first_sent_at: number }>(
        'SELECT digest_key, date, subject, first_sent_at FROM digests ORDER BY first_sent_at, digest_key',
      )
      .all();
    const ledger = this.#db.prepare<[string], { sent: number; failed: number }>(
      `SELECT COALESCE(SUM(state = 'sent'), 0) AS sent, COALESCE(SUM(state = 'failed_perm'), 0) AS failed
       FROM deliveries WHERE digest_key = ?`,
    );
    const events = this.#db.prepare<[string], { kind: string; n: number }>(
      `SELECT kind, COUNT(DISTINCT COALESCE(address_id, email)) AS n FROM bounce_events
       WHERE digest_key = ? AND kind IN ('hard', 'soft', 'complaint') GROUP BY kind`,
    );
    const unsubscribes = this.#db.prepare<[number, number], { n: number }>(
      `SELECT COUNT(*) AS n FROM addresses
       WHERE suppressed_reason = 'unsubscribed' AND suppressed_at >= ? AND suppressed_at < ?`,
    );
    const out: DigestCounts[] = [];
    rows.forEach((row, i) => {
      if (filter.date && row.date !== filter.date) return;
      const counts = ledger.get(row.digest_key) ?? { sent: 0, failed: 0 };
      const kinds = new Map(events.all(row.digest_key).map((e) => [e.kind, e.n]));
      const next = rows[i + 1]?.first_sent_at ?? Number.MAX_SAFE_INTEGER;
      out.push({
        digestKey: row.digest_key,
        date: row.date,
        subject: row.subject,
        firstSentAt: row.first_sent_at,
        sent: counts.sent,
        failed: counts.failed,
        hard: kinds.get('hard') ?? 0,
        soft: kinds.get('soft') ?? 0,
        complaints: kinds.get('complaint') ?? 0,
        unsubscribes: unsubscribes.get(row.first_sent_at, next)?.n ?? 0,
      });
    });
    return out;
  }

  /** Messages sent, and bounces and complaints that happened, from `since` until `until` (epoch ms). */
  windowCounts(since: number, until: number): WindowCounts {
    const sent =
      this.#db
        .prepare<[number, number], { n: number }>(
          `SELECT COUNT(*) AS n FROM deliveries WHERE state = 'sent' AND sent_at >= ? AND sent_at < ?`,
        )
        .get(since, until)?.n ?? 0;
    const kinds = new Map(
      this.#db
        .prepare<[number, number], { kind: string; n: number }>(
          `SELECT kind, COUNT(*) AS n FROM bounce_events
           WHERE occurred_at >= ? AND occurred_at < ? AND kind IN ('hard', 'soft', 'complaint') GROUP BY kind`,
        )
        .all(since, until)
        .map((e) => [e.kind, e.n]),
    );
    return {
      since,
      until,
      sent,
      hard: kinds.get('hard') ?? 0,
      soft: kinds.get('soft') ?? 0,
      complaints: kinds.get('complaint') ?? 0,
    };
  }
}
