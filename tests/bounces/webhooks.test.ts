import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { digestRefOf, verpAddress } from '../../src/deliver/index.js';
import { bounceEventsFor } from '../../src/store/_bounce-events.js';
import { type StoreKind, storeKinds } from '../helpers/stores.js';
import { runCleanups, SECRET } from '../web/helpers.js';
import {
  CERT_URL,
  ENV,
  eventRows,
  GENERIC_SECRET,
  genericHeaders,
  listOn,
  localCertificate,
  mailgunBody,
  POSTMARK,
  post,
  serveWebhooks,
  sesNotification,
  signSns,
  stateOf,
  TOPIC,
} from './webhooks-helpers.js';

afterEach(runCleanups);
const KINDS = storeKinds();

const EMAILS = ['ada@example.com', 'bob@example.com', 'cy@example.org', 'dee@example.net'];
const ACTIVE = { status: 'active', reason: null };
const nowSeconds = () => Math.floor(Date.now() / 1000);

let cert: { certPem: string; keyPem: string };
beforeAll(() => {
  cert = localCertificate();
});

/** The server with SES on for TOPIC, its certificate fetcher counting calls and SubscribeURL visits kept. */
async function sesServer(kind: StoreKind) {
  const list = await listOn(kind, EMAILS);
  const fetched: string[] = [];
  const visited: string[] = [];
  const served = await serveWebhooks(list, {
    settings: { sesTopicArns: [TOPIC] },
    fetchCertificate: async (url) => {
      fetched.push(url);
      return cert.certPem;
    },
    visit: async (url) => void visited.push(url),
  });
  return { ...served, fetched, visited, url: `${served.base}/webhooks/ses` };
}

const sesBounce = (type: string, email: string, status: string, feedbackId: string) => ({
  notificationType: 'Bounce',
  bounce: {
    bounceType: type,
    bounceSubType: type === 'Permanent' ? 'General' : 'MailboxFull',
    bouncedRecipients: [
      {
        emailAddress: email,
        action: 'failed',
        status,
        diagnosticCode: `smtp; 550 ${status} <${email}>: Recipient address rejected`,
      },
    ],
    timestamp: '2026-12-01T08:00:00.500Z',
    feedbackId,
    reportingMTA: 'dsn; a8-12.smtp-out.amazonses.com',
  },
  mail: {
    timestamp: '2026-12-01T07:59:58.000Z',
    source: 'bounces@news.example.org',
    messageId: '0100018c2a7b-example-000000',
    destination: [email],
  },
});

