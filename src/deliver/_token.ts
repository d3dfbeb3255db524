import { createCipheriv, createDecipheriv, createHmac, timingSafeEqual } from 'node:crypto';
import { DigestError } from '../errors.js';

/** Shortest DIGEST_SECRET accepted, in characters. */
export const MIN_SECRET_LENGTH = 32;

/**
 * What a token lets its bearer do: unsubscribe (the emails' link, which also opens the preference
 * page), subscribe again after unsubscribing, or confirm a web signup (with its one-use nonce).
 */
export type TokenPurpose = 'unsub' | 'resub' | 'confirm';

/** The signed content of a token. */
export interface TokenPayload {
  purpose: TokenPurpose;
  subscriberId: number;
  /** The subscriber's stored (normalised) address: a token for a re-used id is refused. */
  email: string;
  /** Epoch ms after which the token is refused; none for unsubscribe links, which must keep working. */
  expiresAt?: number;
  /** A one-use secret the store checks (a signup confirmation's); none for the other purposes. */
  nonce?: string;
}

// Keys the MAC to this use, so the same secret signing anything else can never yield a valid token.
const CONTEXT = 'news-digest token v1\n';

/** The secret from the environment, or E_SECRET when it is missing or shorter than MIN_SECRET_LENGTH. */
export function requireSecret(env: Record<string, string | undefined>): string {
  const secret = env.DIGEST_SECRET ?? '';
  if (secret.length < MIN_SECRET_LENGTH) {
    throw new DigestError(
      'E_SECRET',
      secret === ''
        ? 'DIGEST_SECRET is not set; it signs the unsubscribe links'
        : `DIGEST_SECRET is ${secret.length} characters; it must be at least ${MIN_SECRET_LENGTH}`,
      {
        hint: 'set it in .env in the working folder (or the environment) to a long random value, e.g. `openssl rand -base64 48`, and keep it: changing it breaks every unsubscribe link already sent',
      },
    );
  }
  return secret;
}

/**
 * A token for a payload: opaque, URL-safe without escaping, and the same for the same payload.
 * `base64url(AES-256-CTR(payload)).base64url(tag)`, where `tag` is an HMAC-SHA256 of the payload
 * and its first 16 bytes are the cipher's IV (a synthetic IV, as in SIV mode): the address inside
 * is encrypted, so a link shows no address, and the tag refuses any change. Both keys are derived
 * from the secret, each for this one use. The shape is the first format's, so routes and logs that
 * know `payload.signature` tokens need no change.
 */
export function signToken(payload: TokenPayload, secret: string): string {
  const plain = Buffer.from(
    [
      PURPOSE_CODE[payload.purpose],
      String(payload.subscriberId),
      payload.expiresAt ?? '',
      payload.email,
      // Only when present: tokens without one keep exactly their earlier bytes.
      ...(payload.nonce === undefined ? [] : [payload.nonce]),
    ].join('\n'),
    'utf8',
  );
  const { enc, mac: macKey } = keys(secret);
  const tag = createHmac('sha256', macKey).update(plain).digest();
  const cipher = createCipheriv('aes-256-ctr', enc, tag.subarray(0, IV_BYTES));
  const sealed = Buffer.concat([cipher.update(plain), cipher.final()]);
  return `${sealed.toString('base64url')}.${tag.toString('base64url')}`;
}

/**
 * Check a token's authenticity (constant time), purpose and expiry, and return its payload.
 * Any forged, altered, malformed, expired or wrong-purpose token throws E_TOKEN with one same message,
 * so a caller's answer never tells which check failed. Tokens of the first format (readable JSON,
 * signed: `base64url(JSON).base64url(HMAC)`) are still accepted: links already sent keep working.
 */
export function verifyToken(
  token: string,
  secret: string,
  expected: { purpose: TokenPurpose; now?: number },
): TokenPayload {
  if (typeof token !== 'string' || token.length > 2048) throw invalid();
  const match = /^([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]{43})$/.exec(token);
  if (!match) throw invalid();
  const [, body = '', signature = ''] = match;
  const given = Buffer.from(signature, 'base64url');
  // base64url decoding ignores stray trailing bits, so the canonical re-encoding must match too.
  if (given.length !== 32 || given.toString('base64url') !== signature) throw invalid();
  const payload = openV2(body, given, secret) ?? openV1(body, given, secret);
  if (!payload || payload.purpose !== expected.purpose) throw invalid();
  if (payload.expiresAt !== undefined && (expected.now ?? Date.now()) > payload.expiresAt) throw invalid();
  return payload;
}

