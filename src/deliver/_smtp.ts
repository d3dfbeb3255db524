import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import SMTPConnection from 'nodemailer/lib/smtp-connection';
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
   * long is given up and takes no more messages, so a stalled server ends the run after about this
   * long with at most one `unknown` message per connection. Default 60000.
   */
  socketTimeoutMs?: number;
  /** Messages per connection before it is renewed. Default 100. */
  messagesPerConnection?: number;
}

interface Waiting {
  message: OutgoingMessage;
  resolve: (outcome: DeliveryOutcome) => void;
}

/**
 * An SMTP transport that keeps `connections` of nodemailer's SMTPConnection open and hands each one
 * prebuilt messages straight to `send` (their DATA bytes, already dot-stuffed, go straight to the
 * socket; see gateBody). Not nodemailer's sendMail and pool: each message would go through a MIME
 * node, stream layers and DataStream's byte-by-byte dot-stuffing again, work a prebuilt copy has
 * done once (see docs/bench.md for what that costs). nodemailer still does the protocol. A failed
 * message comes back as an outcome and the send loop, through the ledger, decides about retries.
 * Each message's body is a stream held back until the server said 354 and the `sending` commit
 * resolved, so a dropped connection can be told apart: before the message left (safe to retry) or
 * after (unknown).
 */
export function createSmtpTransport(
  settings: SmtpSettings,
  options: SmtpTransportOptions = {},
): DeliveryTransport {
  const connectTimeout = options.connectTimeoutMs ?? 10_000;
  const connectionOptions: SMTPConnection.Options = {
    host: settings.host,
    port: settings.port,
    secure: settings.secure,
    connectionTimeout: connectTimeout,
    greetingTimeout: connectTimeout,
    socketTimeout: options.socketTimeoutMs ?? 60_000,
    logger: false,
  };
  const credentials = settings.user ? { user: settings.user, pass: settings.pass ?? '' } : undefined;
  const perConnection = Math.max(1, options.messagesPerConnection ?? 100);
  const clean = (text: string) => redact(text, settings);
  const open = () => openConnection(connectionOptions, credentials);
  const lanes = Array.from(
    { length: Math.max(1, options.connections ?? 5) },
    () => new Lane(open, perConnection),
  );
  const queue: Waiting[] = [];
  let closed = false;
  const limitMs = connectionOptions.socketTimeout ?? 0;
  const silentFor = (limitMs / 1000).toFixed(limitMs < 10_000 ? 1 : 0);
  // Once every connection has gone silent, nothing more is tried: the messages not yet started
  // never left (safe to send later), and the run stops on this fatal outcome.
  const stalled = (): DeliveryOutcome => ({
    state: 'failed_temp',
    reply: `not sent: the SMTP server ${settings.description} stopped answering (${silentFor} s without a reply on every connection)`,
    fatal: true,
    blame: 'sender',
  });
  const allStalled = () => lanes.every((lane) => lane.stalled);

  // Give queued messages to idle lanes; each lane sends one message at a time on its connection.
  const pump = () => {
    for (const lane of lanes) {
      if (lane.busy || lane.stalled || closed) continue;
      const next = queue.shift();
      if (!next) return;
      lane.busy = true;
      lane.deliver(next.message, clean).then((outcome) => {
        lane.busy = false;
        next.resolve(outcome);
        pump();
      });
    }
    if (allStalled()) for (const waiting of queue.splice(0)) waiting.resolve(stalled());
  };

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
      const attempt = open();
      try {
        const connection = await Promise.race([attempt, timeout]);
        connection.quit();
      } catch (cause) {
        attempt.then(
          (c) => c.close(),
          () => undefined,
        );
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

    send(message: OutgoingMessage): Promise<DeliveryOutcome> {
      if (closed) return Promise.resolve({ state: 'failed_temp', reply: 'the SMTP transport is closed' });
      if (allStalled()) return Promise.resolve(stalled());
      return new Promise((resolve) => {
        queue.push({ message, resolve });
        pump();
      });
    },

    async close() {
      closed = true;
      for (const waiting of queue.splice(0))
        waiting.resolve({ state: 'failed_temp', reply: 'the SMTP transport was closed' });
      for (const lane of lanes) lane.close();
    },
  };
}

/**
 * One pooled connection: opened on first use, renewed after `perConnection` messages or a failure.
 * The next connection is opened while the current one sends its last few messages, so a renewal
 * does not leave the lane idle for a connect and greeting (a server may take long to greet: reverse
 * DNS, a greet pause). For that short overlap a lane has two connections open.
 */
