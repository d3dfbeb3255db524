import { spawnSync } from 'node:child_process';
import { createHmac, createSign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { WebhookRouterOptions } from '../../src/bounces/webhooks/index.js';
import { WebhookRouter } from '../../src/bounces/webhooks/index.js';
import { bounceEventsFor } from '../../src/store/_bounce-events.js';
import { addressKey, openStore, type Store } from '../../src/store/index.js';
import { startWebServer } from '../../src/web/index.js';
import type { StoreKind } from '../helpers/stores.js';
import { cleanups, SECRET, tempDir } from '../web/helpers.js';

/** A self-signed certificate and its key, made by openssl in a temp dir (valid from now for 2 days). */
export function localCertificate(): { certPem: string; keyPem: string } {
  const dir = tempDir();
  const r = spawnSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      'key.pem',
      '-out',
      'cert.pem',
      '-subj',
      '/CN=sns.amazonaws.com',
      '-days',
      '2',
    ],
    { cwd: dir, encoding: 'utf8', timeout: 30_000 },
  );
  if (r.status !== 0) throw new Error(`openssl failed: ${r.stderr}`);
  return {
    certPem: readFileSync(join(dir, 'cert.pem'), 'utf8'),
    keyPem: readFileSync(join(dir, 'key.pem'), 'utf8'),
  };
}

export const CERT_URL =
  'https://sns.us-east-1.amazonaws.com/SimpleNotificationService-9c6465fa7f48f5cacd23014631ec1136.pem';
export const TOPIC = 'arn:aws:sns:us-east-1:123456789012:ses-bounces';

/**
 * Sign an SNS message as SNS does, written here from AWS's documentation independently of
 * src/bounces/webhooks/_sns.ts: the listed keys in order, `Key\nValue\n`, Subject left out when absent.
 */
export function signSns(
  fields: Record<string, string>,
  keyPem: string,
  version: '1' | '2' = '2',
): Record<string, string> {
  const keys =
    fields.Type === 'Notification'
      ? ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type']
      : ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'];
  const text = keys
    .filter((k) => fields[k] !== undefined)
    .map((k) => `${k}\n${fields[k]}\n`)
    .join('');
  const signature = createSign(version === '1' ? 'RSA-SHA1' : 'RSA-SHA256')
    .update(text)
    .sign(keyPem, 'base64');
  return {
    ...fields,
    SignatureVersion: version,
    Signature: signature,
    SigningCertURL: fields.SigningCertURL ?? CERT_URL,
  };
}

/** An SNS Notification carrying an SES event. */
export function sesNotification(id: string, ses: unknown, topic = TOPIC): Record<string, string> {
  return {
    Type: 'Notification',
    MessageId: id,
    TopicArn: topic,
    Message: JSON.stringify(ses),
    Timestamp: '2026-12-01T08:00:01.000Z',
  };
}

export const MAILGUN_KEY = 'key-3ax6xnjp29jd6fds4gc373sgvjxteol0';
export const POSTMARK = { user: 'postmark', password: 'correct horse battery staple' };
export const GENERIC_SECRET = 'generic-webhook-secret-0123456789abcdef';

/** Every webhook enabled, as an operator would configure them. */
export const ENV = {
  MAILGUN_WEBHOOK_SIGNING_KEY: MAILGUN_KEY,
  POSTMARK_WEBHOOK_USER: POSTMARK.user,
  POSTMARK_WEBHOOK_PASSWORD: POSTMARK.password,
  DIGEST_WEBHOOK_SECRET: GENERIC_SECRET,
};

/** A Mailgun JSON webhook body, signed with `key` at `timestamp` (Unix seconds) with `token`. */
export function mailgunBody(
  eventData: unknown,
  options: { timestamp: number; token: string; key?: string },
): string {
  const timestamp = String(options.timestamp);
  const signature = createHmac('sha256', options.key ?? MAILGUN_KEY)
    .update(timestamp + options.token)
    .digest('hex');
  return JSON.stringify({
    signature: { timestamp, token: options.token, signature },
    'event-data': eventData,
  });
}

/** The headers of a generic webhook request for `body` at `timestamp`. */
export function genericHeaders(
  body: string,
  timestamp: number,
  secret = GENERIC_SECRET,
): Record<string, string> {
  const hex = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
  return {
    'Content-Type': 'application/json',
    'X-Digest-Timestamp': String(timestamp),
    'X-Digest-Signature': `sha256=${hex}`,
  };
}

/**
 * A web server with the webhooks of `options` (env ENV unless given), on 127.0.0.1 port 0, over
 * `list`: an open store (closed by whoever opened it), or the SQLite file at that path (opened here).
 */
export async function serveWebhooks(
  list: string | Store,
  options: Partial<Omit<WebhookRouterOptions, 'store'>> = {},
) {
  const lines: string[] = [];
  const store = typeof list === 'string' ? openStore(list) : list;
  if (typeof list === 'string') cleanups.push(() => store.close());
  const webhooks = new WebhookRouter({ store, env: ENV, log: (l) => lines.push(l), ...options });
  const server = await startWebServer({ store, secret: SECRET, port: 0, webhooks });
  cleanups.push(() => server.close());
  return { store, server, base: server.url.replace(/\/$/, ''), lines };
}

/** Suppression and status of one address, as stored (either store). */
export async function stateOf(
  store: Store,
  email: string,
): Promise<{ status: string | null; reason: string | null } | undefined> {
  const address = await bounceEventsFor(store.backend).address({ key: addressKey(email) });
  if (!address) return undefined;
  const subscriber = (await store.subscribers.list()).find((s) => s.id === address.id);
  return { status: subscriber?.status ?? null, reason: address.suppressedReason };
}

/** The stored bounce events in the order they were recorded (either store). */
export async function eventRows(store: Store) {
  const rows = (await bounceEventsFor(store.backend).list()).sort((a, b) => a.id - b.id);
  return rows.map(({ email, kind, status, source, sourceId, effect }) => ({
    email,
    kind,
    status,
    source,
    sourceId,
    effect,
  }));
}

/** A fresh store of `kind` holding these subscribers (Reader 1, Reader 2, ... as workspace names them). */
export async function listOn(kind: StoreKind, emails: string[]): Promise<Store> {
  const { store } = await kind.fresh();
  await store.subscribers.importMany(
    emails.map((email, i) => ({ email, name: `Reader ${i + 1}`, topics: [] })),
  );
  return store;
}

export async function post(url: string, body: string, headers: Record<string, string> = {}) {
  const r = await fetch(url, {
    method: 'POST',
    body,
    headers: { 'Content-Type': 'application/json', ...headers },
  });
  return { status: r.status, text: await r.text(), headers: r.headers };
}