const invalid = () => new DigestError('E_TOKEN', 'the link is invalid or has expired');

const PURPOSE_CODE: Record<TokenPurpose, string> = { unsub: 'u', resub: 'r', confirm: 'c' };
const PURPOSE_OF: Record<string, TokenPurpose> = { u: 'unsub', r: 'resub', c: 'confirm' };
const IV_BYTES = 16;

// A send signs one token per recipient with one secret: derive its keys once.
let derived: { secret: string; enc: Buffer; mac: Buffer } | undefined;

function keys(secret: string): { enc: Buffer; mac: Buffer } {
  if (derived?.secret !== secret) {
    const derive = (use: string) =>
      createHmac('sha256', secret).update(`news-digest token v2 ${use}`).digest();
    derived = { secret, enc: derive('encryption'), mac: derive('authentication') };
  }
  return derived;
}

// The payload of a current token, or undefined when the tag does not match.
function openV2(body: string, tag: Buffer, secret: string): TokenPayload | undefined {
  const sealed = Buffer.from(body, 'base64url');
  if (sealed.length === 0 || sealed.toString('base64url') !== body) return undefined;
  const { enc, mac: macKey } = keys(secret);
  const decipher = createDecipheriv('aes-256-ctr', enc, tag.subarray(0, IV_BYTES));
  const plain = Buffer.concat([decipher.update(sealed), decipher.final()]);
  if (!timingSafeEqual(tag, createHmac('sha256', macKey).update(plain).digest())) return undefined;
  // A stored address never holds a line break (normalizeEmail), so a fifth line is the nonce.
  const [code = '', id = '', expires = '', email = '', nonce, ...extra] = plain.toString('utf8').split('\n');
  const purpose = PURPOSE_OF[code];
  const subscriberId = Number(id);
  if (!purpose || !/^\d+$/.test(id) || !Number.isSafeInteger(subscriberId) || !/^(\d+)?$/.test(expires)) {
    return undefined;
  }
  if (extra.length > 0) return undefined;
  return {
    purpose,
    subscriberId,
    email,
    ...(expires ? { expiresAt: Number(expires) } : {}),
    ...(nonce === undefined ? {} : { nonce }),
  };
}

// The payload of a first-format token (`base64url(JSON {p, s, e, x?}).base64url(HMAC)`), or undefined.
function openV1(encoded: string, given: Buffer, secret: string): TokenPayload | undefined {
  if (!timingSafeEqual(given, mac(encoded, secret))) return undefined;
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  const { p, s, e, x } = (body ?? {}) as Record<string, unknown>;
  if ((p !== 'unsub' && p !== 'resub') || !Number.isSafeInteger(s) || typeof e !== 'string') return undefined;
  if (x !== undefined && typeof x !== 'number') return undefined;
  return { purpose: p, subscriberId: s as number, email: e, ...(x === undefined ? {} : { expiresAt: x }) };
}

/**
 * A token in the first format (readable JSON, signed). Never sent any more; kept so tests can
 * prove that links in emails sent before the change still work.
 */
export function signTokenV1(payload: TokenPayload, secret: string): string {
  const body: Record<string, unknown> = { p: payload.purpose, s: payload.subscriberId, e: payload.email };
  if (payload.expiresAt !== undefined) body.x = payload.expiresAt;
  const encoded = Buffer.from(JSON.stringify(body), 'utf8').toString('base64url');
  return `${encoded}.${mac(encoded, secret).toString('base64url')}`;
}

/** The one-click unsubscribe URL under the public base URL: `<base>/unsubscribe?token=...`. */
export function unsubscribeUrl(publicUrl: string, token: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/unsubscribe?token=${token}`;
}

function mac(encoded: string, secret: string): Buffer {
  return createHmac('sha256', secret).update(CONTEXT).update(encoded).digest();
}
