import type { SqliteDatabase } from '../store/index.js';
import { addDays } from './_edition.js';
import { WEEK_DAYS } from './_plan.js';

// States in which a reader has (or may have) the message: sent, or out and unanswered.
const HAS_IT = `state IN ('sent', 'sending', 'unknown')`;

/**
 * Readers the ledger already gave another edition that would repeat this one's stories: any
 * other edition whose last day is `day` (a reader who switched editions today gets one email
 * today, not two), and, for a weekly, a weekly of the 6 days before (a reader who moved their
 * weekday mid-week is not sent the same week again). Keys sort by their date, so these are
 * range reads of the ledger's primary key.
 */
export function servedElsewhere(
  db: SqliteDatabase,
  digestKey: string,
  day: string,
  weekly: boolean,
): Set<number> {
  const sameDay = db
    .prepare<[string, string, string, string, string], { id: number }>(
      `SELECT DISTINCT subscriber_id AS id FROM deliveries
       WHERE digest_key <> ? AND ${HAS_IT}
         AND ((digest_key >= ? AND digest_key < ?) OR (digest_key >= ? AND digest_key < ?))`,
    )
    .all(digestKey, `day:${day}@`, `day:${day}A`, `week:${day}@`, `week:${day}A`);
  const ids = new Set(sameDay.map((r) => r.id));
  if (weekly) {
    const week = db
      .prepare<[string, string], { id: number }>(
        `SELECT DISTINCT subscriber_id AS id FROM deliveries
         WHERE digest_key >= ? AND digest_key < ? AND ${HAS_IT}`,
      )
      .all(`week:${addDays(day, 1 - WEEK_DAYS)}`, `week:${day}`);
    for (const r of week) ids.add(r.id);
  }
  return ids;
}
