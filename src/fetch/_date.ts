/** A feed date as an instant and the front-matter text that keeps its zone. */
export interface FeedDate {
  ms: number;
  /** ISO 8601 with the feed's own offset (`2026-11-30T11:40:00+01:00`), or `Z` when it gave UTC or a zone name. */
  text: string;
}

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i;
const RFC822_ZONE = /(?:[+-]\d{4}|\b(?:UT|UTC|GMT|Z|[ECMP][SD]T))\s*$/i;
const TRAILING_OFFSET = /([+-])(\d{2}):?(\d{2})\s*$/;

/**
 * Read a feed's date: ISO 8601 / RFC 3339 (Atom, JSON Feed, dc:date) or RFC 822 (RSS `pubDate`,
 * also with a two-digit year or a zone name such as `GMT`/`EST`). Undefined when it is not a date
 * or has no zone (an instant cannot be known then).
 */
export function parseFeedDate(value: string | undefined): FeedDate | undefined {
  if (value === undefined) return undefined;
  const text = value.trim().replace(/\s+/g, ' ');
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) return undefined; // a day without a time has no instant
  if (/^\d{4}-\d{2}-\d{2}T/i.test(text) && !ISO.test(text)) return undefined;
  // Date.parse would read an RFC 822 date without a zone as this machine's local time.
  if (!/^\d{4}-/.test(text) && !RFC822_ZONE.test(text)) return undefined;
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) return undefined;
  const offset = TRAILING_OFFSET.exec(text);
  const minutes = offset ? (offset[1] === '-' ? -1 : 1) * (Number(offset[2]) * 60 + Number(offset[3])) : 0;
  return { ms, text: withOffset(ms, minutes) };
}

/** `ms` as local time at an offset of `minutes` from UTC, e.g. `2026-11-30T11:40:00+01:00`. */
export function withOffset(ms: number, minutes: number): string {
  const local = new Date(ms + minutes * 60_000).toISOString().slice(0, 19);
  if (minutes === 0) return `${local}Z`;
  const abs = Math.abs(minutes);
  const hh = String(Math.floor(abs / 60)).padStart(2, '0');
  const mm = String(abs % 60).padStart(2, '0');
  return `${local}${minutes < 0 ? '-' : '+'}${hh}:${mm}`;
}
