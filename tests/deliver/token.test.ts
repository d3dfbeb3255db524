import { describe, expect, it } from 'vitest';
import { signTokenV1 } from '../../src/deliver/_token.js';
import { requireSecret, signToken, unsubscribeUrl, verifyToken } from '../../src/deliver/index.js';
import { DigestError } from '../../src/errors.js';

const secret = 's'.repeat(40);
const payload = { purpose: 'unsub' as const, subscriberId: 42, email: 'ann@example.com' };

function rejects(fn: () => unknown): DigestError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(DigestError);
    return error as DigestError;
  }
  throw new Error('expected a DigestError');
}

/** Every way the token's bytes could show the address: plain, base64/base64url of any alignment, hex. */
function readableForms(text: string): string[] {
  const forms = [text, Buffer.from(text).toString('hex')];
  for (let pad = 0; pad < 3; pad++) {
    const b64 = Buffer.from(`${'x'.repeat(pad)}${text}`).toString('base64url');
    // Drop the characters that also encode the padding's bits.
    forms.push(b64.slice(Math.ceil((pad * 4) / 3) + 1, -2));
  }
  return forms;
}

describe('signed tokens', () => {
  it('round-trips, is URL-safe, and the same payload gives the same token', () => {
    const token = signToken(payload, secret);
    expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
    expect(verifyToken(token, secret, { purpose: 'unsub' })).toEqual(payload);
    expect(signToken(payload, secret)).toBe(token);
    expect(unsubscribeUrl('https://news.example.com/', token)).toBe(
      `https://news.example.com/unsubscribe?token=${token}`,
    );
  });

  it('carries no readable address or id (the old format showed both)', () => {
    const email = 'ann.reader@example.com';
    const token = signToken({ ...payload, email }, secret);
    const decoded = Buffer.from(token, 'base64url').toString('latin1');
    for (const form of readableForms(email)) {
      expect(token).not.toContain(form);
      expect(decoded).not.toContain(form);
    }
    expect(decoded).not.toContain('"s":42');
    // The first format did: this is the leak the new one closes.
    const old = signTokenV1({ ...payload, email }, secret);
    expect(Buffer.from(old.split('.')[0] as string, 'base64url').toString()).toContain(email);
    // Two subscribers' tokens share nothing that would let one be turned into the other.
    const other = signToken({ ...payload, subscriberId: 43 }, secret);
    expect(verifyToken(other, secret, { purpose: 'unsub' }).subscriberId).toBe(43);
    expect(other.slice(0, 8)).not.toBe(signToken(payload, secret).slice(0, 8));
  });

  it('keeps accepting links in the first format, with the same checks', () => {
    const old = signTokenV1(payload, secret);
    expect(old).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
    expect(verifyToken(old, secret, { purpose: 'unsub' })).toEqual(payload);
    const resub = signTokenV1({ ...payload, purpose: 'resub', expiresAt: 5000 }, secret);
    expect(verifyToken(resub, secret, { purpose: 'resub', now: 4000 })).toMatchObject({ expiresAt: 5000 });
    expect(rejects(() => verifyToken(resub, secret, { purpose: 'resub', now: 6000 })).code).toBe('E_TOKEN');
    expect(rejects(() => verifyToken(old, 't'.repeat(40), { purpose: 'unsub' })).code).toBe('E_TOKEN');
    expect(rejects(() => verifyToken(old, secret, { purpose: 'resub' })).code).toBe('E_TOKEN');
  });

  it.each([
    ['the new format', signToken(payload, secret)],
    ['the first format', signTokenV1(payload, secret)],
  ])('refuses every changed character of %s with the same message', (_name, token) => {
    const messages = new Set<string>();
    for (let i = 0; i < token.length; i++) {
      for (const c of ['A', 'B', '-', '.']) {
        const altered = token.slice(0, i) + c + token.slice(i + 1);
        if (altered === token) continue;
        const error = rejects(() => verifyToken(altered, secret, { purpose: 'unsub' }));
        expect(error.code).toBe('E_TOKEN');
        messages.add(error.message);
      }
    }
    // Shortened and lengthened too.
    for (const altered of [token.slice(0, -1), token.slice(1), `${token}A`, token.slice(0, 22)]) {
      messages.add(rejects(() => verifyToken(altered, secret, { purpose: 'unsub' })).message);
    }
    expect(messages.size).toBe(1);
  });

  it.each([
    ['another secret', () => verifyToken(signToken(payload, secret), 't'.repeat(40), { purpose: 'unsub' })],
    ['another purpose', () => verifyToken(signToken(payload, secret), secret, { purpose: 'resub' })],
    ['garbage', () => verifyToken('not a token', secret, { purpose: 'unsub' })],
    ['empty', () => verifyToken('', secret, { purpose: 'unsub' })],
    ['too long', () => verifyToken(`${'a'.repeat(3000)}.${'b'.repeat(43)}`, secret, { purpose: 'unsub' })],
    ['too long, new format', () => verifyToken('a'.repeat(3000), secret, { purpose: 'unsub' })],
    [
      'expired',
      () =>
        verifyToken(signToken({ ...payload, expiresAt: 1000 }, secret), secret, {
          purpose: 'unsub',
          now: 2000,
        }),
    ],
  ])('refuses %s', (_name, fn) => {
    expect(rejects(fn).code).toBe('E_TOKEN');
  });

  it('accepts a token before it expires, and keeps a non-ASCII address exactly', () => {
    const token = signToken({ ...payload, purpose: 'resub', expiresAt: 5000 }, secret);
    expect(verifyToken(token, secret, { purpose: 'resub', now: 4000 })).toMatchObject({ expiresAt: 5000 });
    const intl = { ...payload, email: 'zoë@exämple.com' };
    expect(verifyToken(signToken(intl, secret), secret, { purpose: 'unsub' })).toEqual(intl);
  });

  it.each([
    [{}, /not set/],
    [{ DIGEST_SECRET: 'short' }, /at least 32/],
  ])('requireSecret refuses %j', (env, message) => {
    const error = rejects(() => requireSecret(env));
    expect(error.code).toBe('E_SECRET');
    expect(error.message).toMatch(message);
  });

  it('requireSecret returns a long enough secret', () => {
    expect(requireSecret({ DIGEST_SECRET: secret })).toBe(secret);
  });
});
