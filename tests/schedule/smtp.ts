import { type ChildProcess, spawn } from 'node:child_process';
import { SMTPServer } from 'smtp-server';
import { ROOT } from '../helpers/cli.js';

/** One accepted message: envelope recipients and the raw bytes. */
export interface Accepted {
  to: string[];
  raw: Buffer;
}

export interface Receiver {
  url: string;
  accepted: Accepted[];
  /** Resolves when `n` messages have been accepted (at most 60 s). */
  waitForCount(n: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * A real SMTP server on 127.0.0.1, port 0. `delayMs` holds each message before answering, so a
 * test can signal a sender while a message is in flight.
 */
export async function startReceiver(options: { delayMs?: number } = {}): Promise<Receiver> {
  const accepted: Accepted[] = [];
  const waiters: { n: number; resolve: () => void }[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    closeTimeout: 200,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        setTimeout(() => {
          accepted.push({ to: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(chunks) });
          for (const w of waiters.filter((w) => accepted.length >= w.n)) w.resolve();
          callback(null, 'queued');
        }, options.delayMs ?? 0);
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.server.address() as { port: number }).port;
  return {
    url: `smtp://127.0.0.1:${port}`,
    accepted,
    waitForCount: (n) =>
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
export function copiesPerAddress(accepted: Accepted[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const m of accepted) for (const to of m.to) counts.set(to, (counts.get(to) ?? 0) + 1);
  return counts;
}

/** A running `digest` process with its output so far. */
export interface Spawned {
  child: ChildProcess;
  stderr(): string;
  stdout(): string;
  /** Resolves with the exit code (or -1 when killed by a signal), at most 60 s. */
  exit: Promise<number>;
  /** Resolves when stderr matches `pattern` (at most 60 s). */
  waitForStderr(pattern: RegExp): Promise<void>;
}

/** Start the compiled `digest` command without blocking this process (the SMTP server lives here). */
export function spawnDigest(argv: string[], options: { cwd: string; env: Record<string, string> }): Spawned {
  const child = spawn(process.execPath, [`${ROOT}/bin/digest.js`, ...argv], {
    cwd: options.cwd,
    env: { PATH: process.env.PATH ?? '', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  let stdout = '';
  const watchers: { pattern: RegExp; resolve: () => void }[] = [];
  child.stdout?.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr?.on('data', (c: Buffer) => {
    stderr += c.toString();
    for (const w of watchers.filter((w) => w.pattern.test(stderr))) w.resolve();
  });
  const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const exit = new Promise<number>((resolve) =>
    child.on('close', (code) => {
      clearTimeout(killer);
      resolve(code ?? -1);
    }),
  );
  return {
    child,
    stderr: () => stderr,
    stdout: () => stdout,
    exit,
    waitForStderr: (pattern) =>
      new Promise<void>((resolve, reject) => {
        if (pattern.test(stderr)) return resolve();
        const timer = setTimeout(
          () => reject(new Error(`stderr never matched ${pattern}:\n${stderr}`)),
          60_000,
        );
        watchers.push({
          pattern,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        });
        exit.then(() => {
          if (!pattern.test(stderr)) reject(new Error(`exited before stderr matched ${pattern}:\n${stderr}`));
        });
      }),
  };
}
