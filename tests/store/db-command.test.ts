import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import type { DbStatus } from '../../src/store/_db-status.js';
import { emptyCounts, PG_SCHEMA_VERSION, SCHEMA_VERSION } from '../../src/store/index.js';
import { tempDir } from '../helpers/cleanup.js';
import { runCli } from '../helpers/cli.js';
import { freshPgDatabase } from '../helpers/pg.js';
import { storeKinds } from '../helpers/stores.js';

const kinds = storeKinds();
const drops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const drop of drops.splice(0)) await drop();
});

/** A target that holds no news-digest schema yet: a path with no file, or a new database. */
async function emptyTarget(kind: string): Promise<string> {
  if (kind === 'sqlite') return join(tempDir('digest-db-'), 'data', 'digest.db');
  const database = await freshPgDatabase();
  drops.push(database.drop);
  return database.url;
}

/** Write a schema version the way a newer news-digest would have. */
async function setVersion(kind: string, target: string, version: number): Promise<void> {
  if (kind === 'sqlite') {
    const db = new Database(target);
    db.pragma(`user_version = ${version}`);
    db.close();
    return;
  }
  const client = new pg.Client({ connectionString: target });
  await client.connect();
  await client.query('UPDATE news_digest_schema SET version = $1', [version]);
  await client.end();
}

const cli = (argv: string[]) => runCli(argv, { cwd: tempDir('digest-db-cwd-'), realClock: true });
const known = (kind: string) => (kind === 'sqlite' ? SCHEMA_VERSION : PG_SCHEMA_VERSION);

describe.each(kinds)('digest db on %s', (kind, stores) => {
  it('migrate creates the schema of an empty store (0 -> current), then finds it up to date', async () => {
    const target = await emptyTarget(kind);
    const first = await cli(['db', 'migrate', '--db', target, '--json']);
    expect(first.stderr).toMatch(new RegExp(`schema version 0 -> ${known(kind)}\\n`));
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ store: kind, from: 0, to: known(kind) });
    const again = await cli(['db', 'migrate', '--db', target]);
    expect(again.code).toBe(0);
    expect(again.stderr).toContain(`is up to date: version ${known(kind)}`);
    const status = await cli(['db', 'status', '--db', target, '--json']);
    expect(JSON.parse(status.stdout)).toMatchObject({
      schemaVersion: known(kind),
      knownVersion: known(kind),
    });
  });

  it('migrate refuses a schema newer than this build and leaves it as it is', async () => {
    const { store, target } = await stores.fresh();
    await store.close();
    await setVersion(kind, target, known(kind) + 5);
    const run = await cli(['db', 'migrate', '--db', target]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`schema version ${known(kind) + 5}, written by a newer news-digest`);
    const status = await cli(['db', 'status', '--db', target, '--json']);
    expect(JSON.parse(status.stdout)).toMatchObject({ schemaVersion: known(kind) + 5 });
    expect((await cli(['db', 'status', '--db', target])).stdout).toContain('newer than this news-digest');
  });

  it('status lists the digest in flight with its rows by state and its live sender; a finished digest is not listed', async () => {
    const { store, target } = await stores.fresh();
    const entries = [1, 2, 3, 4, 5].map((id) => ({
      subscriberId: id,
      email: `r${id}@example.com`,
      messageId: `<m${id}@example.com>`,
    }));
    await store.ledger.enqueue('2026-11-28', entries);
    await store.ledger.markResult('2026-11-28', 1, { state: 'sent', code: 250 });
    await store.ledger.markResult('2026-11-28', 2, { state: 'sent', code: 250 });
    await store.ledger.markResult('2026-11-28', 3, { state: 'failed_temp', code: 451 });
    await store.ledger.markResult('2026-11-28', 4, { state: 'unknown' });
    await store.ledger.enqueue('2026-11-27', entries.slice(0, 2));
    await store.ledger.markResult('2026-11-27', 1, { state: 'sent', code: 250 });
    await store.ledger.markResult('2026-11-27', 2, { state: 'failed_perm', code: 550 });
    const lock = await store.ledger.lock('2026-11-28');
    try {
      const run = await cli(['db', 'status', '--db', target, '--json']);
      expect(run.code).toBe(0);
      const status = JSON.parse(run.stdout) as DbStatus;
      expect(status.store).toBe(kind);
      expect(status.inFlight).toEqual([
        {
          digestKey: '2026-11-28',
          counts: { ...emptyCounts(), pending: 1, sent: 2, failed_temp: 1, unknown: 1 },
        },
      ]);
      expect(status.senders).toHaveLength(1);
      const [sender] = status.senders;
      expect(sender).toMatchObject({
        workerId: lock.workerId,
        digestKey: '2026-11-28',
        pid: process.pid,
        live: true,
      });
      expect(sender?.leaseLeftMs).toBeGreaterThan(0);
      expect(sender?.leaseLeftMs).toBeLessThanOrEqual(30_000);
      const text = (await cli(['db', 'status', '--db', target])).stdout;
      expect(text).toContain(`Schema: version ${known(kind)} (up to date)`);
      expect(text).toMatch(
        /Digests in flight: 1\nDIGEST +PENDING +SENDING +SENT +FAILED_TEMP +FAILED_PERM +UNKNOWN\n2026-11-28 +1 +0 +2 +1 +0 +1\n/,
      );
      expect(text).toMatch(
        new RegExp(`Senders: 1 live\\nWORKER +PID +HOST +DIGEST +LEASE\\n${lock.workerId} +${process.pid} `),
      );
    } finally {
      await lock.release();
    }
    const after = JSON.parse((await cli(['db', 'status', '--db', target, '--json'])).stdout) as DbStatus;
    expect(after.senders.filter((s) => s.live)).toEqual([]);
  });

  it('status of a store that does not exist (or holds no schema) says so', async () => {
    const target = await emptyTarget(kind);
    const run = await cli(['db', 'status', '--db', target]);
    if (kind === 'sqlite') {
      expect(run.code).toBe(1);
      expect(run.stderr).toContain('does not exist');
    } else {
      expect(run.code).toBe(0);
      expect(run.stdout).toContain('Schema: none yet');
    }
  });
});

