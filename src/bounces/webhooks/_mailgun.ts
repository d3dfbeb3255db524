import { findStatus } from '../_rules.js';
import {
  jsonBody,
  objectField,
  type ProviderEvent,
  type Received,
  refused,
  stringField,
  type WebhookProvider,
  type WebhookRequest,
} from './_types.js';
import { hmacHex, type ReplayGuard, sameSecret, timestampProblem } from './_verify.js';

/** How the Mailgun endpoint checks requests. */
export interface MailgunOptions {
  /** MAILGUN_WEBHOOK_SIGNING_KEY: Mailgun's "HTTP webhook signing key". */
  signingKey: string;
  /** Oldest (or most future) signature timestamp accepted, seconds. */
  maxAgeSeconds: number;
  /** Tokens already used. */
  replays: ReplayGuard;
}

/**
 * `POST /webhooks/mailgun`: Mailgun's JSON webhooks. The `signature` object's HMAC-SHA256 of
 * timestamp + token with the signing key must match (401 otherwise), its timestamp be within
 * `maxAgeSeconds` and its token unused. Events: `failed` (severity permanent: hard, temporary:
 * soft) and `complained`; any other event is ignored.
 */
export function mailgunProvider(options: MailgunOptions): WebhookProvider {
  const tokenOf = (request: WebhookRequest) =>
    stringField(objectField(jsonBody(request), 'signature'), 'token');
  return {
    async receive(request: WebhookRequest, now: Date): Promise<Received> {
      const body = jsonBody(request);
      if (body === undefined) {
        return refused(
          400,
          'the body is not JSON; set the webhook in Mailgun (JSON webhooks, not the legacy form posts)',
        );
      }
      const signature = objectField(body, 'signature');
      const timestamp = stringField(signature, 'timestamp');
      const token = stringField(signature, 'token');
      const given = stringField(signature, 'signature');
      if (!timestamp || !token || !given)
        return refused(401, 'no signature object (timestamp, token, signature)');
      if (!sameSecret(given.toLowerCase(), hmacHex(options.signingKey, timestamp + token))) {
        return refused(401, 'the signature does not match (check MAILGUN_WEBHOOK_SIGNING_KEY)');
      }
      const stale = timestampProblem(timestamp, now, options.maxAgeSeconds);
      if (stale) return refused(401, stale);
      const expires = (Number(timestamp) + options.maxAgeSeconds) * 1000;
      if (!options.replays.claim(`mailgun:${token}`, expires, now.getTime())) {
        return refused(401, 'this signature token was used already (a replay)');
      }
      const event = mailgunEvent(objectField(body, 'event-data'), now.getTime());
      return { ok: true, events: event ? [event] : [], unrecognised: [], ignored: event ? 0 : 1 };
    },
    release(request) {
      const token = tokenOf(request);
      if (token) options.replays.release(`mailgun:${token}`);
    },
  };
}

/** The BounceEvent of one Mailgun `event-data` object, or undefined for events not acted on. */
export function mailgunEvent(
  data: Record<string, unknown> | undefined,
  nowMs: number,
): ProviderEvent | undefined {
  const event = stringField(data, 'event');
  const email = stringField(data, 'recipient');
  const id = stringField(data, 'id');
  if (!data || !email || !id || (event !== 'failed' && event !== 'complained')) return undefined;
  const seconds = Number(data.timestamp);
  const at = Number.isFinite(seconds) && seconds > 0 ? Math.round(seconds * 1000) : nowMs;
  // Mailgun gives the Message-ID without its angle brackets, and the envelope sender (VERP).
  const messageId = stringField(objectField(objectField(data, 'message'), 'headers'), 'message-id');
  const hints = {
    returnPath: stringField(objectField(data, 'envelope'), 'sender'),
    messageId: messageId && !messageId.startsWith('<') ? `<${messageId}>` : messageId,
  };
  const base = { email, source: 'mailgun', sourceId: `mailgun:${id}`, at, hints };
  if (event === 'complained') return { ...base, kind: 'complaint', diagnostic: 'complaint' };
  const severity = stringField(data, 'severity');
  if (severity !== 'permanent' && severity !== 'temporary') return undefined;
  const status = objectField(data, 'delivery-status');
  const diagnostic =
    stringField(status, 'description') ?? stringField(status, 'message') ?? stringField(data, 'reason');
  const enhanced = stringField(status, 'enhanced-code');
  return {
    ...base,
    kind: severity === 'permanent' ? 'hard' : 'soft',
    status: enhanced && /^[245]\.\d{1,3}\.\d{1,3}$/.test(enhanced) ? enhanced : findStatus(diagnostic),
    diagnostic,
  };
}
