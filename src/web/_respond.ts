import type { ServerResponse } from 'node:http';
import { rawBadRequest } from '../http/index.js';

/** Pages of the server itself: its one stylesheet, forms that post to itself, nothing else. */
export const PAGE_CSP =
  "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; " +
  "frame-ancestors 'none'";

/**
 * The web copy of a digest: email HTML, so inline styles and remote images as a mail client would
 * load them, but no script of any kind and no forms.
 */
export const ARCHIVE_CSP =
  "default-src 'none'; img-src https: http: data:; style-src 'unsafe-inline'; font-src https: data:; " +
  "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** Text, CSS and error answers: nothing to load, nothing to run. */
export const DATA_CSP = "default-src 'none'; frame-ancestors 'none'; sandbox";

/** Pages with a token in their URL or their forms: never stored by a browser or proxy. */
export const NO_STORE = 'no-store';
/** Public pages that change at most once a day. */
export const SHORT_CACHE = 'public, max-age=300';

// Every answer carries these. no-referrer keeps the token in an unsubscribe URL from leaking to
// any site a reader goes on to; DENY and frame-ancestors stop a page from framing the buttons.
const BASE_HEADERS: Record<string, string> = {
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

/** What one answer is made of. */
export interface Answer {
  status: number;
  type: string;
  body: string;
  csp?: string;
  cache?: string;
  headers?: Record<string, string>;
}

/** Send a complete answer (headers only for HEAD) with the safety headers every response carries. */
export function send(res: ServerResponse, answer: Answer, head = false): void {
  const body = Buffer.from(answer.body, 'utf8');
  res.writeHead(answer.status, {
    ...BASE_HEADERS,
    'Content-Type': answer.type,
    'Content-Length': String(body.length),
    'Content-Security-Policy': answer.csp ?? DATA_CSP,
    'Cache-Control': answer.cache ?? NO_STORE,
    ...answer.headers,
  });
  res.end(head ? undefined : body);
}

/** One of the server's own HTML pages: its CSP, never stored. */
export function pageAnswer(status: number, body: string, extra: Partial<Answer> = {}): Answer {
  return { status, type: 'text/html; charset=utf-8', body, csp: PAGE_CSP, cache: NO_STORE, ...extra };
}

/** A short plain-text answer, e.g. for 404, 405, 413. */
export function textAnswer(status: number, text: string, headers: Record<string, string> = {}): Answer {
  return { status, type: 'text/plain; charset=utf-8', body: `${text}\n`, headers };
}

/** The raw bytes of a 400 for requests Node's parser rejects before any handler sees them. */
export const RAW_BAD_REQUEST = rawBadRequest({
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Content-Security-Policy': DATA_CSP,
});