describe('digest db status on SQLite', () => {
  it('shows the lock a killed sender left as a lease that ran out, not as a live sender', async () => {
    const [, sqlite] = kinds[0] as (typeof kinds)[number];
    const { store, target } = await sqlite.fresh();
    await store.close();
    const db = new Database(target);
    const beat = Date.now() - 45_000;
    // A sender on another machine whose heartbeat stopped 45 s ago (SqliteLedger's limit is 30 s).
    db.prepare(
      'INSERT INTO send_locks (digest_key, owner, pid, host, started_at, heartbeat_at) VALUES (?, ?, ?, ?, ?, ?)',
    ).run('2026-11-28', 'dead-owner', 4242, 'elsewhere', beat - 60_000, beat);
    db.close();
    const status = JSON.parse((await cli(['db', 'status', '--db', target, '--json'])).stdout) as DbStatus;
    expect(status.senders).toHaveLength(1);
    expect(status.senders[0]).toMatchObject({ workerId: 'dead-owner', host: 'elsewhere', live: false });
    expect(status.senders[0]?.leaseLeftMs).toBeLessThanOrEqual(-15_000);
    const text = (await cli(['db', 'status', '--db', target])).stdout;
    expect(text).toContain('Senders: 0 live, 1 whose lease ran out');
    expect(text).toMatch(/dead-owner +4242 +elsewhere +2026-11-28 +ran out \d+ s ago/);
  });
});

describe('digest db usage', () => {
  it('an unknown action is a usage error listing the actions', async () => {
    const run = await cli(['db', 'upgrade']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('unknown action "upgrade"; allowed: migrate, status');
  });
});
