import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.js';
import { parse, startSmtpServer, type TestServer, tempDir, waitFor } from './helpers.js';

/** Real `digest send` processes (bin/digest.js runs dist/, compiled by tests/global-setup.ts). */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(ROOT, 'bin', 'digest.js');
const SECRET = 'cli-test-secret-cli-test-secret-cli-test';
const BUILD = [
  '--date',
  'latest',
  '--content',
  join(ROOT, 'content'),
  '--templates',
  join(ROOT, 'templates'),
];

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

interface Result {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function spawnCli(
  args: string[],
  cwd: string,
  env: Record<string, string>,
): { child: ChildProcess; done: Promise<Result> } {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? '', NO_COLOR: '1', DIGEST_SECRET: SECRET, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d) => {
    stdout += d;
  });
  child.stderr?.on('data', (d) => {
    stderr += d;
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), 50_000);
  const done = new Promise<Result>((resolve) => {
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
  cleanups.push(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return { child, done };
}

/** A gate the test server holds answers behind until the test opens it. */
function gate() {
  let open: () => void = () => {};
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

async function setup(count: number): Promise<{ cwd: string; db: string }> {
  const cwd = tempDir('digest-proc-');
  const db = join(cwd, 'data', 'digest.db');
  const store = openStore(db);
  await store.subscribers.importMany(
    Array.from({ length: count }, (_, i) => ({
      email: `s${String(i + 1).padStart(3, '0')}@example.com`,
      name: '',
      topics: [],
    })),
  );
  store.close();
  return { cwd, db };
}

async function server(options: Parameters<typeof startSmtpServer>[0]): Promise<TestServer> {
  const s = await startSmtpServer(options);
  cleanups.push(() => s.close());
  return s;
}

function copies(s: TestServer): Map<string, number> {
  const counts = new Map<string, number>();
  for (const m of s.received) for (const to of m.to) counts.set(to, (counts.get(to) ?? 0) + 1);
  return counts;
}

/** The ledger as the processes left it (read directly: the file is theirs, written by dist/). */
function states(db: string): Map<string, string> {
  const raw = new Database(db, { readonly: true });
  try {
    const rows = raw.prepare('SELECT email, state FROM deliveries').all() as {
      email: string;
      state: string;
    }[];
    return new Map(rows.map((r) => [r.email, r.state]));
  } finally {
    raw.close();
  }
}

describe('digest send as a real process', () => {
  it('killed (SIGKILL) after about 100 of 200: the next run delivers the rest; duplicates only for unknown rows, only with --resend-unknown', async () => {
    const { cwd, db } = await setup(200);
    // Answer the first 100 at once; hold later ones, so the kill lands with messages on the wire.
    const held = gate();
    const s = await server({ hold: (n) => (n > 100 ? held.promise : undefined) });
    const env = { SMTP_URL: s.url };
    const run = spawnCli(['send', ...BUILD], cwd, env);
    await waitFor(() => s.received.length > 100, 45_000);
    run.child.kill('SIGKILL');
    const killed = await run.done;
    expect(killed.signal).toBe('SIGKILL');
    held.open();
    expect(s.received.length).toBeLessThan(200);

    const second = spawnCli(['send', ...BUILD, '--json'], cwd, env);
    const r2 = await second.done;
    const afterSecond = states(db);
    const unknown = new Set(
      [...afterSecond].filter(([, state]) => state === 'unknown').map(([email]) => email),
    );
    // the messages the server held when the process died are the unknown ones
    expect(unknown.size).toBeGreaterThan(0);
    expect(JSON.parse(r2.stdout).counts).toMatchObject({
      recoveredUnknown: unknown.size,
      skippedUnknown: unknown.size,
    });
    expect(r2.code).toBe(1);
    expect(r2.stderr).toContain('--resend-unknown');
    expect([...copies(s).values()].every((n) => n === 1)).toBe(true);
    for (let i = 1; i <= 200; i++) {
      const email = `s${String(i).padStart(3, '0')}@example.com`;
      // delivered, or `unknown`: its content had left when the process died
      expect(copies(s).has(email) || unknown.has(email)).toBe(true);
      expect(afterSecond.get(email) === 'sent' || unknown.has(email)).toBe(true);
    }

    const third = await spawnCli(['send', ...BUILD, '--resend-unknown'], cwd, env).done;
    expect(third.code).toBe(0);
    const got = copies(s);
    expect(got.size).toBe(200);
    const doubled = [...got].filter(([, n]) => n > 1).map(([email]) => email);
    expect(doubled.every((email) => unknown.has(email))).toBe(true);
    for (const email of doubled) {
      const ids = await Promise.all(
        s.received.filter((m) => m.to[0] === email).map(async (m) => (await parse(m.raw)).messageId),
      );
      expect(new Set(ids).size).toBe(1);
    }
    expect([...states(db).values()].every((state) => state === 'sent')).toBe(true);
  });

  it('two runs of the same digest at once: one sends, the other exits 75 and sends nothing', async () => {
    const { cwd } = await setup(200);
    const held = gate();
    const s = await server({ hold: () => held.promise });
    const env = { SMTP_URL: s.url };
    const first = spawnCli(['send', ...BUILD], cwd, env);
    await waitFor(() => s.received.length >= 1, 45_000);
    const second = await spawnCli(['send', ...BUILD], cwd, env).done;
    expect(second.code).toBe(75);
    expect(second.stderr).toMatch(/already being sent by process \d+ .*nothing was sent/);
    held.open();
    const r = await first.done;
    expect(r.code).toBe(0);
    expect(s.received.length).toBe(200);
    expect([...copies(s).values()].every((n) => n === 1)).toBe(true);
  });
});
