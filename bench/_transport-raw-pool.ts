/**
 * The "smtp-raw-pool" transport: nodemailer's own pool (`pool: true`), each message handed over
 * prebuilt as `raw` with its envelope, so nodemailer composes nothing; it streams the bytes
 * through its MIME node and DataStream (dot-stuffing) to one of `connections` pooled
 * connections, renewed every `messagesPerConnection` messages. Same signature and the same
 * promises as createSmtpTransport in src/deliver/_smtp.ts, which swap-transport.ts replaces with
 * this one, so that the bench compares what a switch would really ship:
 * - the ledger's `sending` commit waits for the server's 354: the message's stream (the last
 *   stream step, added by a `stream` plugin) asks for it on its first read, which SMTPConnection
 *   makes only after DATA was accepted;
 * - a failed attempt is classified by how far that stream got (nothing, part, all);
 * - once `connections` connections went silent for the socket timeout, the server is taken as
 *   stalled: messages not yet under way fail with a fatal outcome and never leave.
 */
import { Readable } from 'node:stream';
import nodemailer from 'nodemailer';
import type { SmtpTransportOptions } from '../src/deliver/_smtp.js';
import {
  type BodyProgress,
  classifySmtpError,
  replyCode,
  type SmtpErrorLike,
} from '../src/deliver/_smtp-outcome.js';
import { redact, type SmtpSettings } from '../src/deliver/_smtp-settings.js';
import type { DeliveryOutcome, DeliveryTransport, OutgoingMessage } from '../src/deliver/_transport.js';
import { DigestError } from '../src/errors.js';

export function createSmtpTransport(
  settings: SmtpSettings,
  options: SmtpTransportOptions = {},
): DeliveryTransport {
  const connectTimeout = options.connectTimeoutMs ?? 10_000;
  const socketTimeout = options.socketTimeoutMs ?? 60_000;
  const connections = Math.max(1, options.connections ?? 5);
  const pool = nodemailer.createTransport({
    pool: true,
    host: settings.host,
    port: settings.port,
    secure: settings.secure,
    auth: settings.user ? { user: settings.user, pass: settings.pass ?? '' } : undefined,
    maxConnections: connections,
    maxMessages: Math.max(1, options.messagesPerConnection ?? 100),
    connectionTimeout: connectTimeout,
    greetingTimeout: connectTimeout,
    socketTimeout,
    logger: false,
  });
  pool.use('stream', (mail, done) => {
    const gate = (mail.data as { gate?: Gate }).gate;
    if (gate) mail.message.processFunc((input) => gate.wrap(input));
    done();
  });
  const clean = (text: string) => redact(text, settings);
  let silent = 0;
  let closed = false;
  const stalledFor = (socketTimeout / 1000).toFixed(socketTimeout < 10_000 ? 1 : 0);
  const stalled = (): DeliveryOutcome => ({
    state: 'failed_temp',
    reply: `not sent: the SMTP server ${settings.description} stopped answering (${stalledFor} s without a reply on every connection)`,
    fatal: true,
    blame: 'sender',
  });
  const isStalled = () => silent >= connections;

  return {
    description: settings.description,
    async verify() {
      try {
        await pool.verify();
      } catch (cause) {
        const error = cause as SmtpErrorLike;
        throw new DigestError(
          'E_SMTP',
          `can't use the SMTP server ${settings.description}: ${clean(error.message ?? String(cause))}`,
          {
            field: 'SMTP_URL',
            hint:
              error.code === 'EAUTH'
                ? 'check the user name and password in SMTP_URL or SMTP_USER/SMTP_PASS'
                : 'check SMTP_URL (or SMTP_HOST/SMTP_PORT/SMTP_SECURE) and that the server is running; nothing was sent',
          },
        );
      }
    },
    async send(message: OutgoingMessage): Promise<DeliveryOutcome> {
      if (closed) return { state: 'failed_temp', reply: 'the SMTP transport is closed' };
      if (isStalled()) return stalled();
      const gate = new Gate(message.commit, isStalled);
      try {
        const info = await pool.sendMail({
          envelope: { from: message.from, to: [message.to] },
          raw: message.raw,
          gate,
        } as Parameters<typeof pool.sendMail>[0]);
        const reply = clean(String(info.response ?? '250 OK'));
        return { state: 'sent', code: replyCode(reply), reply };
      } catch (cause) {
        const error = cause as SmtpErrorLike;
        if (error.code === 'ETIMEDOUT' && ++silent === connections) pool.close();
        const progress = gate.progress();
        if (progress === 'none' && isStalled()) return stalled();
        const outcome = classifySmtpError(error, progress);
        return { ...outcome, reply: clean(outcome.reply) };
      }
    },
    async close() {
      closed = true;
      pool.close();
    },
  };
}

/**
 * The message stream SMTPConnection reads: nothing until its first read (after the server's 354)
 * and the `sending` commit; then the bytes nodemailer prepared.
 */
class Gate {
  #stream: Readable | undefined;
  readonly #commit: () => Promise<boolean>;
  readonly #stalled: () => boolean;

  constructor(commit: () => Promise<boolean>, stalled: () => boolean) {
    this.#commit = commit;
    this.#stalled = stalled;
  }

  wrap(input: Readable): Readable {
    let asked = false;
    const output = new Readable({
      read: () => {
        if (asked) {
          input.resume();
          return;
        }
        asked = true;
        if (this.#stalled()) return output.destroy(new Error('not sent: the SMTP server stopped answering'));
        this.#commit().then(
          (go) => {
            if (!go) return output.destroy(new Error('not sent: the ledger has it as sent already'));
            if (output.destroyed) return;
            input.on('data', (chunk: Buffer) => {
              if (!output.push(chunk)) input.pause();
            });
            input.once('end', () => output.push(null));
            input.once('error', (error) => output.destroy(error));
          },
          (error: unknown) => output.destroy(error instanceof Error ? error : new Error(String(error))),
        );
      },
    });
    this.#stream = output;
    return output;
  }

  /** How far SMTPConnection read the message: not at all, partly, or to the end. */
  progress(): BodyProgress {
    const stream = this.#stream;
    if (!stream?.readableDidRead) return 'none';
    return stream.readableEnded ? 'all' : 'partial';
  }
}
