import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { connectStore } from '../../src/store/index.js';
import { cleanups, runCleanups, tempDir } from '../helpers/cleanup.js';
import { runCli, type Spawned, type SpawnResult, spawnCli, spawnDigest } from '../helpers/cli.js';
import { freshPgDatabase } from '../helpers/pg.js';
import { copiesPerAddress, smtpServer, type TestServer } from '../helpers/smtp.js';
import { waitFor } from '../helpers/wait.js';
import { BUILD, SECRET } from './helpers.js';

/**
 * The acceptance test of shared sending: real `digest send` processes (bin/digest.js, dist/) on
 * one PostgreSQL database and one real SMTP server, some of them SIGKILLed.
 */

const SUBSCRIBERS = 3000;
/** Subscribers of each kill trial: the same 3,000 as the acceptance names. */
const TRIAL_SUBSCRIBERS = SUBSCRIBERS;
/** A trial sends 3,000 three times over (a build each, the kill, the re-run): room on a busy CI machine. */
const TRIAL_TIMEOUT_MS = 150_000;
/** send.connections of every sender: the most messages a killed one can have on the wire. */
const CONNECTIONS = 5;
/** A short lease, so that a killed sender's rows come back to the others within seconds. */
const LEASE_SECONDS = 2;

afterEach(runCleanups);

/**
 * One build cache (content index and render cache) for every sender of the file, warmed once:
 * several senders on one machine share theirs, and a warm start keeps the trials short.
 */
let cacheDb = '';
beforeAll(() => {
  cacheDb = join(tempDir('digest-shared-cache-'), 'cache.db');
  const warm = spawnCli(['build', ...BUILD, '--cache-db', cacheDb, '--out', join(tempDir(), 'out')], {
    cwd: tempDir(),
  });
  expect(warm.code, warm.stderr).toBe(0);
});

interface SharedSetup {
  url: string;
  cwd: string;
  smtp: TestServer;
}

/** A fresh database with `count` subscribers, a working folder whose config sets the lease, a sink. */
async function setup(count: number): Promise<SharedSetup> {
  const database = await freshPgDatabase();
  cleanups.push(() => database.drop());
  const seed = await connectStore(database.url);
  try {
    await seed.subscribers.importMany(
      Array.from({ length: count }, (_, i) => ({
        email: `r${String(i + 1).padStart(4, '0')}@example.com`,
        name: `Reader ${i + 1}`,
        topics: [],
      })),
    );
  } finally {
    await seed.close();
  }
  const cwd = tempDir('digest-shared-');
  writeFileSync(
    join(cwd, 'digest.config.json'),
    JSON.stringify({
      publicUrl: 'https://news.example.com',
      send: { connections: CONNECTIONS, leaseSeconds: LEASE_SECONDS },
    }),
  );
  const smtp = await smtpServer();
  return { url: database.url, cwd, smtp };
}

/** One `digest send` of the latest sample day into the shared database; SIGKILLed after the test if still running. */
function sender({ url, cwd, smtp }: SharedSetup): Spawned {
  const run = spawnDigest(['send', ...BUILD, '--db', url, '--cache-db', cacheDb, '--json'], {
    cwd,
    env: { NO_COLOR: '1', DIGEST_SECRET: SECRET, SMTP_URL: smtp.url },
  });
  cleanups.push(run.kill);
  return run;
}

/** The worker id in a finished sender's --json report. */
function workerIdOf(result: SpawnResult): string {
  const report = JSON.parse(result.stdout) as { workerId?: string };
  if (typeof report.workerId !== 'string')
    throw new Error(`no workerId in the report:\n${result.stdout}\n${result.stderr}`);
  return report.workerId;
}

interface LedgerRow {
  email: string;
  state: string;
  claimed_by: string | null;
}

/** Every ledger row, read straight from the database the processes wrote. */
async function ledgerRows(url: string): Promise<LedgerRow[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const rows = await client.query<LedgerRow>('SELECT email, state, claimed_by FROM deliveries');
    return rows.rows;
  } finally {
    await client.end();
  }
}

/**
 * The worker id of the sender running as process `pid` once it has sent at least one message of
 * its own (its send_workers row names its pid), else undefined.
 */
