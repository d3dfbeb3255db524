import type { BounceEvent } from '../_event.js';
import { findStatus } from '../_rules.js';
import {
  header,
  type Received,
  refused,
  stringField,
  timeOf,
  type WebhookProvider,
  type WebhookRequest,
} from './_types.js';
import { sameSecret } from './_verify.js';

/** How the Postmark endpoint checks requests. */
export interface PostmarkOptions {
  /** POSTMARK_WEBHOOK_USER and POSTMARK_WEBHOOK_PASSWORD: the basic-auth credentials in the webhook URL. */
  user: string;
  password: string;
}

// Postmark's bounce Types (its "Bounce types" list): what this tool does with each. The rest
// (AutoResponder, Unsubscribe, Subscribe, AddressChange, Blocked, ChallengeVerification,
// ManuallyDeactivated, SMTPApiError, InboundError, DMARCPolicy...) are ignored: they say nothing
// about whether the address works.
const KINDS: Record<string, BounceEvent['kind']> = {
  HardBounce: 'hard',
  BadEmailAddress: 'hard',
  SoftBounce: 'soft',
  Transient: 'soft',
  DnsError: 'soft',
  SpamComplaint: 'complaint',
};

const CHALLENGE = { 'WWW-Authenticate': 'Basic realm="webhooks", charset="UTF-8"' };

/**
 * `POST /webhooks/postmark`: Postmark's Bounce and SpamComplaint webhooks, authenticated with
 * HTTP basic auth (the user and password put into the webhook URL in Postmark), compared in
 * constant time. Bounce Types: HardBounce and BadEmailAddress are hard; SoftBounce, Transient and
 * DnsError soft; SpamComplaint a complaint; others ignored.
 */
export function postmarkProvider(options: PostmarkOptions): WebhookProvider {
  return {
    async receive(request: WebhookRequest, now: Date): Promise<Received> {
      const auth = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header(request, 'authorization') ?? '');
      if (!auth) return refused(401, 'no basic-auth credentials', CHALLENGE);
      const decoded = Buffer.from(auth[1] as string, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      const user = colon < 0 ? decoded : decoded.slice(0, colon);
      const password = colon < 0 ? '' : decoded.slice(colon + 1);
      // Both compared, always, so the time taken says nothing about which one was wrong.
      const userOk = sameSecret(user, options.user);
      const passwordOk = sameSecret(password, options.password);
      if (!userOk || !passwordOk) return refused(401, 'wrong basic-auth credentials', CHALLENGE);
      const body = parsePostmark(request.body.toString('utf8'));
      if (body === undefined) return refused(400, 'the body is not a JSON object');
      const event = postmarkEvent(body, now.getTime());
      return { ok: true, events: event ? [event] : [], unrecognised: [], ignored: event ? 0 : 1 };
    },
  };
}

/**
 * The body as JSON, with a top-level-looking `"ID": <digits>` kept as text: Postmark's bounce ids
 * are 64-bit and JSON.parse would round two different ones to the same number.
 */
export function parsePostmark(text: string): Record<string, unknown> | undefined {
  try {
    const parsed = JSON.parse(text.replace(/(?<!\\)"ID"(\s*):(\s*)(\d+)/g, '"ID"$1:$2"$3"'));
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** The BounceEvent of one Postmark Bounce or SpamComplaint record, or undefined when not acted on. */
export function postmarkEvent(body: Record<string, unknown>, nowMs: number): BounceEvent | undefined {
  const record = stringField(body, 'RecordType');
  const type = stringField(body, 'Type');
  const email = stringField(body, 'Email');
  const id = stringField(body, 'ID');
  if (!email || !id || (record !== 'Bounce' && record !== 'SpamComplaint')) return undefined;
  const kind = record === 'SpamComplaint' ? 'complaint' : KINDS[type ?? ''];
  if (!kind) return undefined;
  const details = stringField(body, 'Details');
  const diagnostic = details ?? stringField(body, 'Description');
  return {
    email,
    kind,
    status: kind === 'complaint' ? undefined : findStatus(details),
    diagnostic: diagnostic ?? type,
    source: 'postmark',
    sourceId: `postmark:${id}`,
    at: timeOf(body.BouncedAt, nowMs),
  };
}
