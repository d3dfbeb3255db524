import { createRequire } from 'node:module';
import { TZDate } from '@date-fns/tz';
import type { parseISO as ParseISO } from 'date-fns/parseISO';
import { isTimeZone } from '../config/index.js';
import { DigestError } from '../errors.js';
import type { DigestWindow } from '../types.js';

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
// An instant must say which zone it is in; a bare local time would silently mean the machine's zone.
const INSTANT_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}(:?\d{2})?)$/i;
const ZONE_HINT = 'use an IANA time zone name, e.g. "UTC", "Europe/Berlin" or "America/New_York"';

/** Zones already checked: Intl.DateTimeFormat construction is slow enough to matter per article. */
const knownZones = new Set<string>();

function assertTimeZone(timeZone: string, field = '--tz'): void {
  if (knownZones.has(timeZone)) return;
  if (!isTimeZone(timeZone) || timeZone.trim() === '') {
    throw new DigestError('E_USAGE', `unknown time zone "${timeZone}"`, { field, hint: ZONE_HINT });
  }
  knownZones.add(timeZone);
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** The `YYYY-MM-DD` local calendar date of an instant in `timeZone`. */
export function localDate(ms: number, timeZone: string): string {
  assertTimeZone(timeZone);
  const d = new TZDate(ms, timeZone);
  return `${pad(d.getFullYear(), 4)}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** Yesterday's local date `YYYY-MM-DD` in `timeZone`: the default day of a morning digest. */
export function previousDay(now: Date, timeZone: string): string {
  assertTimeZone(timeZone);
  const today = new TZDate(now.getTime(), timeZone);
  // Noon of the day before: never inside a DST gap or overlap, whatever the zone.
  const yesterday = new TZDate(today.getFullYear(), today.getMonth(), today.getDate() - 1, 12, timeZone);
  return localDate(yesterday.getTime(), timeZone);
}

/**
 * The local calendar day `date` (`YYYY-MM-DD`) in `timeZone`: [local 00:00, next local 00:00).
 * On DST days this is 23 or 25 hours long. Throws E_USAGE for a bad date or zone.
 */
export function dayWindow(date: string, timeZone: string): DigestWindow {
  assertTimeZone(timeZone);
  const m = DATE_RE.exec(date);
  const year = Number(m?.[1]);
  const month = Number(m?.[2]);
  const day = Number(m?.[3]);
  // Days in the month, from UTC so the machine's zone cannot interfere.
  const monthDays = m ? new Date(Date.UTC(year, month, 0)).getUTCDate() : 0;
  if (!m || month < 1 || month > 12 || day < 1 || day > monthDays) {
    throw new DigestError('E_USAGE', `"${date}" is not a calendar date`, {
      field: '--date',
      hint: 'use YYYY-MM-DD, e.g. 2020-09-13',
    });
  }
  // TZDate resolves local midnight to the right instant; where midnight falls in a DST gap
  // the day starts at the first local time that exists.
  const since = new TZDate(year, month - 1, day, timeZone).getTime();
  const until = new TZDate(year, month - 1, day + 1, timeZone).getTime();
  return { since, until, timeZone, date };
}

// The function's own module (the date-fns index loads all of date-fns, about 0.2 s), and only
// for an explicit range: a day's build never needs it (about 10 ms of start-up).
const require = createRequire(import.meta.url);
let parseISO: typeof ParseISO | undefined;

function parseInstant(value: string, field: string): number {
  parseISO ??= (require('date-fns/parseISO') as { parseISO: typeof ParseISO }).parseISO;
  const ms = INSTANT_RE.test(value) ? parseISO(value.toUpperCase()).getTime() : Number.NaN;
  if (Number.isNaN(ms)) {
    throw new DigestError('E_USAGE', `"${value}" is not an ISO instant`, {
      field,
      hint: 'use an ISO date and time with Z or an offset, e.g. 2020-09-13T00:00:00Z or 2020-09-13T00:00:00-04:00',
    });
  }
  return ms;
}

/** An explicit range [since, until) of ISO instants; `date` is the local date of `since`. */
export function rangeWindow(since: string, until: string, timeZone: string): DigestWindow {
  assertTimeZone(timeZone);
  const from = parseInstant(since, '--since');
  const to = parseInstant(until, '--until');
  if (to <= from) {
    throw new DigestError('E_USAGE', `--until (${until}) must be after --since (${since})`, {
      field: '--until',
      hint: 'give an --until later than --since',
    });
  }
  return { since: from, until: to, timeZone, date: localDate(from, timeZone) };
}
