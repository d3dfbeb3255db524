import { Readable } from 'node:stream';
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
  /**
   * The inactivity limit (config `send.inactivityLimitMs`), ms: a connection that stays silent this
   * long is given up, so a stalled server ends the run after about this long with at most one
   * `unknown` message per connection. Default 60000.
   */
  socketTimeoutMs?: number;
  /** Messages per connection before it is renewed. Default 100. */
  messagesPerConnection?: number;
}

/**
 * The SMTP transport: nodemailer's pool (`pool: true`), each message handed over prebuilt as `raw`
 * with its envelope, so nodemailer composes nothing and does the protocol. A failed message comes
 * back as an outcome and the send loop, through the ledger, decides about retries.
 *
 * Two things the ledger needs that a plain `sendMail` does not give:
 * - the `sending` commit waits for the server's 354: a `stream` plugin makes a Gate the message's
 *   last stream step, and SMTPConnection reads it only once DATA was accepted. So a dropped
 *   connection can be told apart: before the message left (safe to retry) or after (unknown);
 * - once every connection went silent for the inactivity limit, the server is taken as stalled:
 *   the messages not yet under way fail with a fatal outcome and never leave.
 */
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
  const buffers = new CopyBuffers(connections * 4);
  let silent = 0;
  let closed = false;
  const silentFor = (socketTimeout / 1000).toFixed(socketTimeout < 10_000 ? 1 : 0);
  const stalled = (): DeliveryOutcome => ({
    state: 'failed_temp',
    reply: `not sent: the SMTP server ${settings.description} stopped answering (${silentFor} s without a reply on every connection)`,
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
      }
    },

    async send(message: OutgoingMessage): Promise<DeliveryOutcome> {
      if (closed) return { state: 'failed_temp', reply: 'the SMTP transport is closed' };
      if (isStalled()) return stalled();
      const gate = new Gate(message.commit, isStalled);
      const bytes = buffers.take(message);
      try {
        const info = await pool.sendMail({
          envelope: { from: message.from, to: [message.to] },
          raw: bytes.raw,
          // The copy's own Message-ID: nodemailer would otherwise make one up (five random draws per
          // message) for its result, though the raw bytes it sends carry ours.
          messageId: message.messageId,
          gate,
        } as Parameters<typeof pool.sendMail>[0]);
        buffers.give(bytes);
        const reply = clean(String(info.response ?? '250 OK'));
        return { state: 'sent', code: replyCode(reply), reply };
      } catch (cause) {
        const error = cause as SmtpErrorLike;
        // The pool reconnects after a timeout; once each connection has gone silent, stop it.
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
 * The memory of the copies on their way, reused: a copy made of pieces is joined into the buffer of
 * a message the server accepted, not into a fresh one (80 KB for the bench's digest) per message.
 * Memory outside the JS heap that comes and goes at that rate makes V8 run a full collection every
 * hundred messages or so. A buffer is given back only once the server accepted its message, which
 * it can do only after the end of the data, so after every byte of the buffer was written; a failed
 * message's buffer is left to the garbage collector, as it may still be queued on its socket.
 */
class CopyBuffers {
  readonly #free: Buffer[] = [];
  readonly #keep: number;

  /** Keep at most `keep` free buffers (a few per connection cover the messages in flight). */
  constructor(keep: number) {
    this.#keep = keep;
  }

  /** The message's bytes: `raw` itself, or its pieces joined into a free buffer (`own`). */
  take(message: OutgoingMessage): { raw: Buffer; own?: Buffer } {
    const pieces = message.pieces;
    if (!pieces) return { raw: message.raw };
    let own = this.#free.pop();
    // The copies of one digest differ by a few bytes (names, addresses): room for them.
    if (!own || own.length < message.size) own = Buffer.allocUnsafeSlow(message.size + 1024);
    let at = 0;
    for (const piece of pieces) {
      own.set(piece, at);
      at += piece.length;
    }
    return { raw: own.subarray(0, at), own };
  }

  /** A sent message's buffer, free for the next copy. */
  give(bytes: { own?: Buffer }): void {
    if (bytes.own && this.#free.length < this.#keep) this.#free.push(bytes.own);
  }
}

/**
 * The message stream SMTPConnection reads: nothing until its first read (after the server's 354)
 * and the `sending` commit resolved; then the bytes nodemailer prepared.
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
            // The attempt already failed (the connection went while the commit was under way).
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
