import type { BounceEvent, UnrecognisedReport } from '../_event.js';

/** A webhook request as the router needs it: the headers and the raw body (signatures cover bytes). */
export interface WebhookRequest {
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/**
 * A BounceEvent with what the provider said about the original message, from which the router
 * finds its digest and subscriber: the envelope sender (a VERP address) and the Message-ID.
 */
export interface ProviderEvent extends BounceEvent {
  hints?: { returnPath?: string; messageId?: string };
}

/** What a provider made of a request: events to record, or why it was refused (nothing recorded). */
export type Received =
  | {
      ok: true;
      events: ProviderEvent[];
      /** Reports that could not be read: stored as 'unrecognised', never guessed. */
      unrecognised: UnrecognisedReport[];
      /** Events of kinds this tool does not act on (deliveries, opens, auto-replies...). */
      ignored: number;
      /** Something to log besides the counts (e.g. "SNS subscription confirmed"). */
      note?: string;
    }
  | { ok: false; status: 400 | 401 | 403; reason: string; headers?: Record<string, string> };

/** One provider's endpoint: verifies a request, then turns it into BounceEvents. */
export interface WebhookProvider {
  receive(request: WebhookRequest, now: Date): Promise<Received>;
  /** Undo what `receive` claimed (a replay nonce) when recording failed, so the provider's retry is accepted. */
  release?(request: WebhookRequest): void;
}

/** One header's value (the first, when repeated). */
export function header(request: WebhookRequest, name: string): string | undefined {
  const value = request.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

/** The body as JSON, or undefined when it is not. */
export function jsonBody(request: WebhookRequest): unknown {
  try {
    return JSON.parse(request.body.toString('utf8'));
  } catch {
    return undefined;
  }
}

/** A string field of an unknown object, trimmed; undefined when absent or not a string. */
export function stringField(value: unknown, key: string): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const field = (value as Record<string, unknown>)[key];
  return typeof field === 'string' && field.trim() !== '' ? field.trim() : undefined;
}

/** An object field of an unknown object, or undefined. */
export function objectField(value: unknown, key: string): Record<string, unknown> | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const field = (value as Record<string, unknown>)[key];
  return typeof field === 'object' && field !== null && !Array.isArray(field)
    ? (field as Record<string, unknown>)
    : undefined;
}

/** An ISO time as epoch ms, or `fallback` when absent or unreadable. */
export function timeOf(iso: unknown, fallback: number): number {
  const ms = typeof iso === 'string' ? Date.parse(iso) : Number.NaN;
  return Number.isFinite(ms) ? ms : fallback;
}

export const refused = (
  status: 400 | 401 | 403,
  reason: string,
  headers?: Record<string, string>,
): Received => ({
  ok: false,
  status,
  reason,
  headers,
});
