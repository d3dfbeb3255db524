import { createHmac, timingSafeEqual } from 'node:crypto';

/** Equal strings, compared in time that does not depend on where they differ (nor on `given`'s content). */
export function sameSecret(given: string, expected: string): boolean {
  // Comparing HMACs of both makes the lengths equal, so even the length is not leaked early.
  const key = 'news-digest webhook compare';
  const a = createHmac('sha256', key).update(given, 'utf8').digest();
  const b = createHmac('sha256', key).update(expected, 'utf8').digest();
  return timingSafeEqual(a, b);
}

/** Hex HMAC-SHA256 of `data` with `key`. */
export function hmacHex(key: string, data: string | Buffer): string {
  return createHmac('sha256', key).update(data).digest('hex');
}

/** Why a Unix timestamp (seconds, as text) is outside `maxAgeSeconds` of `now`, or undefined. */
export function timestampProblem(
  seconds: string | undefined,
  now: Date,
  maxAgeSeconds: number,
): string | undefined {
  if (seconds === undefined || !/^\d{1,12}(\.\d+)?$/.test(seconds))
    return 'the timestamp is missing or not Unix seconds';
  const skew = Math.abs(now.getTime() / 1000 - Number(seconds));
  return skew > maxAgeSeconds
    ? `the timestamp is ${Math.round(skew)} s from now (over ${maxAgeSeconds} s)`
    : undefined;
}

/**
 * Signatures or tokens already accepted, each kept while its timestamp is still acceptable: one
 * seen again inside the window is a replay; outside it, the timestamp check refuses it anyway.
 * In memory: a restart forgets them, which only lets a replay through to the recording step,
 * where the event id (sourceId) makes it count once.
 */
export class ReplayGuard {
  readonly #seen = new Map<string, number>();
  readonly #max: number;
  #claims = 0;

  /** `max`: entries kept at most (the oldest go first). Default 100000. */
  constructor(max = 100_000) {
    this.#max = max;
  }

  /** Remember `nonce` until `expiresAtMs`; false when it is already remembered (a replay). */
  claim(nonce: string, expiresAtMs: number, nowMs: number): boolean {
    const known = this.#seen.get(nonce);
    if (known !== undefined && known >= nowMs) return false;
    this.#prune(nowMs);
    this.#seen.set(nonce, expiresAtMs);
    return true;
  }

  /** Forget a claimed nonce (its request failed before anything was recorded, so a retry is fine). */
  release(nonce: string): void {
    this.#seen.delete(nonce);
  }

  // Expired entries are swept every 1000 claims and when the map is full; past `max` the oldest
  // claims go first (Map keeps insertion order).
  #prune(nowMs: number): void {
    if (++this.#claims % 1000 !== 0 && this.#seen.size < this.#max) return;
    for (const [nonce, expires] of this.#seen) if (expires < nowMs) this.#seen.delete(nonce);
    for (const nonce of this.#seen.keys()) {
      if (this.#seen.size < this.#max) break;
      this.#seen.delete(nonce);
    }
  }
}
