import { DigestError } from '../errors.js';
import type { FetchStateStore } from '../store/_fetch-state.js';
import { type ArticleFile, type FeedSource, itemToArticle } from './_article.js';
import { decodeFeed } from './_decode.js';
import { getFeed, type HttpOptions } from './_http.js';
import { parseFeedText } from './_parse.js';
import { writeNewFile } from './_write.js';

/** Everything one `digest fetch` needs; the clock, the network and the database come in from the edge. */
export interface FetchRequest {
  sources: FeedSource[];
  /** Absolute content folder; files go to `<contentDir>/<feed-slug>/<date>-<slug>.md`. */
  contentDir: string;
  /** IANA zone of the `<date>` in file names (the digest's zone). */
  timeZone: string;
  now: () => Date;
  http: HttpOptions;
  state: FetchStateStore;
  fetchImpl?: typeof fetch;
  /** Feeds fetched at once. Default 4. */
  concurrency?: number;
}

/** What happened to one feed. */
export interface FeedReport {
  url: string;
  /** `written` new items, `unchanged` (200, nothing new), `not-modified` (304), `waiting` (Retry-After), `failed`. */
  outcome: 'written' | 'unchanged' | 'not-modified' | 'waiting' | 'failed';
  status?: number;
  /** Files written, relative to the content folder. */
  written: string[];
  /** Items already written by an earlier fetch. */
  seen: number;
  /** Items whose id came earlier in the same feed (a repeated guid): written once. */
  repeated: number;
  /** Items that could not be used, each with the reason. */
  skipped: string[];
  /** Items that had no usable date (written with the fetch time). */
  undated: number;
  error?: string;
  /** The feed moved permanently: fetched from here from now on. */
  movedTo?: string;
  format?: string;
  charset?: string;
}

export interface FetchReport {
  feeds: FeedReport[];
  written: number;
  failed: number;
}

/**
 * Fetch every feed and write one article file per item not written before:
 * 1. skip a feed whose server asked to wait (429/503 Retry-After) until then;
 * 2. GET it (conditional, redirects, deadline, size cap: getFeed) from where it moved to;
 * 3. decode the bytes (declared charset, else UTF-8, else windows-1252: decodeFeed);
 * 4. parse and normalise the items (parseFeedText), map each to an article (itemToArticle);
 * 5. drop ids already written (the database) or repeated in the feed, write the rest (writeNewFile);
 * 6. record the outcome: validators and permanent URL on success, the error on failure.
 * One feed's failure is reported in its FeedReport; the others go on.
 */
export async function fetchFeeds(request: FetchRequest): Promise<FetchReport> {
  const reports: FeedReport[] = new Array(request.sources.length);
  let next = 0;
  const worker = async () => {
    while (next < request.sources.length) {
      const index = next++;
      const source = request.sources[index] as FeedSource;
      reports[index] = await fetchOne(source, request);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, request.concurrency ?? 4) }, worker));
  return {
    feeds: reports,
    written: reports.reduce((n, r) => n + r.written.length, 0),
    failed: reports.filter((r) => r.outcome === 'failed').length,
  };
}

async function fetchOne(source: FeedSource, request: FetchRequest): Promise<FeedReport> {
  const { state } = request;
  const report: FeedReport = {
    url: source.url,
    outcome: 'failed',
    written: [],
    seen: 0,
    repeated: 0,
    skipped: [],
    undated: 0,
  };
  const known = await state.get(source.url);
  const started = request.now().getTime();
  if (known?.retryAfterUntil !== undefined && known.retryAfterUntil > started) {
    report.outcome = 'waiting';
    report.error = `the server asked not to fetch before ${new Date(known.retryAfterUntil).toISOString()}`;
    return report;
  }
  const target = known?.currentUrl ?? source.url;
  const http = await getFeed(target, known ?? {}, request.http, request.fetchImpl);
  const at = () => request.now().getTime();
  if (http.kind === 'failed') {
    if (http.status !== undefined) report.status = http.status;
    report.error = http.error;
    await state.failed(
      source.url,
      {
        error: http.error,
        ...(http.status === undefined ? {} : { status: http.status }),
        ...(http.retryAfterMs === undefined ? {} : { retryAfterUntil: at() + http.retryAfterMs }),
      },
      at(),
    );
    return report;
  }
  report.status = http.status;
  if (http.movedTo) report.movedTo = http.movedTo;
  if (http.kind === 'not-modified') {
    report.outcome = 'not-modified';
    await state.succeeded(
      source.url,
      { status: 304, ...(http.movedTo ? { currentUrl: http.movedTo } : {}) },
      at(),
    );
    return report;
  }
  const decoded = decodeFeed(http.bytes, http.contentType);
  report.charset = decoded.charset;
  let parsed: ReturnType<typeof parseFeedText>;
  try {
    parsed = parseFeedText(decoded.text, http.finalUrl);
  } catch (error) {
    report.error = notAFeed(decoded.text, http.contentType, error);
    await state.failed(source.url, { status: 200, error: report.error }, at());
    return report;
  }
  report.format = parsed.feed.format;
  const files: ArticleFile[] = [];
  const ids = new Set<string>();
  for (const item of parsed.items) {
    const mapped = itemToArticle(item, parsed.feed, source, {
      now: request.now(),
      timeZone: request.timeZone,
    });
    if ('skipped' in mapped) {
      report.skipped.push(mapped.skipped);
      continue;
    }
    if (ids.has(mapped.file.id)) {
      report.repeated++;
      continue;
    }
    ids.add(mapped.file.id);
    files.push(mapped.file);
  }
  const seen = await state.seen(source.url, [...ids]);
  for (const file of files) {
    if (seen.has(file.id)) {
      report.seen++;
      continue;
    }
    let path: string;
    try {
      path = await writeNewFile(request.contentDir, file.path, file.text);
    } catch (cause) {
      throw new DigestError('E_IO', `can't write ${file.path} in the content folder`, {
        file: request.contentDir,
        hint: 'check that the content folder is writable',
        cause,
      });
    }
    await state.written(source.url, file.id, path, at());
    report.written.push(path);
    if (file.fields.note) report.undated++;
  }
  report.outcome = report.written.length > 0 ? 'written' : 'unchanged';
  await state.succeeded(
    source.url,
    {
      status: 200,
      ...(http.movedTo ? { currentUrl: http.movedTo } : {}),
      ...(http.etag ? { etag: http.etag } : {}),
      ...(http.lastModified ? { lastModified: http.lastModified } : {}),
    },
    at(),
  );
  return report;
}

/** Why a 200 answer is not a feed, in words a user can act on. */
function notAFeed(text: string, contentType: string | undefined, error: unknown): string {
  const type = contentType ? ` (Content-Type ${contentType.split(';')[0]})` : '';
  if (/^\s*(<!doctype html|<html)/i.test(text)) {
    return `the answer is an HTML page, not a feed${type}: use the address of the RSS, Atom or JSON feed itself (the page's <link rel="alternate"> names it)`;
  }
  const reason = error instanceof Error ? error.message : String(error);
  return `not an RSS, Atom or JSON feed${type}: ${reason}`;
}
