import { describe, expect, it } from 'vitest';
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

describe('signed tokens', () => {
  it('round-trips and is URL-safe', () => {
    const token = signToken(payload, secret);
    expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
    expect(verifyToken(token, secret, { purpose: 'unsub' })).toEqual(payload);
    expect(unsubscribeUrl('https://news.example.com/', token)).toBe(
      `https://news.example.com/unsubscribe?token=${token}`,
    );
  });

  it('refuses every changed character with the same message', () => {
    const token = signToken(payload, secret);
    const messages = new Set<string>();
    for (let i = 0; i < token.length; i++) {
      const c = token[i] === 'A' ? 'B' : 'A';
      const altered = token.slice(0, i) + c + token.slice(i + 1);
      if (altered === token) continue;
      const error = rejects(() => verifyToken(altered, secret, { purpose: 'unsub' }));
      expect(error.code).toBe('E_TOKEN');
      messages.add(error.message);
    }
    expect(messages.size).toBe(1);
  });

  it.each([
    ['another secret', () => verifyToken(signToken(payload, secret), 't'.repeat(40), { purpose: 'unsub' })],
    ['another purpose', () => verifyToken(signToken(payload, secret), secret, { purpose: 'resub' })],
    ['garbage', () => verifyToken('not a token', secret, { purpose: 'unsub' })],
    ['empty', () => verifyToken('', secret, { purpose: 'unsub' })],
    ['too long', () => verifyToken(`${'a'.repeat(3000)}.${'b'.repeat(43)}`, secret, { purpose: 'unsub' })],
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

  it('accepts a token before it expires', () => {
    const token = signToken({ ...payload, purpose: 'resub', expiresAt: 5000 }, secret);
    expect(verifyToken(token, secret, { purpose: 'resub', now: 4000 })).toMatchObject({ expiresAt: 5000 });
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