describe.each(KINDS)('webhooks on the %s store', (_name, kind) => {
  describe('POST /webhooks/ses (SNS)', () => {
    it('confirms the subscription after verifying it, then a signed Permanent bounce suppresses the address, once', async () => {
      const s = await sesServer(kind);
      const subscribeUrl = `https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=${TOPIC}&Token=2336412f37fb687f5d51e6e2425c464d`;
      const confirmation = signSns(
        {
          Type: 'SubscriptionConfirmation',
          MessageId: '165545c9-2a5c-472c-8df2-7ff2be2b3b1b',
          Token: '2336412f37fb687f5d51e6e2425c464d',
          TopicArn: TOPIC,
          Message: `You have chosen to subscribe to the topic ${TOPIC}.`,
          SubscribeURL: subscribeUrl,
          Timestamp: '2026-12-01T07:00:00.000Z',
        },
        cert.keyPem,
        '1',
      );
      const confirmed = await post(s.url, JSON.stringify(confirmation), {
        'Content-Type': 'text/plain; charset=UTF-8',
      });
      expect(confirmed.status).toBe(200);
      expect(s.visited).toEqual([subscribeUrl]);
      expect(s.lines.join('\n')).toContain(`confirmed the SNS subscription to ${TOPIC}`);

      const bounce = signSns(
        sesNotification('msg-1', sesBounce('Permanent', 'ada@example.com', '5.1.1', 'fb-1')),
        cert.keyPem,
      );
      const first = await post(s.url, JSON.stringify(bounce));
      expect(first.status).toBe(200);
      expect(JSON.parse(first.text)).toEqual({
        recorded: 1,
        duplicates: 0,
        suppressed: 1,
        ignored: 0,
        unrecognised: 0,
      });
      expect(await stateOf(s.store, 'ada@example.com')).toEqual({
        status: 'unsubscribed',
        reason: 'bounced',
      });
      expect(await stateOf(s.store, 'bob@example.com')).toEqual(ACTIVE);
      // SNS delivers at least once: the same notification again changes nothing.
      const again = await post(s.url, JSON.stringify(bounce));
      expect(JSON.parse(again.text)).toMatchObject({ recorded: 0, duplicates: 1 });
      expect(await eventRows(s.store)).toEqual([
        {
          email: 'ada@example.com',
          kind: 'hard',
          status: '5.1.1',
          source: 'ses',
          sourceId: 'ses:fb-1:ada@example.com',
          effect: 'suppressed',
        },
      ]);
      // One certificate fetch for all three messages.
      expect(s.fetched).toEqual([CERT_URL]);
    });

    it('records a complaint (unsubscribed, suppressed) and a Transient bounce as a soft one that leaves the address active', async () => {
      const s = await sesServer(kind);
      const complaint = signSns(
        sesNotification('msg-2', {
          notificationType: 'Complaint',
          complaint: {
            complainedRecipients: [{ emailAddress: 'bob@example.com' }],
            timestamp: '2026-12-01T09:00:00.000Z',
            feedbackId: 'fb-2',
            complaintFeedbackType: 'abuse',
            userAgent: 'Yahoo!-Mail-Feedback/2.0',
          },
          mail: { source: 'bounces@news.example.org', messageId: 'm2', destination: ['bob@example.com'] },
        }),
        cert.keyPem,
      );
      expect((await post(s.url, JSON.stringify(complaint))).status).toBe(200);
      expect(await stateOf(s.store, 'bob@example.com')).toEqual({
        status: 'unsubscribed',
        reason: 'complained',
      });
      const soft = signSns(
        sesNotification('msg-3', sesBounce('Transient', 'cy@example.org', '4.2.2', 'fb-3')),
        cert.keyPem,
        '1',
      );
      const r = await post(s.url, JSON.stringify(soft));
      expect(JSON.parse(r.text)).toMatchObject({ recorded: 1, suppressed: 0 });
      expect(await stateOf(s.store, 'cy@example.org')).toEqual(ACTIVE);
      expect((await eventRows(s.store)).map((e) => [e.email, e.kind, e.effect])).toEqual([
        ['bob@example.com', 'complaint', 'suppressed'],
        ['cy@example.org', 'soft', 'counted'],
      ]);
    });

    it('answers 401 to an unsigned, a tampered or a foreign-certificate message, 403 to another topic, and changes nothing', async () => {
      const s = await sesServer(kind);
      const signed = signSns(
        sesNotification('msg-4', sesBounce('Permanent', 'ada@example.com', '5.1.1', 'fb-4')),
        cert.keyPem,
      );
      const { Signature: _drop, ...unsigned } = signed;
      const tampered = { ...signed, Message: signed.Message?.replace('ada@example.com', 'bob@example.com') };
      const evilHost = {
        ...signed,
        SigningCertURL: 'https://sns.us-east-1.amazonaws.com.evil.example/cert.pem',
      };
      const plainHttp = { ...signed, SigningCertURL: CERT_URL.replace('https:', 'http:') };
      const noPem = { ...signed, SigningCertURL: 'https://sns.us-east-1.amazonaws.com/cert.txt' };
      const other = signSns(
        sesNotification(
          'msg-5',
          sesBounce('Permanent', 'ada@example.com', '5.1.1', 'fb-5'),
          'arn:aws:sns:us-east-1:999999999999:theirs',
        ),
        cert.keyPem,
      );
      const results = [];
      for (const body of [unsigned, tampered, evilHost, plainHttp, noPem, other]) {
        results.push((await post(s.url, JSON.stringify(body))).status);
      }
      expect(results).toEqual([401, 401, 401, 401, 401, 403]);
      expect((await post(s.url, 'not json')).status).toBe(400);
      expect(await eventRows(s.store)).toEqual([]);
      for (const email of EMAILS) expect(await stateOf(s.store, email)).toEqual(ACTIVE);
      // The bad certificate URLs were refused before anything was fetched from them.
      expect(s.fetched.every((url) => url === CERT_URL)).toBe(true);
      // Each refusal is logged with its reason.
      const refusals = s.lines.filter((l) => l.includes('refused'));
      expect(refusals).toHaveLength(7);
      expect(refusals.slice(0, 6).map((l) => l.replace(/^webhook ses: refused \((\d+)\): /, '$1 '))).toEqual([
        '401 not a signed SNS message: field Signature is missing or not a string',
        '401 the signature does not match',
        '401 SigningCertURL host sns.us-east-1.amazonaws.com.evil.example is not sns.<region>.amazonaws.com',
        '401 SigningCertURL is not https',
        '401 SigningCertURL path does not end in .pem',
        '403 TopicArn arn:aws:sns:us-east-1:999999999999:theirs is not in webhooks.sesTopicArns',
      ]);
    });

    it('matches a bounce to its subscriber and digest by the VERP envelope sender SES reports, whatever the recipient says', async () => {
      const list = await listOn(kind, EMAILS);
      const bounce = { local: 'bounces', domain: 'news.example.org' };
      const digests = ['2026-11-30', '2026-12-01'];
      const s = await serveWebhooks(list, {
        settings: { sesTopicArns: [TOPIC] },
        fetchCertificate: async () => cert.certPem,
        verp: { bounce, secret: SECRET },
        lookup: {
          digestByRef: (ref) => digests.find((k) => digestRefOf(k) === ref),
          original: () => undefined,
        },
      });
      const dee = await s.store.subscribers.findByEmail('dee@example.net');
      const ses = sesBounce('Permanent', 'forwarded-to@elsewhere.example', '5.1.1', 'fb-verp');
      ses.mail.source = verpAddress(bounce, dee?.id as number, '2026-12-01', SECRET);
      // A VERP address signed with another secret is not ours: that event keeps its reported recipient.
      const forged = sesBounce('Permanent', 'nobody@elsewhere.example', '5.1.1', 'fb-forged');
      forged.mail.source = verpAddress(bounce, 1, '2026-12-01', 'another-secret-another-secret-0123456789');
      for (const [id, body] of [
        ['m-v1', ses],
        ['m-v2', forged],
      ] as const) {
        const r = await post(
          `${s.base}/webhooks/ses`,
          JSON.stringify(signSns(sesNotification(id, body), cert.keyPem)),
        );
        expect(r.status).toBe(200);
      }
      expect(await stateOf(s.store, 'dee@example.net')).toEqual({
        status: 'unsubscribed',
        reason: 'bounced',
      });
      for (const email of EMAILS.slice(0, 3)) expect(await stateOf(s.store, email)).toEqual(ACTIVE);
      const rows = (await bounceEventsFor(s.store.backend).list()).sort((a, b) => a.id - b.id);
      expect(rows.map((r) => ({ email: r.email, digest: r.digestKey, effect: r.effect }))).toEqual([
        { email: 'dee@example.net', digest: '2026-12-01', effect: 'suppressed' },
        { email: 'nobody@elsewhere.example', digest: null, effect: 'unknown-address' },
      ]);
    });

    it('does not visit a SubscribeURL that is not Amazon SNS, even in a validly signed confirmation', async () => {
      const s = await sesServer(kind);
      const confirmation = signSns(
        {
          Type: 'SubscriptionConfirmation',
          MessageId: 'c2',
          Token: 'abc',
          TopicArn: TOPIC,
          Message: 'confirm',
          SubscribeURL: 'https://sns.us-east-1.amazonaws.com.evil.example/?Action=ConfirmSubscription',
          Timestamp: '2026-12-01T07:00:00.000Z',
        },
        cert.keyPem,
      );
      expect((await post(s.url, JSON.stringify(confirmation))).status).toBe(400);
      expect(s.visited).toEqual([]);
    });
  });

  describe('POST /webhooks/mailgun', () => {
    const failed = (id: string, email: string, severity: string, code = '5.1.1') => ({
      event: 'failed',
      id,
      timestamp: nowSeconds() - 5 + 0.375624,
      severity,
      reason: severity === 'permanent' ? 'bounce' : 'generic',
      recipient: email,
      'delivery-status': {
        code: severity === 'permanent' ? 550 : 452,
        'enhanced-code': code,
        message: `${code} The email account that you tried to reach does not exist`,
        description: '',
        'attempt-no': 1,
      },
      message: { headers: { 'message-id': '20261201080000.1.ABC@news.example.org', to: email } },
    });

    it('a signed permanent failure suppresses; the same token again is a replay (401) and counts once', async () => {
      const list = await listOn(kind, EMAILS);
      const s = await serveWebhooks(list);
      const url = `${s.base}/webhooks/mailgun`;
      const body = mailgunBody(failed('G9Bn5sl1TC6nu79C8C0bwg', 'ada@example.com', 'permanent'), {
        timestamp: nowSeconds(),
        token: 'a8ce0edb2dd8301dee6c2405235584e45aa91d1e9f979f3de0',
      });
      const first = await post(url, body);
      expect(first.status).toBe(200);
      expect(await stateOf(s.store, 'ada@example.com')).toEqual({
        status: 'unsubscribed',
        reason: 'bounced',
      });
      const replay = await post(url, body);
      expect(replay.status).toBe(401);
      expect(replay.text).toMatch(/replay/);
      expect(await eventRows(s.store)).toEqual([
        {
          email: 'ada@example.com',
          kind: 'hard',
          status: '5.1.1',
          source: 'mailgun',
          sourceId: 'mailgun:G9Bn5sl1TC6nu79C8C0bwg',
          effect: 'suppressed',
        },
      ]);
    });

    it('a temporary failure is soft and a complaint suppresses; a wrong key, an old timestamp or no signature get 401 and change nothing', async () => {
      const list = await listOn(kind, EMAILS);
      const s = await serveWebhooks(list);
      const url = `${s.base}/webhooks/mailgun`;
      const t = nowSeconds();
      const wrongKey = mailgunBody(failed('x1', 'bob@example.com', 'permanent'), {
        timestamp: t,
        token: 'tok-1',
        key: 'key-not-the-one',
      });
      const old = mailgunBody(failed('x2', 'bob@example.com', 'permanent'), {
        timestamp: t - 3600,
        token: 'tok-2',
      });
      const unsigned = JSON.stringify({ 'event-data': failed('x3', 'bob@example.com', 'permanent') });
      const refusals = [];
      for (const body of [wrongKey, old, unsigned]) refusals.push((await post(url, body)).status);
      expect(refusals).toEqual([401, 401, 401]);
      expect(await eventRows(s.store)).toEqual([]);
      expect(await stateOf(s.store, 'bob@example.com')).toEqual(ACTIVE);

      const temporary = mailgunBody(failed('x5', 'cy@example.org', 'temporary', '4.2.2'), {
        timestamp: t,
        token: 'tok-5',
      });
      expect((await post(url, temporary)).status).toBe(200);
      expect(await stateOf(s.store, 'cy@example.org')).toEqual(ACTIVE);
      const complained = mailgunBody(
        { event: 'complained', id: 'x6', timestamp: t, recipient: 'dee@example.net' },
        { timestamp: t, token: 'tok-6' },
      );
      expect((await post(url, complained)).status).toBe(200);
      expect(await stateOf(s.store, 'dee@example.net')).toEqual({
        status: 'unsubscribed',
        reason: 'complained',
      });
      const delivered = mailgunBody(
        { event: 'delivered', id: 'x7', recipient: 'ada@example.com' },
        { timestamp: t, token: 'tok-7' },
      );
      expect(JSON.parse((await post(url, delivered)).text)).toMatchObject({ recorded: 0, ignored: 1 });
      expect((await eventRows(s.store)).map((e) => [e.email, e.kind])).toEqual([
        ['cy@example.org', 'soft'],
        ['dee@example.net', 'complaint'],
      ]);
    });
  });

  describe('POST /webhooks/postmark', () => {
    const auth = (user: string, password: string) => ({
      Authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`,
    });
    const bounce = (id: string, type: string, email: string) =>
      `{"RecordType":"Bounce","MessageStream":"outbound","ID":${id},"Type":"${type}","TypeCode":1,"Name":"Hard bounce",` +
      `"MessageID":"883953f4-6105-42a2-a16a-77a8eac79483","Description":"The server was unable to deliver your message.",` +
      `"Details":"smtp;550 5.1.1 The email account that you tried to reach does not exist","Email":"${email}",` +
      `"From":"digest@news.example.org","BouncedAt":"2026-12-01T08:00:00.9070259Z","Inactive":true,"CanActivate":true}`;

    it('needs the basic-auth credentials (401 with a challenge otherwise), then records HardBounce and SpamComplaint; AutoResponder is ignored', async () => {
      const list = await listOn(kind, EMAILS);
      const s = await serveWebhooks(list);
      const url = `${s.base}/webhooks/postmark`;
      const body = bounce('4323372036854775807', 'HardBounce', 'ada@example.com');
      const none = await post(url, body);
      expect(none.status).toBe(401);
      expect(none.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
      expect((await post(url, body, auth(POSTMARK.user, 'wrong password'))).status).toBe(401);
      expect((await post(url, body, auth('someone', POSTMARK.password))).status).toBe(401);
      expect(await eventRows(s.store)).toEqual([]);
      expect(await stateOf(s.store, 'ada@example.com')).toEqual(ACTIVE);

      const ok = auth(POSTMARK.user, POSTMARK.password);
      expect((await post(url, body, ok)).status).toBe(200);
      expect(await stateOf(s.store, 'ada@example.com')).toEqual({
        status: 'unsubscribed',
        reason: 'bounced',
      });
      // The next 64-bit id: the same number to JSON.parse, a different event to Postmark.
      expect(
        (await post(url, bounce('4323372036854775808', 'AutoResponder', 'bob@example.com'), ok)).status,
      ).toBe(200);
      const spam = `{"RecordType":"SpamComplaint","ID":4323372036854775809,"Type":"SpamComplaint","TypeCode":512,"Email":"cy@example.org","BouncedAt":"2026-12-01T09:00:00Z","Details":"Test spam complaint details"}`;
      expect((await post(url, spam, ok)).status).toBe(200);
      expect(await stateOf(s.store, 'cy@example.org')).toEqual({
        status: 'unsubscribed',
        reason: 'complained',
      });
      expect(await stateOf(s.store, 'bob@example.com')).toEqual(ACTIVE);
      expect((await eventRows(s.store)).map((e) => e.sourceId)).toEqual([
        'postmark:4323372036854775807',
        'postmark:4323372036854775809',
      ]);
    });
  });

  describe('POST /webhooks/generic', () => {
    const events = (email: string, sourceId: string, kind = 'hard') =>
      JSON.stringify({
        events: [
          {
            email,
            kind,
            status: kind === 'hard' ? '5.1.1' : undefined,
            diagnostic: 'user unknown',
            sourceId,
            digestKey: '2026-12-01',
          },
        ],
      });

    it('a signed batch suppresses; a replay, a tampered body, a stale or missing timestamp get 401; a bad event 400; nothing changes then', async () => {
      const list = await listOn(kind, EMAILS);
      const s = await serveWebhooks(list);
      const url = `${s.base}/webhooks/generic`;
      const t = nowSeconds();
      const body = events('ada@example.com', 'evt-1');
      const headers = genericHeaders(body, t);
      expect((await post(url, body, headers)).status).toBe(200);
      expect(await stateOf(s.store, 'ada@example.com')).toEqual({
        status: 'unsubscribed',
        reason: 'bounced',
      });
      const replay = await post(url, body, headers);
      expect(replay.status).toBe(401);
      const tamperedBody = events('bob@example.com', 'evt-1');
      const staleBody = events('bob@example.com', 'evt-2');
      const noTimestamp = { ...genericHeaders(staleBody, t) } as Record<string, string>;
      delete noTimestamp['X-Digest-Timestamp'];
      const badEvent = JSON.stringify({
        events: [{ email: 'bob@example.com', kind: 'bounced', sourceId: 'evt-3' }],
      });
      const refusals = [
        (await post(url, tamperedBody, headers)).status,
        (await post(url, staleBody, genericHeaders(staleBody, t - 3600))).status,
        (await post(url, staleBody, noTimestamp)).status,
        (await post(url, staleBody, genericHeaders(staleBody, t, `${GENERIC_SECRET}-other`))).status,
      ];
      expect(refusals).toEqual([401, 401, 401, 401]);
      const bad = await post(url, badEvent, genericHeaders(badEvent, t));
      expect(bad.status).toBe(400);
      expect(bad.text).toContain('events[0].kind');
      expect(await stateOf(s.store, 'bob@example.com')).toEqual(ACTIVE);
      expect(await eventRows(s.store)).toEqual([
        {
          email: 'ada@example.com',
          kind: 'hard',
          status: '5.1.1',
          source: 'webhook',
          sourceId: 'webhook:evt-1',
          effect: 'suppressed',
        },
      ]);
      // A new signature over the same event (the sender retrying) is accepted and counted once.
      const retry = await post(url, body, genericHeaders(body, t + 1));
      expect(JSON.parse(retry.text)).toMatchObject({ recorded: 0, duplicates: 1 });
    });
  });

  describe('the webhook routes', () => {
    it('a provider without its secret answers 404; only POST; bodies over the limit get 413', async () => {
      const list = await listOn(kind, EMAILS);
      const off = await serveWebhooks(list, { env: {} });
      for (const name of ['ses', 'mailgun', 'postmark', 'generic']) {
        const r = await post(`${off.base}/webhooks/${name}`, '{}');
        expect([name, r.status, r.text]).toEqual([name, 404, `webhook ${name} is not enabled\n`]);
      }
      expect((await post(`${off.base}/webhooks/other`, '{}')).status).toBe(404);
      const on = await serveWebhooks(list, { env: ENV, settings: { maxBodyBytes: 2048 } });
      const get = await fetch(`${on.base}/webhooks/generic`);
      expect([get.status, get.headers.get('allow')]).toEqual([405, 'POST']);
      const big = JSON.stringify({ events: [], pad: 'x'.repeat(4096) });
      expect((await post(`${on.base}/webhooks/generic`, big, genericHeaders(big, nowSeconds()))).status).toBe(
        413,
      );
      // The subscriber pages still answer beside them.
      expect((await fetch(`${on.base}/healthz`)).status).toBe(200);
    });
  });
});
