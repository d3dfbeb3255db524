/** Bytes as whole kilobytes (1024), the unit the size budget is usually quoted in. */
export function kb(bytes: number): string {
  return `${Math.round(bytes / 1024)} KB`;
}

/** `Sunday, September 13, 2020` for a `YYYY-MM-DD` date (a calendar day, so no zone applies). */
export function longDay(date: string): string {
  return new Intl.DateTimeFormat('en-US', {
    weekday: 'long',
    day: 'numeric',
    month: 'long',
    year: 'numeric',
    timeZone: 'UTC',
  }).format(new Date(`${date}T12:00:00Z`));
}

/** `Sat, Sep 12` for a `YYYY-MM-DD` date. */
export function shortDay(date: string): string {
  return new Intl.DateTimeFormat('en-US', {
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    timeZone: 'UTC',
  }).format(new Date(`${date}T12:00:00Z`));
}

/** Parts of a date for the index's calendar badge. */
export function dayParts(date: string): { weekday: string; day: string; month: string; year: string } {
  const parts = new Intl.DateTimeFormat('en-US', {
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    timeZone: 'UTC',
  }).formatToParts(new Date(`${date}T12:00:00Z`));
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return { weekday: get('weekday'), day: get('day'), month: get('month'), year: get('year') };
}

/** Local time of an ISO instant in `timeZone`: `14:05`, or `Sep 12, 14:05` when not on `date`. */
export function localTime(iso: string | undefined, timeZone: string, date: string): string {
  if (!iso) return '';
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return '';
  const time = new Intl.DateTimeFormat('en-GB', {
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    timeZone,
  }).format(at);
  const day = new Intl.DateTimeFormat('en-CA', { timeZone }).format(at);
  if (day === date) return time;
  const label = new Intl.DateTimeFormat('en-US', { day: 'numeric', month: 'short', timeZone }).format(at);
  return `${label}, ${time}`;
}

/** `1 article` / `3 articles`. */
export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
