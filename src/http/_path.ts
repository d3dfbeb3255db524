/** Longest request target either server accepts; a token is under 200 characters. */
export const MAX_TARGET = 2048;

/** A request target split and checked: a clean decoded path and its query, or why not. */
export type CheckedTarget =
  | { ok: true; path: string; params: URLSearchParams }
  | { ok: false; reason: string; tooLong: boolean };

const refuse = (reason: string): CheckedTarget => ({ ok: false, reason, tooLong: false });

/**
 * Check a raw request target (the bytes after the method) before any route sees it. The path is
 * checked after decoding: NUL and other control characters, backslashes, `.`/`..` and empty
 * segments are refused. No route of either server has an encoded character, so any
 * percent-encoding in the path (`%2e%2e`, `%2f`) is refused too, as is a query with a bad escape
 * or a control character in a value. `tooLong` lets a server pick its own status for that case.
 */
export function checkTarget(target: string | undefined): CheckedTarget {
  if (!target?.startsWith('/')) return refuse('the request target must be a path');
  if (target.length > MAX_TARGET)
    return { ok: false, reason: 'the request target is too long', tooLong: true };
  const q = target.indexOf('?');
  const rawPath = q === -1 ? target : target.slice(0, q);
  const rawQuery = q === -1 ? '' : target.slice(q + 1);
  let path: string;
  try {
    path = decodeURIComponent(rawPath);
  } catch {
    return refuse('malformed percent-encoding in the path');
  }
  const problem = pathProblem(path);
  if (problem) return refuse(problem);
  if (path !== rawPath) return refuse('encoded characters are not allowed in paths');
  const params = parseQuery(rawQuery);
  if (typeof params === 'string') return refuse(params);
  return { ok: true, path, params };
}

/** Why a decoded path is unacceptable, or undefined when it is fine. */
export function pathProblem(path: string): string | undefined {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
  if (/[\u0000-\u001f\u007f]/.test(path)) return 'control characters in the path';
  if (path.includes('\\')) return 'backslash in the path';
  const segments = path.split('/').slice(1);
  if (segments.some((s) => s === '.' || s === '..')) return 'dot segments in the path';
  if (segments.slice(0, -1).some((s) => s === '')) return 'empty segment in the path';
  return undefined;
}

function parseQuery(raw: string): URLSearchParams | string {
  try {
    // URLSearchParams never throws on a bad escape; decoding once ourselves catches them.
    decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    return 'malformed percent-encoding in the query';
  }
  const params = new URLSearchParams(raw);
  for (const value of params.values()) {
    // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
    if (/[\u0000-\u001f\u007f]/.test(value)) return 'control characters in the query';
  }
  return params;
}

/** `YYYY-MM-DD` that names a real day of the proleptic Gregorian calendar. */
export function isCalendarDate(date: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (mo < 1 || mo > 12 || d < 1) return false;
  return d <= new Date(Date.UTC(y, mo, 0)).getUTCDate();
}
