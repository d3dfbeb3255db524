import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  canonicalString,
  fetchText,
  genericEvents,
  mailgunEvent,
  parsePostmark,
  parseSnsMessage,
  postmarkEvent,
  ReplayGuard,
  SigningKeys,
  type SnsMessage,
  sameSecret,
  sesEvents,
  snsUrlProblem,
  verifySnsMessage,
} from '../../src/bounces/webhooks/index.js';
import { cleanups, runCleanups } from '../web/helpers.js';
import { CERT_URL, localCertificate, sesNotification, signSns, TOPIC } from './webhooks-helpers.js';

afterEach(runCleanups);

describe('SNS certificate and subscribe URLs', () => {
  it.each([
    [CERT_URL, undefined],
    [
      'https://sns.eu-central-1.amazonaws.com/SimpleNotificationService-01d088a6f77103d0fe307c0069e40ed6.pem',
      undefined,
    ],
    [
      'https://sns.cn-north-1.amazonaws.com.cn/SimpleNotificationService-3242f6b6bc3ae1e4b0a1e2c8e1f8a3b2.pem',
      undefined,
    ],
    ['https://sns.us-gov-west-1.amazonaws.com/SimpleNotificationService-x.pem', undefined],
    ['http://sns.us-east-1.amazonaws.com/SimpleNotificationService-x.pem', 'is not https'],
    [
      'https://sns.us-east-1.amazonaws.com.evil.example/SimpleNotificationService-x.pem',
      'host sns.us-east-1.amazonaws.com.evil.example is not sns.<region>.amazonaws.com',
    ],
    [
      'https://evil.example/sns.us-east-1.amazonaws.com/x.pem',
      'host evil.example is not sns.<region>.amazonaws.com',
    ],
    ['https://s3.amazonaws.com/sns.pem', 'host s3.amazonaws.com is not sns.<region>.amazonaws.com'],
    [
      'https://evilsns.us-east-1.amazonaws.com/x.pem',
      'host evilsns.us-east-1.amazonaws.com is not sns.<region>.amazonaws.com',
    ],
    ['https://sns.us-east-1.amazonaws.com:8443/x.pem', 'names a user or a port'],
    ['https://user@sns.us-east-1.amazonaws.com/x.pem', 'names a user or a port'],
    ['https://sns.us-east-1.amazonaws.com/x.pem.txt', 'path does not end in .pem'],
    ['https://sns.us-east-1.amazonaws.com/x.txt?f=.pem', 'path does not end in .pem'],
    ['not a url', 'is not a URL'],
  ])('%s: %s', (url, problem) => {
    expect(snsUrlProblem(url, 'pem')).toBe(problem);
  });

  it('a SubscribeURL needs the host and https but no .pem', () => {
    expect(
      snsUrlProblem('https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&Token=x', 'subscribe'),
    ).toBeUndefined();
    expect(
      snsUrlProblem(
        'https://sns.us-east-1.amazonaws.com.evil.example/?Action=ConfirmSubscription',
        'subscribe',
      ),
    ).toMatch(/^host/);
  });
});