class Lane {
  busy = false;
  /** The server left this lane's connection silent for the socket timeout: it takes no more work. */
  stalled = false;
  #connection: SMTPConnection | undefined;
  #sent = 0;
  /** The next connection, opening; undefined when its open failed (then the lane opens one itself). */
  #spare: Promise<SMTPConnection | undefined> | undefined;
  #closed = false;
  /** How long the last open took, and the recent time from one message to the next on this lane, ms. */
  #openMs = 0;
  #messageMs = 0;
  #lastStart = 0;
  readonly #open: () => Promise<SMTPConnection>;
  readonly #perConnection: number;

  constructor(open: () => Promise<SMTPConnection>, perConnection: number) {
    this.#open = open;
    this.#perConnection = perConnection;
  }

  /** Send one message; never rejects. */
  async deliver(message: OutgoingMessage, clean: (text: string) => string): Promise<DeliveryOutcome> {
    let connection: SMTPConnection | undefined;
    const body = gateBody(message, () => socketOf(connection));
    // The lane's pace, idle time between messages included (e.g. with a rate limit).
    const started = performance.now();
    if (this.#lastStart > 0) {
      const gap = started - this.#lastStart;
      this.#messageMs = this.#messageMs === 0 ? gap : 0.8 * this.#messageMs + 0.2 * gap;
    }
    this.#lastStart = started;
    try {
      connection = await this.#ready();
      const live = connection;
      const info = await new Promise<SMTPConnection.SentMessageInfo>((resolve, reject) =>
        live.send({ from: message.from, to: [message.to] }, body, (error, sent) =>
          error ? reject(error) : resolve(sent),
        ),
      );
      this.#sent++;
      const reply = clean(String(info.response ?? '250 OK'));
      return { state: 'sent', code: replyCode(reply), reply };
    } catch (cause) {
      const error = cause as SmtpErrorLike;
      // A server that went silent once will likely do it again: a new message here could only
      // add another `unknown` row and another wait.
      if (error.code === 'ETIMEDOUT') this.stalled = true;
      const sent = progress(body);
      if (!body.destroyed) body.destroy();
      if (connection) await this.#afterFailure(connection, error);
      const outcome = classifySmtpError(error, sent);
      return { ...outcome, reply: clean(outcome.reply) };
    }
  }

  close(): void {
    this.#closed = true;
    this.#retire();
    const spare = this.#spare;
    this.#spare = undefined;
    spare?.then((connection) => {
      if (connection && !connection.destroyed) connection.quit();
    });
  }

  #retire(): void {
    const connection = this.#connection;
    this.#connection = undefined;
    if (connection && !connection.destroyed) connection.quit();
  }

  async #ready(): Promise<SMTPConnection> {
    const current = this.#connection;
    if (current && !current.destroyed && this.#sent < this.#perConnection) {
      this.#prepareNext();
      return current;
    }
    this.#retire();
    this.#sent = 0;
    const spare = this.#spare;
    this.#spare = undefined;
    const next = spare ? await spare : undefined;
    this.#connection = next && !next.destroyed ? next : await this.#timedOpen();
    return this.#connection;
  }

  /**
   * Start opening the next connection once the messages left on the current one take about as
   * long as an open did (twice that, for margin). A failed open here is forgotten: the renewal then
   * opens again and reports that error to the message.
   */
  #prepareNext(): void {
    if (this.#spare || this.#closed || this.#messageMs === 0) return;
    const left = this.#perConnection - this.#sent;
    if (left * this.#messageMs > 2 * this.#openMs + 1) return;
    this.#spare = this.#timedOpen().then(
      (connection) => connection,
      () => undefined,
    );
  }

  async #timedOpen(): Promise<SMTPConnection> {
    const started = performance.now();
    const connection = await this.#open();
    this.#openMs = performance.now() - started;
    return connection;
  }

  /**
   * A refused envelope or message leaves the session usable after RSET (as nodemailer's pool does);
   * anything else (a dropped connection, a timeout, a body that could not go) ends the connection.
   */
  async #afterFailure(connection: SMTPConnection, error: SmtpErrorLike): Promise<void> {
    const refused = (error.code === 'EENVELOPE' || error.code === 'EMESSAGE') && error.responseCode !== 421;
    if (refused && !connection.destroyed) {
      const reset = await new Promise<boolean>((resolve) => connection.reset((e) => resolve(!e)));
      if (reset) return;
    }
    if (this.#connection === connection) this.#connection = undefined;
    connection.close();
  }
}

