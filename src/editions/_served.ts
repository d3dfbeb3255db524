import type { StoreBackend } from '../store/index.js';
import { addDays } from './_edition.js';
import { WEEK_DAYS } from './_plan.js';

// States in which a reader has (or may have) the message: sent, or out and unanswered.
const HAS_IT = `state IN ('sent', 'sending', 'unknown')`;

/**
 * Readers the ledger already gave another edition that would repeat this one's stories: any
 * other edition whose last day is `day` (a reader who switched editions today gets one email
 * today, not two), and, for a weekly, a weekly of the 6 days before (a reader who moved their
 * weekday mid-week is not sent the same week again). Keys sort by their date, so these are
 * range reads of the ledger's digest keys, on either store.
 */
export async function servedElsewhere(
  backend: StoreBackend,
  digestKey: string,
  day: string,
  weekly: boolean,
): Promise<Set<number>> {
  // [from, to) ranges of digest keys; this edition's own key is in none but the first two.
  const ranges = [
    [`day:${day}@`, `day:${day}A`],
    [`week:${day}@`, `week:${day}A`],
    ...(weekly ? [[`week:${addDays(day, 1 - WEEK_DAYS)}`, `week:${day}`]] : []),
  ];
  const params = [digestKey, ...ranges.flat()];
  // Keys compare byte by byte: SQLite's BINARY, and on PostgreSQL COLLATE "C" whatever the
  // database's locale (served by the index deliveries_key_bytes, src/store/pg/_migrations.ts).
  const pg = backend.kind === 'postgres';
  const param = (i: number) => (pg ? `$${i + 1}` : '?');
  const key = pg ? 'digest_key COLLATE "C"' : 'digest_key';
  const within = ranges.map((_, r) => `(${key} >= ${param(1 + 2 * r)} AND ${key} < ${param(2 + 2 * r)})`);
  const sql = `SELECT DISTINCT subscriber_id AS id FROM deliveries
    WHERE digest_key <> ${param(0)} AND ${HAS_IT} AND (${within.join(' OR ')})`;
  const rows = pg
    ? (await backend.pool.query<{ id: number }>(sql, params)).rows
    : backend.db.prepare<string[], { id: number }>(sql).all(...params);
  return new Set(rows.map((r) => r.id));
}