describe('SNS signatures', () => {
  let cert: { certPem: string; keyPem: string };
  beforeAll(() => {
    cert = localCertificate();
  });
  const keys = () => new SigningKeys(async () => cert.certPem);

  it('the canonical string lists the signed keys in order, each as Key\\nValue\\n, and leaves out an absent Subject', () => {
    const base = {
      MessageId: 'm',
      TopicArn: TOPIC,
      Message: 'hello',
      Timestamp: 't',
      SignatureVersion: '1',
      Signature: '',
      SigningCertURL: CERT_URL,
    };
    expect(canonicalString({ ...base, Type: 'Notification' })).toBe(
      `Message\nhello\nMessageId\nm\nTimestamp\nt\nTopicArn\n${TOPIC}\nType\nNotification\n`,
    );
    expect(
      canonicalString({ ...base, Type: 'Notification', Subject: 'Amazon SES Email Event Notification' }),
    ).toBe(
      `Message\nhello\nMessageId\nm\nSubject\nAmazon SES Email Event Notification\nTimestamp\nt\nTopicArn\n${TOPIC}\nType\nNotification\n`,
    );
    expect(
      canonicalString({ ...base, Type: 'SubscriptionConfirmation', SubscribeURL: 'u', Token: 'k' }),
    ).toBe(
      `Message\nhello\nMessageId\nm\nSubscribeURL\nu\nTimestamp\nt\nToken\nk\nTopicArn\n${TOPIC}\nType\nSubscriptionConfirmation\n`,
    );
    expect(canonicalString({ ...base, Type: 'Other' })).toBeUndefined();
  });

  it.each(['1', '2'] as const)(
    'SignatureVersion %s verifies, and fails when any signed field changes',
    async (version) => {
      const signed = signSns(
        {
          ...sesNotification('m-1', { notificationType: 'Bounce' }),
          Subject: 'Amazon SES Email Event Notification',
        },
        cert.keyPem,
        version,
      );
      const message = parseSnsMessage(signed) as SnsMessage;
      const now = new Date();
      expect(await verifySnsMessage(message, keys(), now)).toEqual({ ok: true });
      for (const field of ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn'] as const) {
        const changed = { ...message, [field]: `${message[field]}x` };
        expect([field, await verifySnsMessage(changed, keys(), now)]).toEqual([
          field,
          { ok: false, reason: 'the signature does not match' },
        ]);
      }
      const otherVersion = { ...message, SignatureVersion: version === '1' ? '2' : '1' };
      expect((await verifySnsMessage(otherVersion, keys(), now)).ok).toBe(false);
      expect(await verifySnsMessage({ ...message, SignatureVersion: '3' }, keys(), now)).toEqual({
        ok: false,
        reason: 'SignatureVersion 3 is not 1 or 2',
      });
      // The certificate is valid for two days from now: not after that.
      const later = new Date(Date.now() + 5 * 86_400_000);
      expect(await verifySnsMessage(message, keys(), later)).toEqual({
        ok: false,
        reason: 'the signing certificate is not valid now',
      });
    },
  );

  it('a Subject of null is left out, as SNS leaves it out of what it signs', async () => {
    const signed = signSns(sesNotification('m-2', {}), cert.keyPem);
    const message = parseSnsMessage({ ...signed, Subject: null }) as SnsMessage;
    expect(await verifySnsMessage(message, keys(), new Date())).toEqual({ ok: true });
  });

  it('fetches a certificate once, and again after a failed fetch', async () => {
    let calls = 0;
    const flaky = new SigningKeys(async () => {
      calls++;
      if (calls === 1) throw new Error('timeout');
      return cert.certPem;
    });
    await expect(flaky.certificate(CERT_URL)).rejects.toThrow('timeout');
    await flaky.certificate(CERT_URL);
    await flaky.certificate(CERT_URL);
    expect(calls).toBe(2);
  });

  it('fetches at most perMinute new certificates a minute; cached ones are still served', async () => {
    const urls: string[] = [];
    const keys = new SigningKeys(
      async (url) => {
        urls.push(url);
        return cert.certPem;
      },
      16,
      2,
    );
    const url = (n: number) => CERT_URL.replace('.pem', `-${n}.pem`);
    await keys.certificate(url(1), 0);
    await keys.certificate(url(2), 1000);
    await expect(keys.certificate(url(3), 2000)).rejects.toThrow('over 2 certificate fetches a minute');
    await keys.certificate(url(1), 3000);
    await keys.certificate(url(3), 61_000);
    expect(urls).toEqual([url(1), url(2), url(3)]);
  });

  it('names the missing field of something that is not an SNS message', () => {
    expect(parseSnsMessage([])).toBe('field Type is missing or not a string');
    expect(parseSnsMessage({ ...signSns(sesNotification('m', {}), cert.keyPem), SigningCertURL: 5 })).toBe(
      'field SigningCertURL is missing or not a string',
    );
  });
});

