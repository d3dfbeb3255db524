import { SMTPServer, type SMTPServerAddress, type SMTPServerSession } from 'smtp-server';
import { cleanups } from './cleanup.js';

/** One message as the test server received it. */
export interface Received {
  from: string;
  to: string[];
  raw: Buffer;
  session: string;
}

/** What the test server does with one message, by its 1-based number among all messages. */
export type DataAction = 'accept' | 'accept-then-close' | 'drop-before-reply';

export interface TestServerOptions {
  /** Answer a recipient with an error: return `[code, text]`, or undefined to accept. */
  onRcpt?: (address: string, attempt: number) => [number, string] | undefined;
  onData?: (n: number) => DataAction;
  /** Accept logins for which this returns true (AUTH required then). */
  auth?: (user: string, pass: string) => boolean;
  /** Wait this long before answering each message, ms (to keep a run busy). */
  delayMs?: number;
  /** Answer message n only when the returned promise settles (none: at once). */
  hold?: (n: number) => Promise<void> | undefined;
}

export interface TestServer {
  port: number;
  url: string;
  /** Every message whose content arrived, answered or not (yet). */
  received: Received[];
  /** The messages answered with 250, in the order answered. */
  accepted: Received[];
  /** TCP connections accepted. */
  connections: number;
  /** Attempts seen per recipient (RCPT TO). */
  rcptAttempts: Map<string, number>;
  /** Resolves when `n` messages have been answered with 250 (at most 60 s). */
  waitForAccepted(n: number): Promise<void>;
  close(): Promise<void>;
}

/** A real SMTP server on 127.0.0.1, port 0, that keeps what it accepts in memory. */
export async function startSmtpServer(options: TestServerOptions = {}): Promise<TestServer> {
  const received: Received[] = [];
  const accepted: Received[] = [];
  const waiters: { n: number; resolve: () => void }[] = [];
  const rcptAttempts = new Map<string, number>();
  let dataCount = 0;
  const state = { connections: 0 };
  const server: SMTPServer = new SMTPServer({
    authOptional: !options.auth,
    disabledCommands: options.auth ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
    allowInsecureAuth: true,
    logger: false,
    closeTimeout: 200,
    onConnect(_session: SMTPServerSession, callback) {
      state.connections++;
      callback();
    },
    onAuth(auth, _session, callback) {
      if (options.auth?.(auth.username ?? '', auth.password ?? '')) callback(null, { user: auth.username });
      else callback(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
    },
    onRcptTo(address: SMTPServerAddress, _session, callback) {
      const n = (rcptAttempts.get(address.address) ?? 0) + 1;
      rcptAttempts.set(address.address, n);
      const error = options.onRcpt?.(address.address, n);
      if (error) callback(Object.assign(new Error(error[1]), { responseCode: error[0] }));
      else callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const n = ++dataCount;
        const action = options.onData?.(n) ?? 'accept';
        const message: Received = {
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks),
          session: session.id,
        };
        received.push(message);
        const connection = [
          ...(
            server as unknown as {
              connections: Set<{ id: string; close(): void; _socket: { destroy(): void } }>;
            }
          ).connections,
        ].find((c) => c.id === session.id);
        if (action === 'drop-before-reply') {
          connection?._socket.destroy();
          return;
        }
        const answer = () => {
          accepted.push(message);
          for (const w of waiters.filter((w) => accepted.length >= w.n)) w.resolve();
          callback(null, 'queued');
          if (action === 'accept-then-close') setImmediate(() => connection?.close());
        };
        const held = options.hold?.(n);
        if (held) held.then(answer, answer);
        else if (options.delayMs) setTimeout(answer, options.delayMs);
        else answer();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  server.on('error', () => {});
  const port = (server.server.address() as { port: number }).port;
  return {
    port,
    url: `smtp://127.0.0.1:${port}`,
    received,
    accepted,
    get connections() {
      return state.connections;
    },
    rcptAttempts,
    waitForAccepted: (n) =>
      new Promise<void>((resolve, reject) => {
        if (accepted.length >= n) return resolve();
        const timer = setTimeout(() => reject(new Error(`fewer than ${n} messages within 60 s`)), 60_000);
        waiters.push({
          n,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        });
      }),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** How many copies each address received. */
export function copiesPerAddress(messages: { to: string[] }[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const m of messages) for (const to of m.to) counts.set(to, (counts.get(to) ?? 0) + 1);
  return counts;
}

/** `startSmtpServer`, closed after the test by `runCleanups`. */
export async function smtpServer(options: TestServerOptions = {}): Promise<TestServer> {
  const server = await startSmtpServer(options);
  cleanups.push(() => server.close());
  return server;
}
