import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Config } from '../config/index.js';
import { type Edition, editionId, normalizeTopics } from '../editions/index.js';
import { type BuildResult, reportText } from '../pipeline.js';
import { PREVIEW_CSS } from './_asset-css.js';
import { PREVIEW_JS } from './_asset-js.js';
import type { ArticleDay, BuildCache } from './_builds.js';
import { emulateDarkScheme } from './_dark.js';
import { describeError, type ErrorView } from './_error-view.js';
import type { EventHub } from './_events.js';
import { digestPage, type EditionLink } from './_page-digest.js';
import { type IndexRow, indexPage } from './_page-index.js';
import { isLoopbackHost, type PreviewQuery, parseRequest } from './_request.js';
import { EMAIL_CSP, PAGE_CSP, send, sendText } from './_respond.js';

/** What the request handler needs from the running server. */
export interface HandlerContext {
  config: Config;
  cwd: string;
  cache: BuildCache;
  hub: EventHub;
  /** Refuse Host headers that are not loopback names (DNS rebinding), when bound to loopback. */
  loopbackOnly: boolean;
  /** The message headers a send would use; throws what sending would throw. */
  headers: (result: BuildResult) => [string, string][];
  log: (line: string) => void;
}

const HTML = 'text/html; charset=utf-8';

/** Answer one request. Never throws: a failure is a 500 and a log line, the server keeps going. */
export async function handleRequest(ctx: HandlerContext, req: IncomingMessage, res: ServerResponse) {
  try {
    await route(ctx, req, res);
  } catch (error) {
    ctx.log(`preview: ${req.method} ${req.url}: ${error instanceof Error ? error.message : String(error)}`);
    if (!res.headersSent) sendText(res, 500, 'internal error; see the terminal running digest preview');
    else res.end();
  }
}

async function route(ctx: HandlerContext, req: IncomingMessage, res: ServerResponse) {
  const parsed = parseRequest(req.method, req.url);
  if (!parsed.ok) {
    const extra: Record<string, string> = parsed.status === 405 ? { Allow: 'GET, HEAD' } : {};
    send(res, parsed.status, 'text/plain; charset=utf-8', `${parsed.reason}\n`, undefined, extra);
    return;
  }
  if (ctx.loopbackOnly && !isLoopbackHost(req.headers.host)) {
    sendText(res, 400, 'unexpected Host header; open the preview at the URL it printed');
    return;
  }
  const { route: r, query } = parsed;
  const tz = query.tz ?? ctx.config.timeZone;
  const top = query.top ?? ctx.config.top;
  switch (r.kind) {
    case 'asset':
      if (r.name === 'preview.css') send(res, 200, 'text/css; charset=utf-8', PREVIEW_CSS, PAGE_CSP);
      else send(res, 200, 'text/javascript; charset=utf-8', PREVIEW_JS, PAGE_CSP);
      return;
    case 'favicon':
      res.writeHead(204, { 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'no-store' }).end();
      return;
    case 'events':
      ctx.hub.add(res, ctx.cache.version);
      return;
    case 'index':
      send(res, 200, HTML, await renderIndex(ctx, tz, top, query), PAGE_CSP);
      return;
    case 'digest':
      send(res, 200, HTML, await renderDigestPage(ctx, r.date, tz, top, query), PAGE_CSP);
      return;
    case 'raw':
      await sendRaw(ctx, res, r.date, r.format, tz, top, query);
      return;
  }
}

/**
 * The editions a page links to (docs/editions.md): the daily, the weekly, a daily of each topic
 * the signup form offers (config `signup.topics`), and the edition shown when it is none of those.
 */
function editionLinks(ctx: HandlerContext, path: string, query: PreviewQuery): EditionLink[] {
  const editions: Edition[] = [
    { frequency: 'daily', topics: [] },
    { frequency: 'weekly', topics: [] },
    ...normalizeTopics(ctx.config.signup.topics).map((t): Edition => ({ frequency: 'daily', topics: [t] })),
  ];
  const shown = query.edition ?? editions[0];
  if (shown && !editions.some((e) => editionId(e) === editionId(shown))) editions.push(shown);
  return editions.map((edition) => {
    const plain = edition.frequency === 'daily' && edition.topics.length === 0;
    const label = `${edition.frequency === 'weekly' ? 'Weekly' : 'Daily'}${edition.topics.length ? `: ${edition.topics.join(', ')}` : ''}`;
    const href = `${path}${searchOf({ ...query, edition: plain ? undefined : edition })}`;
    return { label, href, current: shown !== undefined && editionId(edition) === editionId(shown) };
  });
}

