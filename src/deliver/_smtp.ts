import { PassThrough, type Readable } from 'node:stream';
import nodemailer from 'nodemailer';
import { DigestError } from '../errors.js';
import { type BodyProgress, classifySmtpError, replyCode, type SmtpErrorLike } from './_smtp-outcome.js';
import { redact, type SmtpSettings } from './_smtp-settings.js';
import type { DeliveryOutcome, DeliveryTransport, OutgoingMessage } from './_transport.js';

/** Pool and timeout settings of the SMTP transport. */
export interface SmtpTransportOptions {
  /** Pooled connections. Default 5. */
  connections?: number;
  /** Connect and greeting timeouts, ms. Default 10000 (a dead server is reported within 15 s). */
  connectTimeoutMs?: number;
  /** Idle socket timeout during a message, ms. Default 60000. */
  socketTimeoutMs?: number;
  /** Messages per connection before it is renewed. Default 100. */
  messagesPerConnection?: number;
}

/**
 * An SMTP transport on nodemailer's connection pool, sending prebuilt messages (`raw`). nodemailer's
 * own re-queueing is off (`maxRequeues: 0`): a failed message comes back here and the send loop,
 * through the ledger, decides about retries. A small plugin watches each message's stream so that
 * a dropped connection can be told apart: before the message left (safe to retry) or after (unknown).
 */
export function createSmtpTransport(
  settings: SmtpSettings,
  options: SmtpTransportOptions = {},
): DeliveryTransport {
  const connectTimeout = options.connectTimeoutMs ?? 10_000;
  const transporter = nodemailer.createTransport({
    pool: true,
    host: settings.host,
    port: settings.port,
    secure: settings.secure,
    auth: settings.user ? { user: settings.user, pass: settings.pass ?? '' } : undefined,
    maxConnections: options.connections ?? 5,
    maxMessages: options.messagesPerConnection ?? 100,
    maxRequeues: 0,
    connectionTimeout: connectTimeout,
    greetingTimeout: connectTimeout,
    socketTimeout: options.socketTimeoutMs ?? 60_000,
    disableFileAccess: true,
    disableUrlAccess: true,
    logger: false,
  });
  // Keyed by the raw Buffer each message carries, so no private field has to ride on the mail data.
  const tracked = new WeakMap<object, { commit: () => Promise<boolean>; body?: Readable }>();
  transporter.use('stream', (mail, done) => {
    const raw = mail.data.raw;
    const track = raw && typeof raw === 'object' ? tracked.get(raw) : undefined;
    if (track) mail.message.processFunc((input) => (track.body = gateBody(input, track.commit)));
    done();
  });
  const clean = (text: string) => redact(text, settings);

  return {
    description: settings.description,

    async verify() {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`no answer within ${Math.round((connectTimeout * 1.2) / 1000)} s`)),
          connectTimeout * 1.2,
        );
      });
      try {
        await Promise.race([transporter.verify(), timeout]);
      } catch (cause) {
        const error = cause as SmtpErrorLike & { originalCode?: string };
        const detail = clean(
          `${error.message ?? String(cause)}${error.originalCode ? ` (${error.originalCode})` : ''}`,
        );
        throw new DigestError('E_SMTP', `can't use the SMTP server ${settings.description}: ${detail}`, {
          field: 'SMTP_URL',
          hint:
            error.code === 'EAUTH'
              ? 'check the user name and password in SMTP_URL or SMTP_USER/SMTP_PASS'
              : 'check SMTP_URL (or SMTP_HOST/SMTP_PORT/SMTP_SECURE) and that the server is running; nothing was sent',
        });
      } finally {
        clearTimeout(timer);
      }
    },

    async send(message: OutgoingMessage): Promise<DeliveryOutcome> {
      const track: { commit: () => Promise<boolean>; body?: Readable } = { commit: message.commit };
      tracked.set(message.raw, track);
      try {
        const info = await transporter.sendMail({
          envelope: { from: message.from, to: [message.to] },
          raw: message.raw,
        });
        const reply = clean(String(info.response ?? '250 OK'));
        return { state: 'sent', code: replyCode(reply), reply };
      } catch (cause) {
        const outcome = classifySmtpError(cause as SmtpErrorLike, progress(track.body));
        return { ...outcome, reply: clean(outcome.reply) };
      } finally {
        tracked.delete(message.raw);
      }
    },

    async close() {
      transporter.close();
    },
  };
}

/**
 * The message stream as the SMTP client reads it, held back until the first read (the server has
 * accepted the envelope and said 354) and the commit has resolved. Until then nothing of the
 * message has left, so a crash before it leaves the ledger row `pending`, not `unknown`.
 */
function gateBody(input: Readable, commit: () => Promise<boolean>): Readable {
  const body = new PassThrough();
  input.once('error', (error) => body.destroy(error));
  body.once('resume', () => {
    commit().then(
      (go) =>
        go ? input.pipe(body) : body.destroy(new Error('not sent: the ledger has it as sent already')),
      (error: unknown) => body.destroy(error instanceof Error ? error : new Error(String(error))),
    );
  });
  return body;
}

/** How far the SMTP client read the message stream: not at all, partly, or to the end. */
function progress(stream: Readable | undefined): BodyProgress {
  if (!stream?.readableDidRead) return 'none';
  return stream?.readableEnded ? 'all' : 'partial';
}
