import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer, type SMTPServerAddress, type SMTPServerSession } from 'smtp-server';
import { PLACEHOLDERS } from '../../src/render/index.js';
import type { RenderedDigest } from '../../src/types.js';

/** A fresh temporary folder. */
export function tempDir(prefix = 'digest-deliver-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** A small rendered digest with every recipient marker, long lines and non-ASCII text. */
export function sampleRendered(overrides: Partial<RenderedDigest> = {}): RenderedDigest {
  const long = 'A very long paragraph without line breaks, about the day’s news — café, naïve, 東京. '.repeat(
    40,
  );
  const html = [
    '<!doctype html><html><body style="font-family:Arial,sans-serif">',
    `<p>Hello ${PLACEHOLDERS.name} (${PLACEHOLDERS.email}),</p>`,
    `<p>${long}</p>`,
    '<p><a href="https://example.com/a?x=1&amp;y=2">First story</a> — “quoted” text</p>',
    `<p><a href="${PLACEHOLDERS.unsubscribeUrl}">Unsubscribe</a></p>`,
    `<div>${'x'.repeat(2000)}</div>`,
    '</body></html>',
  ].join('\n');
  const text = [
    `Hello ${PLACEHOLDERS.name},`,
    '',
    long,
    '',
    '.a line that starts with a dot',
    'From the desk',
    `Unsubscribe: ${PLACEHOLDERS.unsubscribeUrl}`,
    '',
  ].join('\n');
  return {
    subject: 'Daily digest — 13 Sep 2020: café ☕',
    preheader: 'Top stories',
    html,
    text,
    mjml: '<mjml/>',
    ...overrides,
  };
}

export const parse = (raw: Buffer | string): Promise<ParsedMail> => simpleParser(raw);

/** How many header lines of a raw message have this name (case-insensitive). */
export function headerCount(raw: Buffer | string, name: string): number {
  const text = raw.toString();
  const head = text.slice(0, text.indexOf('\r\n\r\n'));
  return head.split('\r\n').filter((line) => line.toLowerCase().startsWith(`${name.toLowerCase()}:`)).length;
}

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
  received: Received[];
  /** TCP connections accepted. */
  connections: number;
  /** Attempts seen per recipient (RCPT TO). */
  rcptAttempts: Map<string, number>;
  close(): Promise<void>;
}

/** A real SMTP server on 127.0.0.1, port 0, that keeps what it accepts in memory. */
export async function startSmtpServer(options: TestServerOptions = {}): Promise<TestServer> {
  const received: Received[] = [];
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
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks),
          session: session.id,
        });
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
    get connections() {
      return state.connections;
    },
    rcptAttempts,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Wait until `check` is true, polling every 20 ms, at most `ms`. */
export async function waitFor(check: () => boolean, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