/** The query string the pages carry forward: only what the user chose. */
function searchOf(query: PreviewQuery): string {
  const params = new URLSearchParams();
  if (query.tz) params.set('tz', query.tz);
  if (query.top) params.set('top', String(query.top));
  if (query.edition?.frequency === 'weekly') params.set('edition', 'weekly');
  if (query.edition?.topics.length) params.set('topics', query.edition.topics.join(','));
  const s = params.toString();
  return s ? `?${s}` : '';
}

async function renderIndex(ctx: HandlerContext, tz: string, top: number, query: PreviewQuery) {
  const version = ctx.cache.version;
  let error: ErrorView | undefined;
  let days: ArticleDay[] = [];
  try {
    days = await ctx.cache.days(tz);
  } catch (cause) {
    error = describeError(cause, ctx.cwd);
  }
  const rows: IndexRow[] = days.map((day) => {
    const summary = ctx.cache.summary(day.date, tz, top);
    if (!summary) return { ...day, pending: true };
    if (summary.ok) return { ...day, items: summary.items, headline: summary.headline };
    // Days usually fail for the same reason (a template error): show the first one.
    error ??= describeError(summary.error, ctx.cwd);
    return { ...day };
  });
  const pending = rows.filter((r) => r.pending).map((r) => r.date);
  if (pending.length > 0) {
    // Answer now with what is known; build the rest in the background and tell the page when done.
    void ctx.cache.warm(pending, tz, top).then((built) => {
      if (built === ctx.cache.version) ctx.hub.built(built);
    });
  }
  return indexPage({
    rows,
    timeZone: tz,
    brand: ctx.config.title,
    version,
    search: searchOf(query),
    // The editions of the newest day: the daily, the weekly that ends on it, and topic dailies.
    editions: days[0]
      ? editionLinks(ctx, `/digest/${days[0].date}`, { ...query, edition: undefined }).map((e) => ({
          ...e,
          current: false,
        }))
      : undefined,
    content: ctx.config.content,
    templates: ctx.config.templates,
    error,
  });
}

async function renderDigestPage(
  ctx: HandlerContext,
  date: string,
  tz: string,
  top: number,
  query: PreviewQuery,
) {
  const version = ctx.cache.version;
  const [outcome, days] = await Promise.all([
    ctx.cache.day(date, tz, top, query.edition),
    ctx.cache.days(tz).catch(() => [] as ArticleDay[]),
  ]);
  // Days are newest first: the previous day is the first older one, the next the last newer one.
  const prev = days.find((d) => d.date < date)?.date;
  const next = days.filter((d) => d.date > date).at(-1)?.date;
  return digestPage({
    date,
    timeZone: tz,
    brand: ctx.config.title,
    version,
    search: searchOf(query),
    editions: editionLinks(ctx, `/digest/${date}`, query),
    prev,
    next,
    outcome,
    error: outcome.ok ? undefined : describeError(outcome.error, ctx.cwd),
    ...(outcome.ok ? headersOf(ctx, outcome.build.result) : {}),
  });
}

/** The headers `send` would write, or why sending this digest would fail. */
function headersOf(
  ctx: HandlerContext,
  result: BuildResult,
): { headers?: [string, string][]; sendError?: ErrorView } {
  if (!result.rendered) return {};
  try {
    return { headers: ctx.headers(result) };
  } catch (error) {
    return { sendError: describeError(error, ctx.cwd) };
  }
}

async function sendRaw(
  ctx: HandlerContext,
  res: ServerResponse,
  date: string,
  format: 'html' | 'txt' | 'json',
  tz: string,
  top: number,
  query: PreviewQuery,
) {
  const { dark } = query;
  const outcome = await ctx.cache.day(date, tz, top, query.edition);
  if (!outcome.ok) {
    sendText(res, 500, describeError(outcome.error, ctx.cwd).messages.join('\n'));
    return;
  }
  const { result, web } = outcome.build;
  if (format === 'json') {
    send(res, 200, 'application/json; charset=utf-8', reportText(result));
    return;
  }
  if (!web) {
    sendText(res, 404, `no digest for ${date} (${tz}): no articles that day`);
    return;
  }
  if (format === 'txt') send(res, 200, 'text/plain; charset=utf-8', web.text);
  else send(res, 200, HTML, dark ? emulateDarkScheme(web.html) : web.html, EMAIL_CSP);
}