describe('provider events', () => {
  const ses = (body: unknown) =>
    sesEvents({ Message: JSON.stringify(body), MessageId: 'sns-1', Timestamp: '2026-12-01T08:00:00Z' }, 0);

  it('SES: one event per bounced recipient; Undetermined without a status is kept as unrecognised; not-spam is ignored', () => {
    const bounce = ses({
      eventType: 'Bounce',
      bounce: {
        bounceType: 'Undetermined',
        feedbackId: 'fb',
        timestamp: '2026-12-01T07:00:00Z',
        bouncedRecipients: [
          { emailAddress: 'a@example.com', status: '5.1.1', diagnosticCode: 'smtp; 550 5.1.1 unknown' },
          { emailAddress: 'b@example.com' },
        ],
      },
      mail: { source: 'bounces+x@news.example.org', commonHeaders: { messageId: '<m1@news.example.org>' } },
    });
    expect(bounce.events).toEqual([
      {
        email: 'a@example.com',
        kind: 'soft',
        status: '5.1.1',
        diagnostic: 'smtp; 550 5.1.1 unknown',
        source: 'ses',
        sourceId: 'ses:fb:a@example.com',
        at: Date.parse('2026-12-01T07:00:00Z'),
        hints: { returnPath: 'bounces+x@news.example.org', messageId: '<m1@news.example.org>' },
      },
    ]);
    expect(bounce.unrecognised).toEqual([
      {
        source: 'ses',
        sourceId: 'ses:fb:b@example.com',
        diagnostic: 'SES bounce of type Undetermined for b@example.com',
        at: Date.parse('2026-12-01T07:00:00Z'),
      },
    ]);
    const notSpam = ses({
      notificationType: 'Complaint',
      complaint: {
        complaintFeedbackType: 'not-spam',
        complainedRecipients: [{ emailAddress: 'a@example.com' }],
      },
    });
    expect(notSpam).toEqual({ events: [], unrecognised: [], ignored: 1 });
    expect(ses({ notificationType: 'Delivery', delivery: {} })).toEqual({
      events: [],
      unrecognised: [],
      ignored: 1,
    });
    expect(sesEvents({ Message: 'plain text', MessageId: 'sns-2', Timestamp: 'x' }, 7).unrecognised).toEqual([
      {
        source: 'ses',
        sourceId: 'ses:sns-2',
        diagnostic: 'SNS notification whose Message is not an SES event',
        at: 7,
      },
    ]);
  });

  it('Mailgun: permanent is hard, temporary soft, the status from enhanced-code or the message; other events undefined', () => {
    const data = {
      event: 'failed',
      id: 'e1',
      timestamp: 1764576000.5,
      severity: 'permanent',
      recipient: 'a@example.com',
      'delivery-status': { 'enhanced-code': '', message: '550 5.1.1 no such user', description: '' },
      envelope: { sender: 'bounces+1-abcdef01-0123456789ab@news.example.org' },
      message: { headers: { 'message-id': '20261201.1@news.example.org' } },
    };
    expect(mailgunEvent(data, 0)).toEqual({
      email: 'a@example.com',
      kind: 'hard',
      status: '5.1.1',
      diagnostic: '550 5.1.1 no such user',
      source: 'mailgun',
      sourceId: 'mailgun:e1',
      at: 1764576000500,
      hints: {
        returnPath: 'bounces+1-abcdef01-0123456789ab@news.example.org',
        messageId: '<20261201.1@news.example.org>',
      },
    });
    expect(mailgunEvent({ ...data, severity: 'temporary' }, 0)?.kind).toBe('soft');
    expect(mailgunEvent({ ...data, severity: 'unknown' }, 0)).toBeUndefined();
    expect(mailgunEvent({ ...data, event: 'delivered' }, 0)).toBeUndefined();
    expect(mailgunEvent({ event: 'complained', id: 'e2', recipient: 'b@example.com' }, 9)).toMatchObject({
      kind: 'complaint',
      at: 9,
    });
  });

  it('Postmark: 64-bit ids stay exact, Types map to kinds, others are undefined', () => {
    const body = parsePostmark(
      '{"RecordType":"Bounce","ID": 9007199254740993,"Type":"SoftBounce","Email":"a@example.com","Details":"452 4.2.2 mailbox full","Metadata":{"note":"\\"ID\\": 5"}}',
    );
    expect(body?.ID).toBe('9007199254740993');
    expect(postmarkEvent(body as Record<string, unknown>, 3)).toEqual({
      email: 'a@example.com',
      kind: 'soft',
      status: '4.2.2',
      diagnostic: '452 4.2.2 mailbox full',
      source: 'postmark',
      sourceId: 'postmark:9007199254740993',
      at: 3,
    });
    for (const [type, kind] of [
      ['HardBounce', 'hard'],
      ['BadEmailAddress', 'hard'],
      ['Transient', 'soft'],
      ['DnsError', 'soft'],
      ['AutoResponder', undefined],
      ['Blocked', undefined],
      ['Unsubscribe', undefined],
    ]) {
      expect([
        type,
        postmarkEvent({ RecordType: 'Bounce', ID: '1', Type: type, Email: 'a@example.com' }, 0)?.kind,
      ]).toEqual([type, kind]);
    }
    expect(postmarkEvent({ RecordType: 'Delivery', ID: '1', Email: 'a@example.com' }, 0)).toBeUndefined();
    expect(parsePostmark('[1]')).toBeUndefined();
  });

  it('generic: the events as given, or what is wrong with the first bad one', () => {
    expect(
      genericEvents(
        {
          events: [
            { email: ' a@example.com ', kind: 'complaint', sourceId: 'x', at: '2026-12-01T00:00:00Z' },
          ],
        },
        5,
      ),
    ).toEqual([
      {
        email: 'a@example.com',
        kind: 'complaint',
        status: undefined,
        diagnostic: undefined,
        digestKey: undefined,
        source: 'webhook',
        sourceId: 'webhook:x',
        at: Date.parse('2026-12-01T00:00:00Z'),
      },
    ]);
    expect(
      genericEvents({ events: [{ email: 'a@example.com', kind: 'hard', sourceId: 'x' }] }, 5),
    ).toMatchObject([{ at: 5 }]);
    expect(genericEvents([], 0)).toBe('the body must be a JSON object { "events": [...] }');
    expect(
      genericEvents(
        {
          events: [
            { email: 'a@example.com', kind: 'hard', sourceId: 'x' },
            { email: 'b', kind: 'hard' },
          ],
        },
        0,
      ),
    ).toBe('events[1].sourceId must be a non-empty string');
    expect(genericEvents({ events: [{ email: 'a', kind: 'hard', sourceId: 'x', status: '550' }] }, 0)).toBe(
      'events[0].status must be an enhanced status code like "5.1.1"',
    );
    expect(genericEvents({ events: [{ email: 'a', kind: 'hard', sourceId: 'x', at: 'yesterday' }] }, 0)).toBe(
      'events[0].at must be epoch milliseconds or an ISO 8601 time',
    );
    expect(genericEvents({ events: Array.from({ length: 1001 }, () => ({})) }, 0)).toBe(
      'at most 1000 events per request (got 1001)',
    );
  });
});

