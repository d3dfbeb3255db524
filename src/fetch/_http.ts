/** How a feed is requested. */
export interface HttpOptions {
  /** The whole request, redirects and body included, ms. Default 20000. */
  timeoutMs: number;
  /** Largest body (after gzip/brotli decoding) read, bytes. Default 5 MB. */
  maxBytes: number;
  /** Sent as User-Agent. */
  userAgent: string;
}

export const HTTP_DEFAULTS = { timeoutMs: 20_000, maxBytes: 5 * 1024 * 1024 } as const;

/** Most redirects followed for one feed. */
export const MAX_REDIRECTS = 5;

/** Stored validators for a conditional GET. */
export interface Validators {
  etag?: string;
  lastModified?: string;
}

export type HttpResult =
  | {
      kind: 'ok';
      status: 200;
      bytes: Uint8Array;
      contentType?: string;
      /** Where the body came from, after redirects. */
      finalUrl: string;
      /** The URL to use from now on when the first redirects were all permanent (301/308). */
      movedTo?: string;
      etag?: string;
      lastModified?: string;
    }
  | { kind: 'not-modified'; status: 304; finalUrl: string; movedTo?: string }
  | { kind: 'failed'; status?: number; error: string; retryAfterMs?: number };

const ACCEPT =
  'application/rss+xml, application/atom+xml, application/feed+json, application/rdf+xml;q=0.9, application/xml;q=0.9, text/xml;q=0.8, application/json;q=0.8, */*;q=0.5';

/**
 * GET a feed as a good citizen: a User-Agent naming the tool, If-None-Match/If-Modified-Since from
 * the last success, gzip/brotli, at most 5 redirects (a chain that starts with permanent ones
 * reports where it moved), one deadline for the whole exchange and a cap on the body size.
 * Never throws: a failure comes back with its status or cause in words.
 */
export async function getFeed(
  url: string,
  validators: Validators,
  options: HttpOptions,
  fetchImpl: typeof fetch = fetch,
): Promise<HttpResult> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), options.timeoutMs);
  try {
    return await follow(url, validators, options, controller.signal, fetchImpl);
  } catch (error) {
    if (controller.signal.aborted) {
      return { kind: 'failed', error: `no complete answer within ${seconds(options.timeoutMs)}` };
    }
    return { kind: 'failed', error: networkError(error) };
  } finally {
    clearTimeout(timer);
  }
}

async function follow(
  url: string,
  validators: Validators,
  options: HttpOptions,
  signal: AbortSignal,
  fetchImpl: typeof fetch,
): Promise<HttpResult> {
  let current = url;
  let movedTo: string | undefined;
  let allPermanent = true;
  for (let hop = 0; ; hop++) {
    const headers: Record<string, string> = {
      'user-agent': options.userAgent,
      accept: ACCEPT,
      'accept-encoding': 'gzip, deflate, br',
    };
    if (validators.etag) headers['if-none-match'] = validators.etag;
    if (validators.lastModified) headers['if-modified-since'] = validators.lastModified;
    const response = await fetchImpl(current, { headers, redirect: 'manual', signal });
    const location = response.headers.get('location');
    if ([301, 302, 303, 307, 308].includes(response.status) && location) {
      await response.body?.cancel();
      if (hop >= MAX_REDIRECTS) {
        return { kind: 'failed', status: response.status, error: `more than ${MAX_REDIRECTS} redirects` };
      }
      const next = new URL(location, current).href;
      if (!/^https?:/.test(next)) return { kind: 'failed', error: `redirected to ${next}, not http(s)` };
      allPermanent &&= response.status === 301 || response.status === 308;
      if (allPermanent) movedTo = next;
      current = next;
      continue;
    }
    const moved = movedTo === undefined ? {} : { movedTo };
    if (response.status === 304) {
      await response.body?.cancel();
      return { kind: 'not-modified', status: 304, finalUrl: current, ...moved };
    }
    if (response.status !== 200) {
      await response.body?.cancel();
      const retry = retryAfterMs(response.headers.get('retry-after'), Date.now());
      return {
        kind: 'failed',
        status: response.status,
        error: `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`,
        ...(retry !== undefined && (response.status === 429 || response.status === 503)
          ? { retryAfterMs: retry }
          : {}),
        ...(response.status === 429 && retry === undefined ? { retryAfterMs: DEFAULT_429_WAIT_MS } : {}),
      };
    }
    const declared = Number(response.headers.get('content-length') ?? Number.NaN);
    const encoded = response.headers.get('content-encoding');
    // Content-Length counts the compressed bytes; only an identity body can be refused before reading.
    if (!encoded && declared > options.maxBytes) {
      await response.body?.cancel();
      return { kind: 'failed', status: 200, error: tooLarge(options.maxBytes, declared) };
    }
    const bytes = await readCapped(response, options.maxBytes);
    if (!bytes) return { kind: 'failed', status: 200, error: tooLarge(options.maxBytes) };
    const result: HttpResult = { kind: 'ok', status: 200, bytes, finalUrl: current, ...moved };
    const contentType = response.headers.get('content-type');
    const etag = response.headers.get('etag');
    const lastModified = response.headers.get('last-modified');
    if (contentType) result.contentType = contentType;
    if (etag) result.etag = etag;
    if (lastModified) result.lastModified = lastModified;
    return result;
  }
}

/** A 429 without Retry-After still waits this long before the next try. Default 10 minutes. */
export const DEFAULT_429_WAIT_MS = 10 * 60_000;
/** A Retry-After longer than this is capped (a server's typo must not silence a feed for a year). Default 1 day. */
export const MAX_RETRY_AFTER_MS = 24 * 3_600_000;

/** Retry-After as ms from `now`: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(value: string | null, now: number): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const text = value.trim();
  const ms = /^\d+$/.test(text) ? Number(text) * 1000 : Date.parse(text) - now;
  if (!Number.isFinite(ms)) return undefined;
  return Math.min(Math.max(0, ms), MAX_RETRY_AFTER_MS);
}

/** The body, or undefined as soon as it passes `max` bytes (the rest is not downloaded). */
async function readCapped(response: Response, max: number): Promise<Uint8Array | undefined> {
  if (!response.body) return new Uint8Array();
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel();
      return undefined;
    }
    chunks.push(value);
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
}

function tooLarge(max: number, declared?: number): string {
  const limit = `the ${(max / 1024 / 1024).toFixed(1).replace(/\.0$/, '')} MB limit`;
  return declared === undefined
    ? `the feed is larger than ${limit}`
    : `the feed is ${declared} bytes, over ${limit}`;
}

function seconds(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`;
}

/** undici's "fetch failed" with the cause that says something (ECONNREFUSED, ENOTFOUND, a TLS error). */
function networkError(error: unknown): string {
  const cause =
    error instanceof Error ? (error.cause as { code?: string; message?: string } | undefined) : undefined;
  if (cause?.code) return `${cause.code}${cause.message ? `: ${cause.message}` : ''}`;
  return error instanceof Error ? error.message : String(error);
}
