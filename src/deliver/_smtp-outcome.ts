import type { DeliveryOutcome } from './_transport.js';

/** How much of a message the SMTP client had handed on when its attempt ended. */
export type BodyProgress = 'none' | 'partial' | 'all';

/** The parts of a nodemailer error that decide what became of the message. */
export interface SmtpErrorLike {
  message?: string;
  code?: string;
  responseCode?: number;
  response?: string;
  command?: string;
}

// Errors that will fail every message of the run the same way: stop instead of burning through the list.
const FATAL_CODES = new Set(['EAUTH', 'ENOAUTH', 'EOAUTH2', 'ETLS', 'EREQUIRETLS', 'ECONFIG', 'EPROXY']);

/**
 * Classify a failed attempt:
 * - the server answered 4xx (or 503) -> failed_temp, retried with backoff; 5xx -> failed_perm;
 * - no answer and the message never (fully) left -> failed_temp: the server can't have accepted a
 *   message without its final dot, so resending can't make a duplicate;
 * - no answer after the whole message left -> unknown: the server may have taken it.
 */
export function classifySmtpError(error: SmtpErrorLike, body: BodyProgress): DeliveryOutcome {
  const reply = (error.response ?? error.message ?? String(error)).trim();
  const code = error.responseCode;
  if (typeof code === 'number' && code >= 400 && code < 600) {
    const permanent = code >= 500 && code !== 503;
    return { state: permanent ? 'failed_perm' : 'failed_temp', code, reply };
  }
  if (error.code && FATAL_CODES.has(error.code)) return { state: 'failed_temp', reply, fatal: true };
  if (body === 'all')
    return { state: 'unknown', reply: `no answer after the whole message was sent: ${reply}` };
  return { state: 'failed_temp', reply };
}

/** The reply code at the start of an SMTP answer, e.g. 250 for `250 2.0.0 OK`. */
export function replyCode(response: string | undefined): number | undefined {
  const match = /^(\d{3})/.exec(response ?? '');
  return match ? Number(match[1]) : undefined;
}
