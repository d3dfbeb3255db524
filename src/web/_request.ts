import { checkTarget, isCalendarDate } from '../http/index.js';
import type { FeedFormat } from './_feeds.js';

/** What the public server answers. Nothing maps a URL to a file on disk. */
export type Route =
  | { kind: 'home' }
  | { kind: 'archive' }
  | { kind: 'archive-day' /** a date, or `week-<date>` for a weekly edition */; date: string }
  | { kind: 'unsubscribe'; token?: string }
  | { kind: 'resubscribe'; token?: string }
  | { kind: 'subscribe' }
  | { kind: 'confirm'; token?: string }
  | { kind: 'preferences'; token?: string; saved: boolean; confirmed: boolean }
  | { kind: 'healthz' }
  | { kind: 'feed'; format: FeedFormat }
  | { kind: 'stylesheet' };

export type Method = 'GET' | 'HEAD' | 'POST';

export type ParsedRequest =
  | { ok: true; route: Route; method: Method }
  | { ok: false; status: 400 | 404 | 405 | 414; reason: string; allow?: string };

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
    // A day's digest, or a weekly edition's page (`week-<last day>`, docs/editions.md).
    pattern: /^\/archive\/((?:week-)?(\d{4}-\d{2}-\d{2}))$/,
    methods: READ,
    make: (m) => (isCalendarDate(m[2] as string) ? { kind: 'archive-day', date: m[1] as string } : undefined),
  },
  { pattern: /^\/unsubscribe$/, methods: READ_WRITE, make: (_m, q) => tokenRoute('unsubscribe', q) },
  { pattern: /^\/resubscribe$/, methods: READ_WRITE, make: (_m, q) => tokenRoute('resubscribe', q) },
  { pattern: /^\/subscribe$/, methods: READ_WRITE, make: () => ({ kind: 'subscribe' }) },
  { pattern: /^\/confirm$/, methods: READ_WRITE, make: (_m, q) => tokenRoute('confirm', q) },
  {
    pattern: /^\/preferences$/,
    methods: READ_WRITE,
    make: (_m, q) => ({
      ...tokenRoute('preferences', q),
      saved: q.has('saved'),
      confirmed: q.has('confirmed'),
    }),
  },
  { pattern: /^\/healthz$/, methods: READ, make: () => ({ kind: 'healthz' }) },
  { pattern: /^\/feed\.xml$/, methods: READ, make: () => ({ kind: 'feed', format: 'rss' }) },
  { pattern: /^\/atom\.xml$/, methods: READ, make: () => ({ kind: 'feed', format: 'atom' }) },
  { pattern: /^\/feed\.json$/, methods: READ, make: () => ({ kind: 'feed', format: 'json' }) },
  { pattern: /^\/assets\/site\.css$/, methods: READ, make: () => ({ kind: 'stylesheet' }) },
];

/**
 * Check a raw request target and match it to a route. `checkTarget` refuses what no route could
 * mean (traversal, encoded characters, control characters) with a 400, and a target over
 * MAX_TARGET with a 414. Unknown paths are 404s; a known path with the wrong method is a 405 that
 * names the allowed ones.
 */
export function parseRequest(method: string | undefined, target: string | undefined): ParsedRequest {
  const checked = checkTarget(target);
  if (!checked.ok) return { ok: false, status: checked.tooLong ? 414 : 400, reason: checked.reason };
  for (const spec of ROUTES) {
    const match = spec.pattern.exec(checked.path);
    if (!match) continue;
    if (!spec.methods.includes(method ?? '')) {
      return { ok: false, status: 405, reason: 'method not allowed', allow: spec.methods.join(', ') };
    }
    const route = spec.make(match, checked.params);
    if (!route) break;
    return { ok: true, route, method: method as Method };
  }
  return { ok: false, status: 404, reason: 'no such page' };
}

/** A token route; `token` is absent only when the query has none (the web copy's generic link). */
function tokenRoute<K extends 'unsubscribe' | 'resubscribe' | 'confirm' | 'preferences'>(
  kind: K,
  params: URLSearchParams,
): { kind: K; token?: string } {
  const tokens = params.getAll('token');
  // Two tokens are as malformed as a bad one: the handler answers both with the same 400.
  if (tokens.length > 1) return { kind, token: '' };
  return tokens.length === 1 ? { kind, token: tokens[0] } : { kind };
}
