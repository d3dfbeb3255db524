import { TZDate } from '@date-fns/tz';

const DATE_ONLY = /^(\d{4})-(\d{1,2})-(\d{1,2})$/;
// ISO 8601 and the YAML 1.1 timestamp forms: `T` or spaces between date and time, optional
// seconds and fraction, then `Z`, an offset (`-08:00`, `+0530`, `-5`) or nothing (local time).
const DATE_TIME =
  /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[Tt]|[ \t]+)(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?[ \t]*(?:([Zz])|([+-])(\d{1,2})(?::?(\d{2}))?)?$/;

/**
 * The instant of a `publishedDateTime` value, epoch ms, or undefined when it is not a date.
 * A date without a time means local midnight in `timeZone`; a date-time without `Z` or an
 * offset is wall-clock time in `timeZone` (as Jekyll reads it). A Date is taken as is.
 */
export function parsePublished(value: unknown, timeZone: string): number | undefined {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value.getTime();
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  const day = DATE_ONLY.exec(text);
  if (day) return localTime(num(day[1]), num(day[2]), num(day[3]), 0, 0, 0, 0, timeZone);
  const m = DATE_TIME.exec(text);
  if (!m) return undefined;
  const [year, month, date, hour, minute] = [num(m[1]), num(m[2]), num(m[3]), num(m[4]), num(m[5])];
  const second = m[6] === undefined ? 0 : num(m[6]);
  const ms = m[7] === undefined ? 0 : num(m[7].slice(0, 3).padEnd(3, '0'));
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  if (m[8] === undefined && m[9] === undefined) {
    return localTime(year, month, date, hour, minute, second, ms, timeZone);
  }
  if (!isCalendarDate(year, month, date)) return undefined;
  const offsetHours = m[10] === undefined ? 0 : num(m[10]);
  const offsetMinutes = m[11] === undefined ? 0 : num(m[11]);
  if (offsetHours > 18 || offsetMinutes > 59) return undefined;
  const sign = m[9] === '-' ? -1 : 1;
  const utc = Date.UTC(year, month - 1, date, hour, minute, second, ms);
  return utc - sign * (offsetHours * 60 + offsetMinutes) * 60_000;
}

/**
 * Whether the instant of a date text depends on the time zone: a date without a time, or a
 * date-time without `Z` or an offset. (Cached instants of such texts are valid for one zone only.)
 */
export function isZoned(text: string): boolean {
  const trimmed = text.trim();
  if (DATE_ONLY.test(trimmed)) return true;
  const m = DATE_TIME.exec(trimmed);
  return m !== null && m[8] === undefined && m[9] === undefined;
}

function localTime(
  year: number,
  month: number,
  date: number,
  hour: number,
  minute: number,
  second: number,
  ms: number,
  timeZone: string,
): number | undefined {
  if (!isCalendarDate(year, month, date)) return undefined;
  // TZDate is slow (it asks Intl for the offset), and a folder has many files of the same day.
  const key = `${timeZone} ${year} ${month} ${date} ${hour} ${minute} ${second} ${ms}`;
  let time = localTimes.get(key);
  if (time === undefined) {
    // TZDate resolves a wall-clock time in the zone; a time inside a DST gap moves forward.
    time = new TZDate(year, month - 1, date, hour, minute, second, ms, timeZone).getTime();
    if (localTimes.size >= 10_000) localTimes.clear();
    localTimes.set(key, time);
  }
  return Number.isNaN(time) ? undefined : time;
}

const localTimes = new Map<string, number>();

function isCalendarDate(year: number, month: number, date: number): boolean {
  if (month < 1 || month > 12 || date < 1) return false;
  return date <= new Date(Date.UTC(year, month, 0)).getUTCDate();
}

const num = (digits: string | undefined): number => Number(digits);

const DAY = 86_400_000;
const days = new Map<number, string>();

/**
 * `new Date(ms).toISOString()`, the one writer of an ISO time: for a whole number of ms (every
 * out-of-window entry of a report has one) from a per-day prefix and integer arithmetic: a
 * large folder's report has one per file (docs/bench.md, "Figures behind the content stage").
 */
export function isoTime(ms: number): string {
  if (!Number.isInteger(ms)) return new Date(ms).toISOString();
  const day = Math.floor(ms / DAY);
  const t = ms - day * DAY;
  const milli = t % 1000;
  return `${dayPrefix(day)}${two(Math.floor(t / 3_600_000))}:${two(Math.floor(t / 60_000) % 60)}:${two(Math.floor(t / 1000) % 60)}.${milli < 10 ? '00' : milli < 100 ? '0' : ''}${milli}Z`;
}

const two = (n: number): string => (n < 10 ? `0${n}` : `${n}`);

/** `YYYY-MM-DDT` of a UTC day (days since the epoch), as toISOString writes it. */
function dayPrefix(day: number): string {
  let prefix = days.get(day);
  if (prefix === undefined) {
    prefix = new Date(day * DAY).toISOString().slice(0, -13);
    if (days.size < 100_000) days.set(day, prefix);
  }
  return prefix;
}
