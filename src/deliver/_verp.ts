import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { DigestError } from '../errors.js';
import { addressKey, hasControlChars, normalizeEmail } from '../store/_address.js';
import type { DeliveryTransport, OutgoingMessage } from './_transport.js';

/**
 * VERP (variable envelope return path): every message's SMTP envelope sender names its
 * subscriber and digest, `bounces+<id>-<digest ref>-<mac>@domain`, so a bounce is matched to both
 * even when the DSN inside is mangled. The token is lower-case letters, digits and `-` only
 * (some MTAs lower-case local parts), about 30 characters: the subscriber id in base 36, the first
 * 8 hex digits of a hash of the digest key (resolved against the `digests` table, see
 * digestRefOf), and 12 hex digits of an HMAC keyed by DIGEST_SECRET, so nobody can forge a bounce
 * for another subscriber.
 */

/** The longest local part SMTP allows (RFC 5321 4.5.3.1.1). */
const MAX_LOCAL = 64;
const MAC_HEX = 12;
const REF_HEX = 8;
// Keys the MAC to this one use (see _token.ts for the same idea).
const CONTEXT = 'news-digest verp v1\n';

/** A validated `bounceAddress`: its local part and domain. */
export interface BounceAddress {
  local: string;
  domain: string;
}

/** Parse config `bounceAddress` (E_CONFIG naming the field), or undefined when it is empty (no VERP). */
export function parseBounceAddress(value: string): BounceAddress | undefined {
  const given = value.trim();
  if (given === '') return undefined;
  const refuse = (why: string) =>
    new DigestError('E_CONFIG', `"bounceAddress" ${why}`, {
      field: 'bounceAddress',
      hint: 'set it to a mailbox the tool reads bounces from, e.g. bounces@news.example.org (see docs/bounces.md)',
    });
  if (hasControlChars(given)) throw refuse('contains a control character (CR, LF, ...)');
  const address = normalizeEmail(given);
  if (!address.ok) throw refuse(`${address.reason} (got "${given}")`);
  const at = address.email.lastIndexOf('@');
  const local = address.email.slice(0, at);
  if (local.includes('+'))
    throw refuse(`must not contain "+": the tool adds "+<token>" itself (got "${given}")`);
  // id (up to 11 base-36 digits for any safe integer) + two dashes + ref + mac, after "+".
  if (local.length + 1 + 11 + 2 + REF_HEX + MAC_HEX > MAX_LOCAL) {
    throw refuse(
      `has a part before @ too long for a VERP token (keep it under ${MAX_LOCAL - 34} characters)`,
    );
  }
  return { local, domain: address.email.slice(at + 1) };
}

/** The short reference of a digest key in a VERP token. */
export function digestRefOf(digestKey: string): string {
  return createHash('sha256').update(digestKey).digest('hex').slice(0, REF_HEX);
}

/** The envelope sender for one subscriber and digest, e.g. `bounces+2s-1a2b3c4d-0123456789ab@news.example.org`. */
export function verpAddress(
  bounce: BounceAddress,
  subscriberId: number,
  digestKey: string,
  secret: string,
): string {
  const id = subscriberId.toString(36);
  const ref = digestRefOf(digestKey);
  return `${bounce.local}+${id}-${ref}-${mac(id, ref, secret)}@${bounce.domain}`;
}

/** What a VERP address names. `digestRef` is resolved to a key with the `digests` table. */
export interface VerpMatch {
  subscriberId: number;
  digestRef: string;
}

/**
 * Find and check a VERP address of `bounce` in a text (a header value, a whole header block):
 * the first whose MAC is right, or undefined. Case-insensitive.
 */
export function findVerp(text: string, bounce: BounceAddress, secret: string): VerpMatch | undefined {
  const local = bounce.local.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const domain = bounce.domain.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const pattern = new RegExp(
    `(?<![A-Za-z0-9.!#$%&'*+/=?^_\`{|}~-])${local}\\+([0-9a-z]{1,11})-([0-9a-f]{${REF_HEX}})-([0-9a-f]{${MAC_HEX}})@${domain}(?![A-Za-z0-9-])`,
    'gi',
  );
  for (const match of text.matchAll(pattern)) {
    const [, rawId = '', rawRef = '', rawMac = ''] = match;
    const id = rawId.toLowerCase();
    const ref = rawRef.toLowerCase();
    const expected = Buffer.from(mac(id, ref, secret));
    const given = Buffer.from(rawMac.toLowerCase());
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) continue;
    const subscriberId = Number.parseInt(id, 36);
    if (Number.isSafeInteger(subscriberId) && subscriberId > 0) return { subscriberId, digestRef: ref };
  }
  return undefined;
}

/**
 * A transport that sends every message with its VERP envelope sender: the digest's messages to
 * a subscriber whose id `subscriberIdOf` knows get `bounces+<token>@…`; anyone else (a test copy)
 * the plain bounce address. Headers are unchanged (the receiving server writes Return-Path).
 */
export function verpTransport(
  inner: DeliveryTransport,
  options: {
    bounce: BounceAddress;
    digestKey: string;
    secret: string;
    /** The subscriber id of an address, or undefined. */
    subscriberIdOf: (email: string) => number | undefined | Promise<number | undefined>;
  },
): DeliveryTransport {
  const plain = `${options.bounce.local}@${options.bounce.domain}`;
  return {
    get description() {
      return inner.description;
    },
    verify: () => inner.verify(),
    close: () => inner.close(),
    async send(message: OutgoingMessage) {
      const id = await options.subscriberIdOf(addressKey(message.to));
      const from = id ? verpAddress(options.bounce, id, options.digestKey, options.secret) : plain;
      // The message keeps its getters (raw is joined only if the transport asks): change `from` in place.
      message.from = from;
      return inner.send(message);
    },
  };
}

// The MAC key of the last secret: one derivation per run, not per message.
let derived: { secret: string; key: Buffer } | undefined;

function mac(id: string, ref: string, secret: string): string {
  if (derived?.secret !== secret)
    derived = { secret, key: createHmac('sha256', secret).update(CONTEXT).digest() };
  return createHmac('sha256', derived.key).update(`${id}\n${ref}`).digest('hex').slice(0, MAC_HEX);
}
