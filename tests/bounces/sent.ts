import { type BounceAddress, messageIdFor, verpAddress } from '../../src/deliver/index.js';
import type { Store } from '../../src/store/index.js';
import type { Original } from './messages.js';

/** The digest a test's bounces answer: its ledger key, day and size, and the VERP settings it went out with. */
export interface SentDigest {
  key: string;
  date: string;
  items: number;
  bounce: BounceAddress;
  secret: string;
}

/**
 * Leave in `store` what a send of `digest` to each of `subscribers` leaves (the digest row and
 * one ledger row each), and return what each copy carried, for the bounce messages that answer it.
 */
export async function recordSent(
  store: Store,
  digest: SentDigest,
  subscribers: { id: number; email: string }[],
): Promise<(s: { id: number; email: string }) => Original> {
  const { key, bounce, secret } = digest;
  await store.ledger.recordDigest({
    digestKey: key,
    date: digest.date,
    subject: 'News Digest',
    items: digest.items,
  });
  await store.ledger.enqueue(
    key,
    subscribers.map((s) => ({
      subscriberId: s.id,
      email: s.email,
      messageId: messageIdFor(key, s.id, 'example.com'),
    })),
  );
  return (s) => ({
    returnPath: verpAddress(bounce, s.id, key, secret),
    to: s.email,
    messageId: messageIdFor(key, s.id, 'example.com'),
  });
}
