/** How many requests one client address may make. */
export interface RateLimitSettings {
  /** Requests allowed at once (the bucket size). Default 30. */
  burst: number;
  /** Requests added back per minute. Default 30. */
  perMinute: number;
  /** Most addresses remembered; the least recently seen are forgotten first. Default 10,000. */
  maxClients?: number;
}

/** The defaults: generous enough for a mailbox provider posting many one-click requests from one address. */
export const DEFAULT_RATE_LIMIT: RateLimitSettings = { burst: 30, perMinute: 30, maxClients: 10_000 };

export type RateDecision = { ok: true } | { ok: false; retryAfterSeconds: number };

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * A token bucket per client address. Memory is bounded: past `maxClients` addresses the least
 * recently seen one is dropped (a dropped client only gets a fresh, full bucket). Time comes from
 * the caller, so tests need no clock.
 */
export class RateLimiter {
  readonly #buckets = new Map<string, Bucket>();
  readonly #settings: Required<RateLimitSettings>;

  constructor(settings: Partial<RateLimitSettings> = {}) {
    const merged = { ...DEFAULT_RATE_LIMIT, ...settings };
    this.#settings = {
      burst: Math.max(1, merged.burst),
      perMinute: Math.max(0, merged.perMinute),
      maxClients: Math.max(1, merged.maxClients ?? 10_000),
    };
  }

  /** Count one request from `client` at `nowMs`; false (with a wait) when its bucket is empty. */
  take(client: string, nowMs: number): RateDecision {
    const { burst, perMinute, maxClients } = this.#settings;
    const perMs = perMinute / 60_000;
    const before = this.#buckets.get(client);
    const elapsed = before ? Math.max(0, nowMs - before.at) : 0;
    const tokens = before ? Math.min(burst, before.tokens + elapsed * perMs) : burst;
    // Re-insert so the Map's order is least recently seen first.
    this.#buckets.delete(client);
    if (tokens < 1) {
      this.#buckets.set(client, { tokens, at: nowMs });
      const wait = perMs > 0 ? Math.ceil((1 - tokens) / perMs / 1000) : 3600;
      return { ok: false, retryAfterSeconds: Math.max(1, wait) };
    }
    this.#buckets.set(client, { tokens: tokens - 1, at: nowMs });
    for (const oldest of this.#buckets.keys()) {
      if (this.#buckets.size <= maxClients) break;
      this.#buckets.delete(oldest);
    }
    return { ok: true };
  }

  /** Addresses currently remembered. */
  get size(): number {
    return this.#buckets.size;
  }
}
