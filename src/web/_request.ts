/** What the public server answers. Nothing maps a URL to a file on disk. */
export type Route =
  | { kind: 'home' }
  | { kind: 'archive' }
  | { kind: 'archive-day'; date: string }
  | { kind: 'unsubscribe'; token?: string }
  | { kind: 'resubscribe'; token?: string }
  | { kind: 'healthz' }
  | { kind: 'stylesheet' };

export type Method = 'GET' | 'HEAD' | 'POST';

export type ParsedRequest =
  | { ok: true; route: Route; method: Method }
  | { ok: false; status: 400 | 404 | 405 | 414; reason: string; allow?: string };

/** Longest request target accepted; a token is under 200 characters. */
export const MAX_TARGET = 2048;

const READ = ['GET', 'HEAD'];
const READ_WRITE = ['GET', 'HEAD', 'POST'];

interface RouteSpec {
  pattern: RegExp;
  methods: string[];
  make(match: RegExpExecArray, params: URLSearchParams): Route | undefined;
}

const ROUTES: RouteSpec[] = [
  { pattern: /^\/$/, methods: READ, make: () => ({ kind: 'home' }) },
  { pattern: /^\/archive$/, methods: READ, make: () => ({ kind: 'archive' }) },
  {
    pattern: /^\/archive\/(\d{4}-\d{2}-\d{2})$/,
    methods: READ,
    make: (m) => (isCalendarDate(m[1] as string) ? { kind: 'archive-day', date: m[1] as string } : undefined),
  },
  { pattern: /^\/unsubscribe$/, methods: READ_WRITE, make: (_m, q) => tokenRoute('unsubscribe', q) },
  { pattern: /^\/resubscribe$/, methods: READ_WRITE, make: (_m, q) => tokenRoute('resubscribe', q) },
  { pattern: /^\/healthz$/, methods: READ, make: () => ({ kind: 'healthz' }) },
  { pattern: /^\/assets\/site\.css$/, methods: READ, make: () => ({ kind: 'stylesheet' }) },
];

const bad = (reason: string): ParsedRequest => ({ ok: false, status: 400, reason });

/**
 * Check a raw request target and match it to a route. The path is checked after decoding: NUL
 * and other control characters, backslashes, `.`/`..` and empty segments are 400s, and since no
 * route has an encoded character, any percent-encoding in the path (`%2e%2e`, `%2f`) is a 400.
 * Unknown paths are 404s; a known path with the wrong method is a 405 that names the allowed ones.
 */
export function parseRequest(method: string | undefined, target: string | undefined): ParsedRequest {
  if (!target?.startsWith('/')) return bad('the request target must be a path');
  if (target.length > MAX_TARGET) return { ok: false, status: 414, reason: 'the request target is too long' };
  const q = target.indexOf('?');
  const rawPath = q === -1 ? target : target.slice(0, q);
  const rawQuery = q === -1 ? '' : target.slice(q + 1);
  let path: string;
  try {
    path = decodeURIComponent(rawPath);
  } catch {
    return bad('malformed percent-encoding in the path');
  }
  const problem = pathProblem(path);
  if (problem) return bad(problem);
  if (path !== rawPath) return bad('encoded characters are not allowed in paths');
  const params = parseQuery(rawQuery);
  if (typeof params === 'string') return bad(params);
  for (const spec of ROUTES) {
    const match = spec.pattern.exec(path);
    if (!match) continue;
    if (!spec.methods.includes(method ?? '')) {
      return { ok: false, status: 405, reason: 'method not allowed', allow: spec.methods.join(', ') };
    }
    const route = spec.make(match, params);
    if (!route) break;
    return { ok: true, route, method: method as Method };
  }
  return { ok: false, status: 404, reason: 'no such page' };
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

/** A token route; `token` is absent only when the query has none (the web copy's generic link). */
function tokenRoute(kind: 'unsubscribe' | 'resubscribe', params: URLSearchParams): Route {
  const tokens = params.getAll('token');
  // Two tokens are as malformed as a bad one: the handler answers both with the same 400.
  if (tokens.length > 1) return { kind, token: '' };
  return tokens.length === 1 ? { kind, token: tokens[0] } : { kind };
}

/** `YYYY-MM-DD` that names a real day of the proleptic Gregorian calendar. */
export function isCalendarDate(date: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (mo < 1 || mo > 12 || d < 1) return false;
  return d <= new Date(Date.UTC(y, mo, 0)).getUTCDate();
}