describe('comparisons and replays', () => {
  it('sameSecret is equality, whatever the lengths', () => {
    expect([
      sameSecret('abc', 'abc'),
      sameSecret('abc', 'abd'),
      sameSecret('ab', 'abc'),
      sameSecret('', ''),
      sameSecret('', 'x'),
    ]).toEqual([true, false, false, true, false]);
  });

  it('ReplayGuard refuses a nonce until it expires, forgets a released one, and keeps at most max', () => {
    const guard = new ReplayGuard(3);
    expect(guard.claim('a', 100, 0)).toBe(true);
    expect(guard.claim('a', 100, 50)).toBe(false);
    expect(guard.claim('a', 200, 101)).toBe(true); // expired: a new claim
    guard.release('a');
    expect(guard.claim('a', 300, 150)).toBe(true);
    for (const n of ['b', 'c', 'd', 'e']) guard.claim(n, 1000, 160);
    // Full: the oldest claims went first, the newest are still refused.
    expect(guard.claim('e', 1000, 170)).toBe(false);
    expect(guard.claim('a', 1000, 170)).toBe(true);
  });
});

describe('fetchText (the real fetcher)', () => {
  async function server(handler: Parameters<typeof createServer>[1]) {
    const s = createServer(handler);
    await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
    cleanups.push(
      () =>
        new Promise<void>((resolve) => {
          s.closeAllConnections();
          s.close(() => resolve());
        }),
    );
    return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
  }

  it('returns the body; refuses a non-2xx answer, a redirect and a body over the limit', async () => {
    const base = await server((req, res) => {
      if (req.url === '/cert.pem') return res.end('-----BEGIN CERTIFICATE-----');
      if (req.url === '/moved') return res.writeHead(301, { Location: '/cert.pem' }).end();
      if (req.url === '/big') return res.end('x'.repeat(70_000));
      res.writeHead(404).end();
    });
    expect(await fetchText(`${base}/cert.pem`)).toBe('-----BEGIN CERTIFICATE-----');
    await expect(fetchText(`${base}/none`)).rejects.toThrow('answered 404');
    await expect(fetchText(`${base}/moved`)).rejects.toThrow();
    await expect(fetchText(`${base}/big`)).rejects.toThrow('over 65536 bytes');
  });

  it('gives up after the timeout', async () => {
    const base = await server((_req, res) => {
      res.writeHead(200);
      res.write('partial');
      cleanups.push(() => void res.destroy());
    });
    await expect(fetchText(`${base}/slow`, { timeoutMs: 200 })).rejects.toThrow();
  });
});