async function sentBy(url: string, pid: number): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const found = await client.query<{ worker_id: string }>(
      `SELECT w.worker_id FROM send_workers w
       WHERE w.pid = $1 AND EXISTS (SELECT 1 FROM deliveries d WHERE d.claimed_by = w.worker_id AND d.state = 'sent')`,
      [pid],
    );
    return found.rows[0]?.worker_id;
  } finally {
    await client.end();
  }
}

/** A small seeded generator (mulberry32): the same trials on every run, each one different. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('three digest send processes sharing one PostgreSQL ledger', () => {
  it(`${SUBSCRIBERS} subscribers: every one receives exactly one message, and all three exit 0`, async () => {
    const s = await setup(SUBSCRIBERS);
    const runs = [sender(s), sender(s), sender(s)];
    const results = await Promise.all(runs.map((r) => r.done));
    for (const r of results) expect(r.code, r.stderr).toBe(0);

    const copies = copiesPerAddress(s.smtp.received);
    expect(copies.size).toBe(SUBSCRIBERS);
    expect([...copies.values()].filter((n) => n !== 1)).toEqual([]);
    const reports = results.map((r) => JSON.parse(r.stdout));
    // What each sender says it sent adds up to the digest, and each saw it complete.
    expect(reports.reduce((sum, r) => sum + r.counts.sent, 0)).toBe(SUBSCRIBERS);
    expect(reports.map((r) => r.complete)).toEqual([true, true, true]);
    // Three senders, three worker ids, one stored copy that all of them sent.
    expect(new Set(results.map(workerIdOf)).size).toBe(3);
    expect(reports.filter((r) => r.copy.mine)).toHaveLength(1);
    expect(new Set(reports.map((r) => r.copy.sha256)).size).toBe(1);
    const rows = await ledgerRows(s.url);
    expect(rows.filter((r) => r.state === 'sent')).toHaveLength(SUBSCRIBERS);
  });

  const random = seeded(18);
  const trials = Array.from({ length: 5 }, (_, i) => ({
    trial: i + 1,
    // Killed after this many messages reached the server, somewhere in the middle of the send.
    at: Math.floor(TRIAL_SUBSCRIBERS * (0.1 + 0.8 * random())),
    victim: Math.floor(random() * 3),
  }));

  it.each(trials)(
    'trial $trial: one of three SIGKILLed after $at messages; after the others and one re-run, nobody has two copies and only the killed sender’s unknown rows have none',
    async ({ at, victim }) => {
      const s = await setup(TRIAL_SUBSCRIBERS);
      const runs = [sender(s), sender(s), sender(s)];
      const killed = runs[victim] as Spawned;
      // The moment: `at` messages at the server, and the victim has sent some of them itself.
      await waitFor(() => s.smtp.received.length >= at, 50_000, `${at} messages at the server`);
      const dead = await waitFor(() => sentBy(s.url, killed.child.pid ?? 0), 50_000, 'the victim to send');
      killed.child.kill('SIGKILL');
      expect((await killed.done).signal).toBe('SIGKILL');
      const survivors = await Promise.all(runs.filter((r) => r !== killed).map((r) => r.done));
      // Done or not (the killed sender's messages on the wire are unknown: exit 1), they ended by themselves.
      for (const r of survivors) expect([0, 1], r.stderr).toContain(r.code);

      const rerun = await sender(s).done;
      expect([0, 1], rerun.stderr).toContain(rerun.code);
      const alive = new Set([...survivors, rerun].map(workerIdOf));
      expect(alive.size).toBe(3);
      expect(alive.has(dead)).toBe(false);

      const rows = await ledgerRows(s.url);
      expect(rows).toHaveLength(TRIAL_SUBSCRIBERS);
      const copies = copiesPerAddress(s.smtp.received);
      expect([...copies].filter(([, n]) => n > 1)).toEqual([]);
      const without = rows.filter((r) => !copies.has(r.email));
      for (const row of without) expect(row).toMatchObject({ state: 'unknown', claimed_by: dead });
      expect(without.length).toBeLessThanOrEqual(CONNECTIONS);
      // Everyone else has the digest and the ledger says so; what is not sent is unknown, never resent.
      for (const row of rows.filter((r) => copies.has(r.email)))
        expect(['sent', 'unknown']).toContain(row.state);
      expect(rows.filter((r) => r.state !== 'sent' && r.state !== 'unknown')).toEqual([]);
      const report = JSON.parse(rerun.stdout);
      expect(report.counts.sent).toBe(0);
      expect(report.complete).toBe(rows.every((r) => r.state === 'sent'));
    },
    TRIAL_TIMEOUT_MS,
  );
});

describe('digest send --workers', () => {
  it('--workers 3 on PostgreSQL: three local senders share the digest, one message each, one summary adding them up', async () => {
    const s = await setup(300);
    const run = spawnDigest(
      ['send', ...BUILD, '--db', s.url, '--cache-db', cacheDb, '--workers', '3', '--json'],
      {
        cwd: s.cwd,
        env: { NO_COLOR: '1', DIGEST_SECRET: SECRET, SMTP_URL: s.smtp.url },
      },
    );
    cleanups.push(run.kill);
    const result = await run.done;
    expect(result.code, result.stderr).toBe(0);
    const copies = copiesPerAddress(s.smtp.received);
    expect(copies.size).toBe(300);
    expect([...copies.values()].filter((n) => n !== 1)).toEqual([]);
    const out = JSON.parse(result.stdout);
    expect(out.workers).toHaveLength(3);
    expect(out.workers.map((w: { code: number }) => w.code)).toEqual([0, 0, 0]);
    expect(out.sent).toBe(300);
    const each = out.digests[0].sentPerWorker as number[];
    expect(each.reduce((a, b) => a + b, 0)).toBe(300);
    // Each worker's own lines are marked, and one line sums them up.
    expect(result.stderr).toMatch(/^\[worker 1\] Sent digest /m);
    expect(result.stderr).toMatch(/^\[worker 3\] Sent digest /m);
    expect(result.stderr).toContain(`with 3 workers (${each.join(' + ')}) to 300 of 300 subscribers`);
  });

  it('Ctrl-C (SIGINT) to --workers 3: every worker finishes and records its messages in flight, and a re-run sends the rest once', async () => {
    let open: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    const s = await setup(300);
    // Answer the first 60 at once; hold later ones, so the stop lands with messages on the wire.
    const held = await smtpServer({ hold: (n) => (n > 60 ? gate : undefined) });
    const env = { NO_COLOR: '1', DIGEST_SECRET: SECRET, SMTP_URL: held.url };
    const run = spawnDigest(['send', ...BUILD, '--db', s.url, '--cache-db', cacheDb, '--workers', '3'], {
      cwd: s.cwd,
      env,
    });
    cleanups.push(run.kill);
    await waitFor(() => held.received.length > 60, 50_000, 'messages held at the server');
    run.child.kill('SIGINT');
    setTimeout(open, 300);
    const stopped = await run.done;
    expect(stopped.code, stopped.stderr).toBe(1);
    const rows = await ledgerRows(s.url);
    // Whatever reached the server was recorded sent; nothing is left sending or unknown.
    const copies = copiesPerAddress(held.received);
    expect(rows.filter((r) => r.state === 'sending' || r.state === 'unknown')).toEqual([]);
    for (const row of rows) expect(row.state === 'sent').toBe(copies.has(row.email));
    expect(rows.filter((r) => r.state === 'sent').length).toBeLessThan(300);

    const rerun = await sender({ ...s, smtp: held }).done;
    expect(rerun.code, rerun.stderr).toBe(0);
    const all = copiesPerAddress(held.received);
    expect(all.size).toBe(300);
    expect([...all.values()].filter((n) => n !== 1)).toEqual([]);
  });

  it('--workers 2 with a SQLite file is a usage error that names PostgreSQL, and sends nothing', async () => {
    const cwd = tempDir('digest-workers-sqlite-');
    const smtp = await smtpServer();
    const result = await runCli(['send', ...BUILD, '--db', join(cwd, 'digest.db'), '--workers', '2'], {
      cwd,
      env: { DIGEST_SECRET: SECRET, SMTP_URL: smtp.url },
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--workers 2 needs a PostgreSQL store');
    expect(smtp.received).toEqual([]);
  });

  it.each([
    ['0', 'a whole number from 1 to 32'],
    ['many', 'a whole number from 1 to 32'],
  ])('--workers %s is a usage error', async (n, message) => {
    const cwd = tempDir('digest-workers-n-');
    const result = await runCli(['send', ...BUILD, '--db', 'postgres://127.0.0.1:1/none', '--workers', n], {
      cwd,
      env: { DIGEST_SECRET: SECRET },
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
  });
});
