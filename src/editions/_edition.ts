/**
 * What an edition is: a frequency and a topic set. Every subscriber reads exactly one edition (or
 * none, paused); each distinct edition of a day is built and rendered once for all its readers.
 */

import type { Frequency } from '../store/index.js';

export type { Frequency };

/** Weekday names as config and the CLI spell them; index + 1 is the ISO weekday (1 = Monday). */
export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type WeekdayName = (typeof WEEKDAYS)[number];

/** One edition: the daily or the weekly digest, of every topic (`topics` empty) or of some. */
export interface Edition {
  frequency: 'daily' | 'weekly';
  /** Lower-cased, trimmed, distinct and sorted; empty for the edition of every topic. */
  topics: string[];
}

/** The topic set of an edition: case and order of a subscriber's topics never make a new edition. */
export function normalizeTopics(topics: readonly string[]): string[] {
  const set = new Set(topics.map((t) => t.trim().toLowerCase()).filter((t) => t !== ''));
  return [...set].sort();
}

/** What a topic edition adds to a ledger key: `#topics=a+b` (each topic URI-encoded), or "" for every topic. */
export function topicSuffix(topics: readonly string[]): string {
  return topics.length === 0 ? '' : `#topics=${topics.map(encodeURIComponent).join('+')}`;
}

/** The edition's name without a date: `daily`, `daily#topics=a+b`, `weekly`, `weekly#topics=a+b`. */
export function editionId(edition: Edition): string {
  return `${edition.frequency}${topicSuffix(edition.topics)}`;
}

/**
 * The ledger key of an edition whose last local day is `date` (zone `timeZone`). The plain daily
 * keeps the key a digest always had (`day:2020-09-13@America/New_York`), so existing ledgers and
 * runs still match; a topic edition adds `#topics=a+b`; the weekly is
 * `week:<last day>@<zone>` (plus the topics).
 */
export function editionKey(edition: Edition, date: string, timeZone: string): string {
  const prefix = edition.frequency === 'weekly' ? 'week' : 'day';
  return `${prefix}:${date}@${timeZone}${topicSuffix(edition.topics)}`;
}

/** An edition key read back: undefined for keys that are no edition (`range:`…). */
export function parseEditionKey(
  key: string,
): { edition: Edition; date: string; timeZone: string } | undefined {
  const m = /^(day|week):(\d{4}-\d{2}-\d{2})@([^#]+)(?:#topics=(.+))?$/.exec(key);
  if (!m) return undefined;
  const topics = m[4] ? m[4].split('+').map(decodeURIComponent) : [];
  const frequency = m[1] === 'week' ? 'weekly' : 'daily';
  return { edition: { frequency, topics }, date: m[2] as string, timeZone: m[3] as string };
}

/**
 * Where the files of an edition go under OUT: the plain daily in `OUT/<date>/` as always, the
 * others in `OUT/editions/<slug>/<date>/` (e.g. `weekly`, `daily-topics-politics-science`).
 */
export function editionOutDir(edition: Edition): string | undefined {
  if (edition.frequency === 'daily' && edition.topics.length === 0) return undefined;
  const slug = editionId(edition)
    .replace('#topics=', '-topics-')
    .replace(/[^a-z0-9-]+/gi, '-')
    .toLowerCase();
  return `editions/${slug}`;
}

/** The archive path of an edition's web copy: `2020-09-13` for the daily, `week-2020-09-13` for the weekly. */
export function archivePath(edition: Edition, date: string): string {
  return edition.frequency === 'weekly' ? `week-${date}` : date;
}

/** An archive path read back: `week-2020-09-13` is the weekly edition of that day, a bare date the daily. */
export function parseArchivePath(path: string): { frequency: Edition['frequency']; date: string } {
  return path.startsWith('week-')
    ? { frequency: 'weekly', date: path.slice('week-'.length) }
    : { frequency: 'daily', date: path };
}

/** The ISO weekday (1 = Monday … 7 = Sunday) of a `YYYY-MM-DD` calendar date. */
export function weekdayOf(date: string): number {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const day = new Date(Date.UTC(y, m - 1, d)).getUTCDay();
  return day === 0 ? 7 : day;
}

/** The calendar date `days` after `date` (negative: before), `YYYY-MM-DD`. */
export function addDays(date: string, days: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

/** A weekday name (`mon`, `Monday`, `1`…`7`) as the ISO weekday, or undefined. */
export function parseWeekday(value: string): number | undefined {
  const v = value.trim().toLowerCase();
  if (/^[1-7]$/.test(v)) return Number(v);
  const i = WEEKDAYS.findIndex((w) => v.length >= 3 && `${w}${DAY_TAILS[w]}`.startsWith(v));
  return i < 0 ? undefined : i + 1;
}

const DAY_TAILS: Record<WeekdayName, string> = {
  mon: 'day',
  tue: 'sday',
  wed: 'nesday',
  thu: 'rsday',
  fri: 'day',
  sat: 'urday',
  sun: 'day',
};
