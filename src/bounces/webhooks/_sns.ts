import { createVerify, type KeyObject, X509Certificate } from 'node:crypto';

/** The fields of an SNS message that the signature and the handler read (SNS's own JSON names). */
export interface SnsMessage {
  Type: string;
  MessageId: string;
  TopicArn: string;
  Message: string;
  Timestamp: string;
  SignatureVersion: string;
  Signature: string;
  SigningCertURL: string;
  Subject?: string;
  Token?: string;
  SubscribeURL?: string;
}

/** Fetches the PEM text at an https URL (already checked by certUrlProblem). */
export type CertificateFetcher = (url: string) => Promise<string>;

// The keys each message type signs, in the order SNS documents ("Verifying the signatures of
// Amazon SNS messages"): each as `Key\nValue\n`, an absent Subject left out.
const SIGNED_KEYS: Record<string, (keyof SnsMessage)[]> = {
  Notification: ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type'],
  SubscriptionConfirmation: [
    'Message',
    'MessageId',
    'SubscribeURL',
    'Timestamp',
    'Token',
    'TopicArn',
    'Type',
  ],
  UnsubscribeConfirmation: ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'],
};

const ALGORITHMS: Record<string, string> = { '1': 'RSA-SHA1', '2': 'RSA-SHA256' };

// sns.<region>.amazonaws.com, and .amazonaws.com.cn for the China regions. Nothing before "sns."
// and nothing after the suffix: `sns.us-east-1.amazonaws.com.evil.example` is someone else's host.
const SNS_HOST = /^sns\.[a-z]{2}(-[a-z]+)+-\d\.amazonaws\.com(\.cn)?$/;

/** The string an SNS signature covers, or undefined for a type SNS does not sign this way. */
export function canonicalString(message: SnsMessage): string | undefined {
  const keys = SIGNED_KEYS[message.Type];
  if (!keys) return undefined;
  let out = '';
  for (const key of keys) {
    const value = message[key];
    if (value === undefined && key === 'Subject') continue;
    out += `${key}\n${value ?? ''}\n`;
  }
  return out;
}

/**
 * Why a URL is not one of Amazon SNS's (undefined when it is): https, no user or port, a host
 * `sns.<region>.amazonaws.com`, and for a certificate (`pem`) a path ending in `.pem`.
 */
export function snsUrlProblem(raw: string | undefined, kind: 'pem' | 'subscribe'): string | undefined {
  let url: URL;
  try {
    url = new URL(raw ?? '');
  } catch {
    return 'is not a URL';
  }
  if (url.protocol !== 'https:') return 'is not https';
  if (url.username || url.password || url.port) return 'names a user or a port';
  if (!SNS_HOST.test(url.hostname)) return `host ${url.hostname} is not sns.<region>.amazonaws.com`;
  if (kind === 'pem' && !url.pathname.endsWith('.pem')) return 'path does not end in .pem';
  return undefined;
}

/** A small cache of SNS signing keys by URL, so a certificate is fetched once, not per message. */
export class SigningKeys {
  readonly #fetch: CertificateFetcher;
  readonly #keys = new Map<string, Promise<X509Certificate>>();
  readonly #max: number;
  readonly #perMinute: number;
  #fetches: number[] = [];

  /**
   * `max`: certificates kept (SNS uses one per region at a time, rotated rarely). Default 16.
   * `perMinute`: fetches allowed a minute (default 10), so that requests naming made-up
   * `sns.<region>.amazonaws.com/....pem` URLs cannot make the server fetch without end.
   */
  constructor(fetcher: CertificateFetcher, max = 16, perMinute = 10) {
    this.#fetch = fetcher;
    this.#max = max;
    this.#perMinute = perMinute;
  }

  /** The certificate at `url` (checked by the caller); a failed fetch is not kept, so it is tried again. */
  certificate(url: string, nowMs = Date.now()): Promise<X509Certificate> {
    let found = this.#keys.get(url);
    if (!found) {
      this.#fetches = this.#fetches.filter((t) => t > nowMs - 60_000);
      if (this.#fetches.length >= this.#perMinute) {
        return Promise.reject(
          new Error(`over ${this.#perMinute} certificate fetches a minute; try again later`),
        );
      }
      this.#fetches.push(nowMs);
      if (this.#keys.size >= this.#max) this.#keys.delete(this.#keys.keys().next().value as string);
      found = this.#fetch(url).then((pem) => new X509Certificate(pem));
      found.catch(() => this.#keys.delete(url));
      this.#keys.set(url, found);
    }
    return found;
  }
}

export type SnsVerdict = { ok: true } | { ok: false; reason: string };

/**
 * Verify an SNS message as AWS documents: the certificate URL is Amazon's, the certificate is
 * valid at `now`, and its key verifies `Signature` (SignatureVersion 1: SHA1withRSA, 2:
 * SHA256withRSA) over the canonical string of the message's type.
 */
export async function verifySnsMessage(
  message: SnsMessage,
  keys: SigningKeys,
  now: Date,
): Promise<SnsVerdict> {
  const algorithm = ALGORITHMS[message.SignatureVersion];
  if (!algorithm) return { ok: false, reason: `SignatureVersion ${message.SignatureVersion} is not 1 or 2` };
  const canonical = canonicalString(message);
  if (canonical === undefined)
    return { ok: false, reason: `Type ${message.Type} is not an SNS message type` };
  const urlProblem = snsUrlProblem(message.SigningCertURL, 'pem');
  if (urlProblem) return { ok: false, reason: `SigningCertURL ${urlProblem}` };
  let cert: X509Certificate;
  try {
    cert = await keys.certificate(message.SigningCertURL, now.getTime());
  } catch (error) {
    return { ok: false, reason: `the signing certificate cannot be read: ${String(error)}` };
  }
  if (now < new Date(cert.validFrom) || now > new Date(cert.validTo)) {
    return { ok: false, reason: 'the signing certificate is not valid now' };
  }
  const key: KeyObject = cert.publicKey;
  const signature = Buffer.from(message.Signature, 'base64');
  const valid = createVerify(algorithm).update(canonical, 'utf8').verify(key, signature);
  return valid ? { ok: true } : { ok: false, reason: 'the signature does not match' };
}

/** The body as an SNS message, or why it is not one (a field missing or not a string). */
export function parseSnsMessage(body: unknown): SnsMessage | string {
  if (typeof body !== 'object' || body === null) return 'the body is not a JSON object';
  const record = body as Record<string, unknown>;
  const required = [
    'Type',
    'MessageId',
    'TopicArn',
    'Message',
    'Timestamp',
    'SignatureVersion',
    'Signature',
    'SigningCertURL',
  ];
  for (const key of required) {
    if (typeof record[key] !== 'string') return `field ${key} is missing or not a string`;
  }
  for (const key of ['Subject', 'Token', 'SubscribeURL']) {
    if (record[key] !== undefined && record[key] !== null && typeof record[key] !== 'string') {
      return `field ${key} is not a string`;
    }
  }
  // SNS sends "Subject": null in some notifications; the canonical string leaves it out then.
  if (record.Subject === null) record.Subject = undefined;
  return record as unknown as SnsMessage;
}
