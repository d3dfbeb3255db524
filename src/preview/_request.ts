import { isTimeZone } from '../config/index.js';

/** The only things the preview server answers. Nothing maps a URL to a file on disk. */
export type Route =
  | { kind: 'index' }
  | { kind: 'digest'; date: string }
  | { kind: 'raw'; date: string; format: 'html' | 'txt' | 'json' }
  | { kind: 'asset'; name: 'preview.css' | 'preview.js' }
  | { kind: 'events' }
  | { kind: 'favicon' };

/** Query parameters the pages understand; anything else is ignored. */
export interface PreviewQuery {
  tz?: string;
  top?: number;
  /** `scheme=dark` on the raw HTML route: emulate a dark colour scheme. */
  dark: boolean;
}

export type ParsedRequest =
  | { ok: true; route: Route; query: PreviewQuery }
  | { ok: false; status: 400 | 404 | 405; reason: string };

const MAX_TARGET = 2048;
const DATE = '(\\d{4}-\\d{2}-\\d{2})';
const ROUTES: [RegExp, (m: RegExpExecArray) => Route][] = [
  [/^\/$/, () => ({ kind: 'index' })],
  [new RegExp(`^/digest/${DATE}$`), (m) => ({ kind: 'digest', date: m[1] as string })],
  [
    new RegExp(`^/digest/${DATE}\\.(html|txt|json)$`),
    (m) => ({ kind: 'raw', date: m[1] as string, format: m[2] as 'html' | 'txt' | 'json' }),
  ],
  [/^\/assets\/(preview\.css|preview\.js)$/, (m) => ({ kind: 'asset', name: m[1] as 'preview.css' })],
  [/^\/events$/, () => ({ kind: 'events' })],
  [/^\/favicon\.ico$/, () => ({ kind: 'favicon' })],
];

const bad = (reason: string): ParsedRequest => ({ ok: false, status: 400, reason });

/**
 * Check a raw request target (the bytes after the method) and match it to a route.
 * The path is decoded first and checked after decoding: NUL and control characters, backslashes,
 * `.`/`..` segments and empty segments are 400s. No route uses an encoded character, so any
 * percent-encoding in the path (`%2e%2e`, `%2f`) is a 400 too. Unknown paths are 404s.
 */
export function parseRequest(method: string | undefined, target: string | undefined): ParsedRequest {
  if (method !== 'GET' && method !== 'HEAD') return { ok: false, status: 405, reason: 'only GET and HEAD' };
  if (!target?.startsWith('/')) return bad('the request target must be a path');
  if (target.length > MAX_TARGET) return bad('the request target is too long');
  const q = target.indexOf('?');
  const rawPath = q === -1 ? target : target.slice(0, q);
  const rawQuery = q === -1 ? '' : target.slice(q + 1);
  let path: string;
  try {
    path = decodeURIComponent(rawPath);
  } catch {
    return bad('malformed percent-encoding');
  }
  const problem = pathProblem(path);
  if (problem) return bad(problem);
  if (path !== rawPath) return bad('encoded characters are not allowed in paths');
  const query = parseQuery(rawQuery);
  if (typeof query === 'string') return bad(query);
  for (const [pattern, make] of ROUTES) {
    const m = pattern.exec(path);
    if (!m) continue;
    const route = make(m);
    if ((route.kind === 'digest' || route.kind === 'raw') && !isCalendarDate(route.date)) break;
    return { ok: true, route, query };
  }
  return { ok: false, status: 404, reason: 'no such page' };
}

/** Why a decoded path is unacceptable, or undefined when it is fine. */
function pathProblem(path: string): string | undefined {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
  if (/[\u0000-\u001f\u007f]/.test(path)) return 'control characters in the path';
  if (path.includes('\\')) return 'backslash in the path';
  const segments = path.split('/').slice(1);
  if (segments.some((s) => s === '.' || s === '..')) return 'dot segments in the path';
  if (segments.slice(0, -1).some((s) => s === '')) return 'empty segment in the path';
  return undefined;
}

function parseQuery(raw: string): PreviewQuery | string {
  let params: URLSearchParams;
  try {
    // URLSearchParams never throws on bad escapes; decode once ourselves to catch them.
    decodeURIComponent(raw.replace(/\+/g, ' '));
    params = new URLSearchParams(raw);
  } catch {
    return 'malformed percent-encoding in the query';
  }
  for (const value of params.values()) {
    // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
    if (/[\u0000-\u001f\u007f]/.test(value)) return 'control characters in the query';
  }
  const query: PreviewQuery = { dark: params.get('scheme') === 'dark' };
  const tz = params.get('tz');
  if (tz !== null && tz !== '') {
    if (!isTimeZone(tz)) return `unknown time zone "${tz}"; use e.g. UTC or America/New_York`;
    query.tz = tz;
  }
  const top = params.get('top');
  if (top !== null && top !== '') {
    if (!/^\d{1,3}$/.test(top) || Number(top) < 1 || Number(top) > 200) {
      return `top must be a whole number from 1 to 200 (got "${top}")`;
    }
    query.top = Number(top);
  }
  return query;
}

/** `YYYY-MM-DD` that names a real day of the proleptic Gregorian calendar. */
export function isCalendarDate(date: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (mo < 1 || mo > 12 || d < 1) return false;
  return d <= new Date(Date.UTC(y, mo, 0)).getUTCDate();
}

/** Loopback names a browser on this machine uses; other Host headers hint at DNS rebinding. */
export function isLoopbackHost(hostHeader: string | undefined): boolean {
  if (!hostHeader) return false;
  const name = hostHeader.startsWith('[')
    ? hostHeader.slice(0, hostHeader.indexOf(']') + 1)
    : hostHeader.replace(/:\d+$/, '');
  return name === '127.0.0.1' || name === 'localhost' || name === '[::1]' || /^127(\.\d{1,3}){3}$/.test(name);
}