/** The socket under an SMTPConnection (not public API; used for Nagle's flag and DATA writes). */
function socketOf(connection: SMTPConnection | undefined): Socket | undefined {
  const socket = (connection as unknown as { _socket?: Socket } | undefined)?._socket;
  return socket && typeof socket.cork === 'function' ? socket : undefined;
}

/** Connect, greet, log in when the server offers AUTH; rejects with nodemailer's error. */
function openConnection(
  options: SMTPConnection.Options,
  credentials: { user: string; pass: string } | undefined,
): Promise<SMTPConnection> {
  return new Promise((resolve, reject) => {
    const connection = new SMTPConnection(options);
    let settled = false;
    const fail = (error: unknown) => {
      if (settled) return;
      settled = true;
      connection.close();
      reject(error);
    };
    // Errors after the connection is up reach the send callback too; this listener only keeps an
    // emitted 'error' from being unhandled and fails a connect in progress.
    connection.on('error', fail);
    connection.once('end', () =>
      fail(Object.assign(new Error('Connection closed'), { code: 'ECONNECTION' })),
    );
    connection.connect((error) => {
      if (error) return fail(error);
      // Commands and a message's last bytes are small writes that wait for the answer; without
      // Nagle's delay they leave at once. SMTPConnection has no option for it, hence its socket.
      socketOf(connection)?.setNoDelay?.(true);
      if (!credentials || !connection.allowsAuth) {
        settled = true;
        return resolve(connection);
      }
      connection.login({ credentials }, (loginError) => {
        if (loginError) return fail(loginError);
        settled = true;
        resolve(connection);
      });
    });
  });
}

/**
 * The message as a stream that gives nothing until its first read (the server has accepted the
 * envelope and said 354) and the commit has resolved. Until then nothing of the message has left,
 * so a crash before it leaves the ledger row `pending`, not `unknown`.
 *
 * A message with its DATA form ready (`data`: dot-stuffed, with the `.` line) is written straight
 * to the socket, corked into one write, and the stream then ends empty: nodemailer's DataStream,
 * which SMTPConnection pipes to the socket, would otherwise scan every byte of every copy again
 * to dot-stuff it. That stream is unpiped from the socket first, so its own `.` line goes nowhere.
 * Otherwise (a signed message, or a nodemailer that does not look as expected) the whole message
 * goes through DataStream in one chunk.
 */
function gateBody(message: OutgoingMessage, socketOf: () => Socket | undefined): GatedBody {
  let asked = false;
  const body = new GatedBody({
    read() {
      if (asked) return;
      asked = true;
      message.commit().then(
        (go) => {
          if (!go) return body.destroy(new Error('not sent: the ledger has it as sent already'));
          // The attempt already failed (the connection went while the commit was under way).
          if (body.destroyed) return;
          const socket = socketOf();
          const target = body.target as unknown as Partial<Readable> | undefined;
          if (
            message.data &&
            socket &&
            !socket.destroyed &&
            typeof target?.unpipe === 'function' &&
            typeof target.resume === 'function'
          ) {
            target.unpipe(socket);
            target.resume();
            body.handedOn = true;
            socket.cork();
            for (const chunk of message.data) socket.write(chunk);
            socket.uncork();
            body.push(null);
            return;
          }
          body.push(message.raw);
          body.push(null);
        },
        (error: unknown) => body.destroy(error instanceof Error ? error : new Error(String(error))),
      );
    },
  });
  return body;
}

/** A Readable that remembers where it was piped (SMTPConnection's DataStream for the message). */
class GatedBody extends Readable {
  target: NodeJS.WritableStream | undefined;
  /** The whole message, final dot included, was written to the socket. */
  handedOn = false;

  override pipe<T extends NodeJS.WritableStream>(destination: T, options?: { end?: boolean }): T {
    this.target = destination;
    return super.pipe(destination, options);
  }
}

/** How far the SMTP client read the message stream: not at all, partly, or to the end. */
function progress(stream: GatedBody): BodyProgress {
  if (stream.handedOn) return 'all';
  if (!stream.readableDidRead) return 'none';
  return stream.readableEnded ? 'all' : 'partial';
}
