import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { SMTPServer } from 'smtp-server';
import { openStore, type Store } from '../../src/store/index.js';
import { startWebServer, type WebServer, type WebServerOptions } from '../../src/web/index.js';
import { ROOT, runCli } from '../helpers/cli.js';

export { ROOT, runCli };

/** The secret every test signs with (long enough for requireSecret). */
export const SECRET = 'web-test-secret-web-test-secret-0123456789';
/** The repository's sample content and templates: 2026-11-20 .. 2026-11-24. */
export const SAMPLE = ['--content', join(ROOT, 'content'), '--templates', join(ROOT, 'templates')];

/** Things to undo after each test, last first. */
export const cleanups: (() => unknown)[] = [];
export async function runCleanups(): Promise<void> {
  for (const fn of cleanups.splice(0).reverse()) await fn();
}

/** A fresh temporary folder, removed after the test. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'digest-web-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A working folder whose database holds these subscribers, imported through the CLI. */
export async function workspace(emails: string[]): Promise<{ cwd: string; db: string }> {
  const cwd = tempDir();
  writeFileSync(
    join(cwd, 'subs.csv'),
    `email,name\n${emails.map((e, i) => `${e},Reader ${i + 1}`).join('\n')}\n`,
  );
  const r = await runCli(['subscribers', 'import', 'subs.csv'], { cwd });
  if (r.code !== 0) throw new Error(`import failed: ${r.stderr}`);
  return { cwd, db: join(cwd, 'data', 'digest.db') };
}

/** The store and a web server over it on 127.0.0.1, port 0; both closed after the test. */
export async function serve(
  db: string,
  options: Partial<WebServerOptions> = {},
): Promise<{ store: Store; server: WebServer; base: string }> {
  const store = openStore(db);
  const server = await startWebServer({ store, secret: SECRET, port: 0, ...options });
  cleanups.push(() => store.close());
  cleanups.push(() => server.close());
  return { store, server, base: server.url.replace(/\/$/, '') };
}

/** A subscriber's status as stored. */
export function statusOf(store: Store, email: string): string | undefined {
  const row = store.db.prepare('SELECT status FROM subscribers WHERE email = ?').get(email) as
    | { status: string }
    | undefined;
  return row?.status;
}

/** POST as mail clients do for RFC 8058 one-click unsubscribe. */
export function oneClick(url: string, body = 'List-Unsubscribe=One-Click'): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body,
    redirect: 'manual',
  });
}

/**
 * Write request bytes on a raw socket and return the whole answer as text (the server closes or
 * answers with Connection: close). Bounded by `ms`.
 */
export function rawRequest(port: number, bytes: string | Buffer, ms = 10_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no complete answer within ${ms} ms: ${Buffer.concat(chunks).toString('latin1')}`));
    }, ms);
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('latin1'));
    });
    socket.write(bytes);
  });
}

/** The status code of a raw HTTP answer. */
export function statusLine(answer: string): number {
  return Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0);
}

/** One accepted message: envelope recipients and raw bytes. */
export interface Received {
  to: string[];
  raw: Buffer;
}

/** A real SMTP server on 127.0.0.1, port 0, keeping what it accepts; closed after the test. */
export async function smtpReceiver(): Promise<{ url: string; received: Received[] }> {
  const received: Received[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    closeTimeout: 200,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        received.push({ to: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(chunks) });
        callback(null, 'queued');
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  server.on('error', () => {});
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const port = (server.server.address() as { port: number }).port;
  return { url: `smtp://127.0.0.1:${port}`, received };
}

/** Headless Chromium as the brief prescribes. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
