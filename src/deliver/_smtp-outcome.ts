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
 * `blame` says whose problem it is (see blameOf): only the sender's count toward stopping the run.
 */
export function classifySmtpError(error: SmtpErrorLike, body: BodyProgress): DeliveryOutcome {
  const reply = (error.response ?? error.message ?? String(error)).trim();
  const code = error.responseCode;
  const blame = blameOf(typeof code === 'number' ? code : undefined, reply);
  const answered = typeof code === 'number' && code >= 400 && code < 600;
  // A refused login or TLS says nothing about the recipient: temporary for them, fatal for the run.
  if (error.code && FATAL_CODES.has(error.code)) {
    return { state: 'failed_temp', ...(answered ? { code } : {}), reply, fatal: true, blame: 'sender' };
  }
  if (answered) {
    const permanent = code >= 500 && code !== 503;
    return { state: permanent ? 'failed_perm' : 'failed_temp', code, reply, blame };
  }
  if (body === 'all')
    return { state: 'unknown', reply: `no answer after the whole message was sent: ${reply}`, blame };
  return { state: 'failed_temp', reply, blame };
}

/** The enhanced status code (RFC 3463) after the reply code, e.g. [5, 1, 1] for `550 5.1.1 no such user`. */
export function enhancedStatus(reply: string): [number, number, number] | undefined {
  const match = /^\d{3}[ -]([245])\.(\d{1,3})\.(\d{1,3})(?!\d)/.exec(reply);
  return match ? [Number(match[1]), Number(match[2]), Number(match[3])] : undefined;
}

/**
 * Whose problem a failed attempt is, from its reply (RFC 3463 enhanced status codes first):
 * - `recipient`: this address or its mailbox (x.1.x addressing, x.2.x mailbox status such as
 *   4.2.2 mailbox full), a temporary refusal by the recipient's domain (x.4.x routing, 4.7.x
 *   greylisting, a bare 450/451/452), or a bare 550/551/553 (mailbox unavailable). Never a reason
 *   to stop the run: other recipients are not affected.
 * - `sender`: what will fail every message the same way: 421 (the server is closing), 5.7.x
 *   policy blocks, x.3.x (the server's own system), x.5.x protocol, x.6.x content, 53x
 *   authentication, a bare 554, and no answer at all (connection refused, dropped, timed out).
 *   Only these count toward `maxConsecutiveFailures`.
 */
export function blameOf(code: number | undefined, reply: string): 'recipient' | 'sender' {
  if (code === undefined || code === 421) return 'sender';
  const status = enhancedStatus(reply);
  if (status) {
    const [kind, subject] = status;
    if (subject === 1 || subject === 2 || subject === 4) return 'recipient';
    if (subject === 7) return kind === 4 ? 'recipient' : 'sender';
    return 'sender';
  }
  return [450, 451, 452, 550, 551, 553].includes(code) ? 'recipient' : 'sender';
}

/** The reply code at the start of an SMTP answer, e.g. 250 for `250 2.0.0 OK`. */
export function replyCode(response: string | undefined): number | undefined {
  const match = /^(\d{3})/.exec(response ?? '');
  return match ? Number(match[1]) : undefined;
}
