import { describe, expect, it } from 'vitest';
import {
  digestRefOf,
  feedbackIdValue,
  findVerp,
  messageIdFor,
  parseBounceAddress,
  prepareDigestMessage,
  verpAddress,
} from '../../src/deliver/index.js';
import { DigestError } from '../../src/errors.js';
import { parse, sampleRendered } from '../deliver/helpers.js';

const SECRET = 'a-test-secret-that-is-long-enough-0123456789';
const bounce = parseBounceAddress('Bounces@News.Example.org') as NonNullable<
  ReturnType<typeof parseBounceAddress>
>;

describe('VERP addresses', () => {
  it('name the subscriber and digest in a short, safe, signed local part', () => {
    const address = verpAddress(bounce, 123_456, 'day:2020-09-13@UTC', SECRET);
    expect(address).toMatch(/^Bounces\+2n9c-[0-9a-f]{8}-[0-9a-f]{12}@news\.example\.org$/);
    const local = address.slice(0, address.indexOf('@'));
    expect(local.length).toBeLessThanOrEqual(64);
    expect(findVerp(`To: ${address}`, bounce, SECRET)).toEqual({
      subscriberId: 123_456,
      digestRef: digestRefOf('day:2020-09-13@UTC'),
    });
    // A mail system that lower- or upper-cases the local part still matches.
    expect(findVerp(address.toUpperCase(), bounce, SECRET)?.subscriberId).toBe(123_456);
    // The largest id still fits.
    const big = verpAddress(bounce, Number.MAX_SAFE_INTEGER, 'k', SECRET);
    expect(big.indexOf('@')).toBeLessThanOrEqual(64);
    expect(findVerp(big, bounce, SECRET)?.subscriberId).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('refuses a token with another id, another secret, or a changed MAC', () => {
    const address = verpAddress(bounce, 42, 'day:2020-09-13@UTC', SECRET);
    const [, mac = ''] = /-([0-9a-f]{12})@/.exec(address) ?? [];
    expect(findVerp(address.replace('+16-', '+17-'), bounce, SECRET)).toBeUndefined();
    expect(findVerp(address, bounce, `${SECRET}x`)).toBeUndefined();
    const flipped = mac.replace(/^./, (c) => (c === '0' ? '1' : '0'));
    expect(findVerp(address.replace(mac, flipped), bounce, SECRET)).toBeUndefined();
    // Another mailbox's plus address is not ours.
    expect(findVerp(address.replace('Bounces+', 'xbounces+'), bounce, SECRET)).toBeUndefined();
  });

  it.each([
    ['bounces+x@example.org', '"+"'],
    ['not an address', 'space'],
    [`${'b'.repeat(40)}@example.org`, 'too long'],
  ])('bounceAddress %j is refused (%s)', (value, reason) => {
    expect(() => parseBounceAddress(value)).toThrow(DigestError);
    expect(() => parseBounceAddress(value)).toThrow(reason);
  });

  it('an empty bounceAddress means no VERP', () => {
    expect(parseBounceAddress('  ')).toBeUndefined();
  });
});

describe('Feedback-ID', () => {
  it.each([
    ['day:2020-09-13@UTC', '<digest.example.com>', 'day-2020-09-13@UTC:digest.example.com:news-digest'],
    [
      'week:2020-W37@Europe/Berlin',
      'Daily <daily.news.example.org>',
      'week-2020-W37@Europe-Berlin:daily.news.example.org:news-digest',
    ],
  ])('%s with List-Id %s is %s', (key, listId, value) => {
    expect(feedbackIdValue(key, listId)).toBe(value);
    expect(value.split(':')).toHaveLength(3);
  });

  it('is a header of the message when the digest key is given, and absent without it', async () => {
    const settings = { from: '"News Digest" <digest@example.com>', date: new Date('2020-09-14T07:00:00Z') };
    const recipient = {
      email: 'zoe@example.com',
      name: '',
      messageId: messageIdFor('day:2020-09-13@UTC', 7, 'example.com'),
      unsubscribeUrl: 'https://news.example.com/u/abc',
    };
    const withKey = prepareDigestMessage(sampleRendered(), { ...settings, digestKey: 'day:2020-09-13@UTC' });
    const mail = await parse(withKey.build(recipient));
    expect(mail.headers.get('feedback-id')).toBe('day-2020-09-13@UTC:digest.example.com:news-digest');
    const without = await parse(prepareDigestMessage(sampleRendered(), settings).build(recipient));
    expect(without.headers.has('feedback-id')).toBe(false);
  });
});
