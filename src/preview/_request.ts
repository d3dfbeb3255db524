import { isTimeZone } from '../config/index.js';
import { type Edition, normalizeTopics } from '../editions/index.js';
import { checkTarget, isCalendarDate } from '../http/index.js';

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
  /** `edition=weekly` and/or `topics=a,b`: that edition of the day (docs/editions.md); absent: the daily. */
  edition?: Edition;
}

export type ParsedRequest =
  | { ok: true; route: Route; query: PreviewQuery }
  | { ok: false; status: 400 | 404 | 405; reason: string };

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
 * `checkTarget` refuses with a 400 what no route could mean (traversal, encoded characters, control
 * characters, a target over MAX_TARGET); bad `tz`/`top` values are 400s; unknown paths are 404s.
 */
export function parseRequest(method: string | undefined, target: string | undefined): ParsedRequest {
  if (method !== 'GET' && method !== 'HEAD') return { ok: false, status: 405, reason: 'only GET and HEAD' };
  const checked = checkTarget(target);
  if (!checked.ok) return bad(checked.reason);
  const query = previewQuery(checked.params);
  if (typeof query === 'string') return bad(query);
  for (const [pattern, make] of ROUTES) {
    const m = pattern.exec(checked.path);
    if (!m) continue;
    const route = make(m);
    if ((route.kind === 'digest' || route.kind === 'raw') && !isCalendarDate(route.date)) break;
    return { ok: true, route, query };
  }
  return { ok: false, status: 404, reason: 'no such page' };
}

function previewQuery(params: URLSearchParams): PreviewQuery | string {
  const query: PreviewQuery = { dark: params.get('scheme') === 'dark' };
  const tz = params.get('tz');
  if (tz !== null && tz !== '') {
    if (!isTimeZone(tz)) return `unknown time zone "${tz}"; use e.g. UTC or America/New_York`;
    query.tz = tz;
  }
  const frequency = params.get('edition') || 'daily';
  if (frequency !== 'daily' && frequency !== 'weekly') {
    return `edition must be daily or weekly (got "${frequency}")`;
  }
  const topics = normalizeTopics((params.get('topics') ?? '').split(','));
  if (frequency === 'weekly' || topics.length > 0) query.edition = { frequency, topics };
  const top = params.get('top');
  if (top !== null && top !== '') {
    if (!/^\d{1,3}$/.test(top) || Number(top) < 1 || Number(top) > 200) {
      return `top must be a whole number from 1 to 200 (got "${top}")`;
    }
    query.top = Number(top);
  }
  return query;
}

/** Loopback names a browser on this machine uses; other Host headers hint at DNS rebinding. */
export function isLoopbackHost(hostHeader: string | undefined): boolean {
  if (!hostHeader) return false;
  const name = hostHeader.startsWith('[')
    ? hostHeader.slice(0, hostHeader.indexOf(']') + 1)
    : hostHeader.replace(/:\d+$/, '');
  return name === '127.0.0.1' || name === 'localhost' || name === '[::1]' || /^127(\.\d{1,3}){3}$/.test(name);
}
