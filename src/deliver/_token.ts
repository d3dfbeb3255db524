import { createHmac, timingSafeEqual } from 'node:crypto';
import { DigestError } from '../errors.js';

/** Shortest DIGEST_SECRET accepted, in characters. */
export const MIN_SECRET_LENGTH = 32;

/** What a token lets its bearer do: unsubscribe, or subscribe again after unsubscribing. */
export type TokenPurpose = 'unsub' | 'resub';

/** The signed content of a token. */
export interface TokenPayload {
  purpose: TokenPurpose;
  subscriberId: number;
  /** The subscriber's stored (normalised) address: a token for a re-used id is refused. */
  email: string;
  /** Epoch ms after which the token is refused; none for unsubscribe links, which must keep working. */
  expiresAt?: number;
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

/** Sign a payload: `base64url(JSON).base64url(HMAC-SHA256)`, safe in a URL query without escaping. */
export function signToken(payload: TokenPayload, secret: string): string {
  const body: Record<string, unknown> = { p: payload.purpose, s: payload.subscriberId, e: payload.email };
  if (payload.expiresAt !== undefined) body.x = payload.expiresAt;
  const encoded = Buffer.from(JSON.stringify(body), 'utf8').toString('base64url');
  return `${encoded}.${mac(encoded, secret).toString('base64url')}`;
}

/**
 * Check a token's signature (constant time), purpose and expiry, and return its payload.
 * Any forged, altered, malformed, expired or wrong-purpose token throws E_TOKEN with one same message,
 * so a caller's answer never tells which check failed.
 */
export function verifyToken(
  token: string,
  secret: string,
  expected: { purpose: TokenPurpose; now?: number },
): TokenPayload {
  const invalid = () => new DigestError('E_TOKEN', 'the link is invalid or has expired');
  if (typeof token !== 'string' || token.length > 2048) throw invalid();
  const match = /^([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]{43})$/.exec(token);
  if (!match) throw invalid();
  const [, encoded = '', signature = ''] = match;
  const given = Buffer.from(signature, 'base64url');
  const wanted = mac(encoded, secret);
  // base64url decoding ignores stray trailing bits, so compare the canonical re-encoding too.
  if (
    given.length !== wanted.length ||
    !timingSafeEqual(given, wanted) ||
    given.toString('base64url') !== signature
  ) {
    throw invalid();
  }
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  const { p, s, e, x } = (body ?? {}) as Record<string, unknown>;
  if (p !== expected.purpose || !Number.isSafeInteger(s) || typeof e !== 'string') throw invalid();
  if (x !== undefined && (typeof x !== 'number' || (expected.now ?? Date.now()) > x)) throw invalid();
  return {
    purpose: expected.purpose,
    subscriberId: s as number,
    email: e,
    ...(x === undefined ? {} : { expiresAt: x as number }),
  };
}

/** The one-click unsubscribe URL under the public base URL: `<base>/unsubscribe?token=...`. */
export function unsubscribeUrl(publicUrl: string, token: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/unsubscribe?token=${token}`;
}

function mac(encoded: string, secret: string): Buffer {
  return createHmac('sha256', secret).update(CONTEXT).update(encoded).digest();
}
