import type { BounceEvent } from '../_event.js';
import {
  header,
  jsonBody,
  type Received,
  refused,
  type WebhookProvider,
  type WebhookRequest,
} from './_types.js';
import { hmacHex, type ReplayGuard, sameSecret, timestampProblem } from './_verify.js';

/** How the generic endpoint checks requests. */
export interface GenericOptions {
  /** DIGEST_WEBHOOK_SECRET. */
  secret: string;
  /** Oldest (or most future) X-Digest-Timestamp accepted, seconds. */
  maxAgeSeconds: number;
  /** Signatures already used. */
  replays: ReplayGuard;
}

/** Most events in one request. */
export const MAX_GENERIC_EVENTS = 1000;

const KINDS = new Set(['hard', 'soft', 'complaint']);

/**
 * `POST /webhooks/generic`: `{ "events": [...] }`, each event in the shape of BounceEvent (see
 * docs/webhooks.md), from any system that can sign a request. Headers: `X-Digest-Timestamp` (Unix
 * seconds, within `maxAgeSeconds`) and `X-Digest-Signature: sha256=<hex HMAC-SHA256 of
 * "<timestamp>.<raw body>" with DIGEST_WEBHOOK_SECRET>`; the timestamp is signed so that an old
 * request cannot be replayed with a new one, and a signature is accepted once.
 * One bad event refuses the whole request (400), so a batch is never half recorded.
 */
export function genericProvider(options: GenericOptions): WebhookProvider {
  return {
    async receive(request: WebhookRequest, now: Date): Promise<Received> {
      const timestamp = header(request, 'x-digest-timestamp');
      const given = /^sha256=([0-9a-f]{64})$/i.exec(header(request, 'x-digest-signature') ?? '')?.[1];
      if (!timestamp || !given) {
        return refused(401, 'X-Digest-Timestamp and X-Digest-Signature: sha256=<hex> are required');
      }
      const expected = hmacHex(options.secret, Buffer.concat([Buffer.from(`${timestamp}.`), request.body]));
      if (!sameSecret(given.toLowerCase(), expected)) {
        return refused(401, 'the signature does not match (check DIGEST_WEBHOOK_SECRET)');
      }
      const stale = timestampProblem(timestamp, now, options.maxAgeSeconds);
      if (stale) return refused(401, stale);
      const parsed = genericEvents(jsonBody(request), now.getTime());
      if (typeof parsed === 'string') return refused(400, parsed);
      const expires = (Number(timestamp) + options.maxAgeSeconds) * 1000;
      if (!options.replays.claim(`generic:${expected}`, expires, now.getTime())) {
        return refused(401, 'this signature was used already (a replay)');
      }
      return { ok: true, events: parsed, unrecognised: [], ignored: 0 };
    },
    release(request) {
      const timestamp = header(request, 'x-digest-timestamp') ?? '';
      const signed = hmacHex(options.secret, Buffer.concat([Buffer.from(`${timestamp}.`), request.body]));
      options.replays.release(`generic:${signed}`);
    },
  };
}

/**
 * The events of a generic request body, or what is wrong with it (naming the event and field).
 * Each: `email`, `kind` (hard|soft|complaint) and `sourceId` required; `status`, `diagnostic`,
 * `digestKey` optional; `at` as epoch ms or an ISO time (default: now). `source` is always
 * "webhook", and sourceId is kept as `webhook:<sourceId>`.
 */
export function genericEvents(body: unknown, nowMs: number): BounceEvent[] | string {
  const list = (body as { events?: unknown } | undefined)?.events;
  if (typeof body !== 'object' || body === null || !Array.isArray(list)) {
    return 'the body must be a JSON object { "events": [...] }';
  }
  if (list.length > MAX_GENERIC_EVENTS)
    return `at most ${MAX_GENERIC_EVENTS} events per request (got ${list.length})`;
  const events: BounceEvent[] = [];
  for (const [i, raw] of list.entries()) {
    const where = `events[${i}]`;
    if (typeof raw !== 'object' || raw === null) return `${where} is not an object`;
    const e = raw as Record<string, unknown>;
    for (const key of ['email', 'sourceId']) {
      if (typeof e[key] !== 'string' || (e[key] as string).trim() === '')
        return `${where}.${key} must be a non-empty string`;
    }
    if (typeof e.kind !== 'string' || !KINDS.has(e.kind))
      return `${where}.kind must be "hard", "soft" or "complaint"`;
    for (const key of ['status', 'diagnostic', 'digestKey']) {
      if (e[key] !== undefined && typeof e[key] !== 'string')
        return `${where}.${key} must be a string when given`;
    }
    if (e.status !== undefined && !/^[245]\.\d{1,3}\.\d{1,3}$/.test(e.status as string)) {
      return `${where}.status must be an enhanced status code like "5.1.1"`;
    }
    const at = e.at === undefined ? nowMs : typeof e.at === 'number' ? e.at : Date.parse(String(e.at));
    if (!Number.isFinite(at) || at < 0) return `${where}.at must be epoch milliseconds or an ISO 8601 time`;
    events.push({
      email: (e.email as string).trim(),
      kind: e.kind as BounceEvent['kind'],
      status: e.status as string | undefined,
      diagnostic: e.diagnostic as string | undefined,
      digestKey: e.digestKey as string | undefined,
      source: 'webhook',
      sourceId: `webhook:${(e.sourceId as string).trim()}`,
      at,
    });
  }
  return events;
}
