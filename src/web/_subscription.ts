import { signToken, type TokenPurpose, verifyToken } from '../deliver/index.js';
import { addressKey, type Subscriber, type SubscriberStore } from '../store/index.js';

/** How long a "subscribe again" link works, ms: 7 days. Unsubscribe links never expire. */
export const RESUBSCRIBE_TTL_MS = 7 * 24 * 60 * 60 * 1000;

/**
 * The subscriber a token names, or undefined for any token that can't be used: a bad signature,
 * the wrong purpose, expired, malformed, or for an id that is gone or now holds another address.
 * One undefined for all of them, so the answer never tells which. Ids are never reused and stay
 * with an address across remove and add (src/store), so a link from an old digest keeps working;
 * addresses compare case-insensitively (addressKey).
 */
export async function subscriberFor(
  subscribers: Pick<SubscriberStore, 'findById'>,
  secret: string,
  token: string | undefined,
  purpose: TokenPurpose,
  nowMs: number,
): Promise<Subscriber | undefined> {
  if (!token) return undefined;
  let payload: ReturnType<typeof verifyToken>;
  try {
    payload = verifyToken(token, secret, { purpose, now: nowMs });
  } catch {
    return undefined;
  }
  const subscriber = await subscribers.findById(payload.subscriberId);
  const same = subscriber !== undefined && addressKey(subscriber.email) === addressKey(payload.email);
  return same ? subscriber : undefined;
}

/** A fresh unsubscribe token for a subscriber (the same kind the emails carry). */
export function unsubscribeToken(subscriber: Subscriber, secret: string): string {
  return signToken({ purpose: 'unsub', subscriberId: subscriber.id, email: subscriber.email }, secret);
}

/** A "subscribe again" token, valid for RESUBSCRIBE_TTL_MS. */
export function resubscribeToken(subscriber: Subscriber, secret: string, nowMs: number): string {
  return signToken(
    {
      purpose: 'resub',
      subscriberId: subscriber.id,
      email: subscriber.email,
      expiresAt: nowMs + RESUBSCRIBE_TTL_MS,
    },
    secret,
  );
}
