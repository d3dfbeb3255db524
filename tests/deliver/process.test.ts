import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanups, runCleanups } from '../helpers/cleanup.js';
import { type Spawned, spawnDigest } from '../helpers/cli.js';
import { copiesPerAddress, smtpServer } from '../helpers/smtp.js';
import { waitFor } from '../helpers/wait.js';
import { BUILD, parse, SECRET, subscriberFolder } from './helpers.js';

/** Real `digest send` processes (bin/digest.js runs dist/, compiled by tests/global-setup.ts). */

afterEach(runCleanups);

/** `digest` as its own process, signed with SECRET; killed after the test if still running. */
function spawnCli(args: string[], cwd: string, env: Record<string, string>): Spawned {
  const run = spawnDigest(args, { cwd, env: { NO_COLOR: '1', DIGEST_SECRET: SECRET, ...env } });
  cleanups.push(run.kill);
  return run;
}

/** A gate the test server holds answers behind until the test opens it. */
function gate() {
  let open: () => void = () => {};
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

const setup = (count: number) => subscriberFolder(count, 'digest-proc-');

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
    const s = await smtpServer({ hold: (n) => (n > 100 ? held.promise : undefined) });
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
    expect([...copiesPerAddress(s.received).values()].every((n) => n === 1)).toBe(true);
    for (let i = 1; i <= 200; i++) {
      const email = `s${String(i).padStart(3, '0')}@example.com`;
      // delivered, or `unknown`: its content had left when the process died
      expect(copiesPerAddress(s.received).has(email) || unknown.has(email)).toBe(true);
      expect(afterSecond.get(email) === 'sent' || unknown.has(email)).toBe(true);
    }

    const third = await spawnCli(['send', ...BUILD, '--resend-unknown'], cwd, env).done;
    expect(third.code).toBe(0);
    const got = copiesPerAddress(s.received);
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
    const s = await smtpServer({ hold: () => held.promise });
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
    expect([...copiesPerAddress(s.received).values()].every((n) => n === 1)).toBe(true);
  });
});
