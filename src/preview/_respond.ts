import type { ServerResponse } from 'node:http';
import { rawBadRequest } from '../http/index.js';

/** Preview pages: own scripts and styles only; the email frame is same-origin; nothing embeds us. */
export const PAGE_CSP =
  "default-src 'self'; img-src 'self' data:; frame-src 'self'; object-src 'none'; base-uri 'none'; " +
  "form-action 'none'; frame-ancestors 'none'";

/**
 * The email itself: no script at all, inline styles and remote images as a mail client would load
 * them, and a CSP sandbox so even opened on its own (not in the frame) nothing in it can run.
 */
export const EMAIL_CSP =
  "default-src 'none'; img-src http: https: data:; style-src 'unsafe-inline'; font-src http: https: data:; " +
  "base-uri 'none'; form-action 'none'; frame-ancestors 'self'; sandbox";

/** Text, JSON and error answers: nothing to load, nothing to run. */
export const DATA_CSP = "default-src 'none'; frame-ancestors 'self'; sandbox";

const BASE_HEADERS: Record<string, string> = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

/** Send a complete answer with the safety headers every response carries. */
export function send(
  res: ServerResponse,
  status: number,
  type: string,
  body: string,
  csp: string = DATA_CSP,
  extra: Record<string, string> = {},
): void {
  const framing = csp === PAGE_CSP ? 'DENY' : 'SAMEORIGIN';
  res.writeHead(status, {
    ...BASE_HEADERS,
    'Content-Type': type,
    'Content-Length': String(Buffer.byteLength(body)),
    'Content-Security-Policy': csp,
    'X-Frame-Options': framing,
    ...extra,
  });
  res.end(body);
}

/** A short plain-text answer, e.g. for 400/404/500. */
export function sendText(res: ServerResponse, status: number, text: string): void {
  send(res, status, 'text/plain; charset=utf-8', `${text}\n`);
}

/** The raw bytes of a 400 for requests Node's parser rejects before any handler sees them. */
export const RAW_BAD_REQUEST = rawBadRequest({
  'X-Content-Type-Options': 'nosniff',
  'Content-Security-Policy': DATA_CSP,
});
