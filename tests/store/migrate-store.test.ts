import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { COPIED_TABLES } from '../../src/store/_copy-store.js';
import { openStore } from '../../src/store/index.js';
import { BUILD, SECRET, subscriberFolder } from '../deliver/helpers.js';
import { runCleanups, tempDir } from '../helpers/cleanup.js';
import { type CliRun, runCli } from '../helpers/cli.js';
import { freshPgDatabase, type TestDatabase } from '../helpers/pg.js';
import { copiesPerAddress, smtpServer } from '../helpers/smtp.js';

let database: TestDatabase | undefined;
afterEach(async () => {
  await runCleanups();
  await database?.drop();
  database = undefined;
});

function cli(args: string[], cwd: string, env: Record<string, string> = {}): Promise<CliRun> {
  return runCli(args, { cwd, env: { NO_COLOR: '1', DIGEST_SECRET: SECRET, ...env }, realClock: true });
}

/** Every row of every copied table, in its order, from the SQLite file. */
function sqliteRows(file: string): Record<string, unknown[]> {
  const db = new Database(file, { readonly: true });
  try {
    return Object.fromEntries(
      COPIED_TABLES.map((t) => [t.name, db.prepare(`SELECT * FROM ${t.name} ORDER BY ${t.order}`).all()]),
    );
  } finally {
    db.close();
  }
}

/** The same rows from PostgreSQL, with only the columns the SQLite file has. */
async function pgRows(url: string, like: Record<string, unknown[]>): Promise<Record<string, unknown[]>> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const out: Record<string, unknown[]> = {};
    for (const t of COPIED_TABLES) {
      const rows = (await client.query(`SELECT * FROM ${t.name} ORDER BY ${t.order}`)).rows;
      const sample = like[t.name]?.[0] as Record<string, unknown> | undefined;
      const keys = sample ? Object.keys(sample) : [];
      // BIGINT comes back as a number: src/store/pg/_pool.ts (imported above) sets pg's parser.
      out[t.name] = rows.map((r) => Object.fromEntries(keys.map((k) => [k, r[k]])));
    }
    return out;
  } finally {
    await client.end();
  }
}

async function pgQuery<T>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows as T[];
  } finally {
    await client.end();
  }
}

/** Rows for the tables a send does not fill: a schedule run, a feed with an item, bounce events. */
function fillOtherTables(file: string): void {
  const db = new Database(file);
  db.exec(`
    INSERT INTO runs (schedule_key, send_date, state, scheduled_at, window_kind, window_label, digest_key,
                      items, recipients, sent, failed, reason, attempts, owner_pid, owner_host, started_at,
                      updated_at, finished_at)
      VALUES ('daily', '2026-11-28', 'sent', 1764316800000, 'previous-day', '2026-11-27 (UTC)', '2026-11-27',
              7, 12, 12, 0, NULL, 1, 4242, 'old-host', 1764316800000, 1764316900000, 1764316900000),
             ('daily', '2026-11-29', 'failed', 1764403200000, 'previous-day', '2026-11-28 (UTC)', NULL,
              NULL, NULL, NULL, NULL, 'SMTP refused: 535', 3, 4242, 'old-host', 1764403200000, 1764403300000, 1764403300000);
    INSERT INTO feeds (url, current_url, etag, last_modified, last_status, last_success_at, updated_at)
      VALUES ('https://news.example.com/feed.xml', 'https://news.example.com/rss', '"abc"',
              'Sat, 28 Nov 2026 06:00:00 GMT', 200, 1764316800000, 1764316800000);
    INSERT INTO feed_items (feed_url, item_id, path, written_at)
      VALUES ('https://news.example.com/feed.xml', 'guid-1', 'news/2026-11-28-one.md', 1764316800000);
    INSERT INTO bounce_events (address_id, email, digest_key, kind, status, diagnostic, source, source_id,
                               effect, occurred_at, recorded_at)
      VALUES (12, 's012@example.com', NULL, 'hard', '5.1.1', '550 5.1.1 no such user', 'import', 'dsn-1',
              'suppressed', 1764316800000, 1764316800000),
             (NULL, NULL, NULL, 'unrecognised', NULL, NULL, 'import', 'dsn-2', 'none', 1764316800000, 1764316800000);
  `);
  db.close();
}

describe('digest migrate-store', () => {
  it('moves a half-sent SQLite store into PostgreSQL; a send from there reaches exactly the ones not yet sent', async () => {
    const { cwd, db: file } = await subscriberFolder(12, 'digest-migrate-');
    writeFileSync(
      join(cwd, 'digest.config.json'),
      JSON.stringify({ send: { maxAttempts: 1, retryDelayMs: 0 } }),
    );
    const env = { DIGEST_PUBLIC_URL: 'https://news.example.com' };
    // The first send, on SQLite: three 4xx (failed_temp), one 5xx (failed_perm), the rest sent.
    const first = await smtpServer({
      onRcpt: (address) =>
        /^s00[369]@/.test(address)
          ? [451, '4.3.0 try later']
          : address.startsWith('s012@')
            ? [550, '5.1.1 no such user']
            : undefined,
    });
    const sent = await cli(['send', ...BUILD, '--json'], cwd, { ...env, SMTP_URL: first.url });
    expect(sent.code).toBe(1);
    const digestKey = JSON.parse(sent.stdout).digestKey as string;
    expect(first.accepted).toHaveLength(8);
    // Every state: one 4xx left unknown (a crash after the dot), one left sending (a sender killed
    // while the message left), a new reader's row pending, and one new reader with no row yet.
    const store = openStore(file);
    await store.ledger.markResult(digestKey, 6, { state: 'unknown', reply: 'no answer after the dot' });
    expect(await store.ledger.markSending(digestKey, 9)).toBe(true);
    await store.subscribers.add({ email: 's013@example.com', name: 'Reader 13', topics: [] });
    await store.subscribers.add({ email: 's014@example.com', name: 'Reader 14', topics: [] });
    await store.ledger.enqueue(digestKey, [
      { subscriberId: 13, email: 's013@example.com', messageId: '<s013-first@example.com>' },
    ]);
    expect(await store.ledger.counts(digestKey)).toEqual({
      pending: 1,
      sending: 1,
      sent: 8,
      failed_temp: 1,
      failed_perm: 1,
      unknown: 1,
    });
    await store.close();
    fillOtherTables(file);
    const before = sqliteRows(file);

    database = await freshPgDatabase();
    const url = database.url;
    const moved = await cli(['migrate-store', '--from', 'data/digest.db', '--to', url, '--json'], cwd);
    expect(moved.stderr).toMatch(/^Copied data\/digest\.db to postgres:\/\/.*: \d+ rows in 10 tables in/m);
    expect(moved.code).toBe(0);
    const report = JSON.parse(moved.stdout) as { tables: Record<string, number>; rows: number };
    // Counts match table by table, and so does every row.
    expect(report.tables).toEqual(
      Object.fromEntries(COPIED_TABLES.map((t) => [t.name, before[t.name]?.length])),
    );
    expect(report.tables).toMatchObject({
      subscribers: 14,
      addresses: 14,
      deliveries: 13,
      runs: 2,
      bounce_events: 3,
    });
    expect(await pgRows(url, before)).toEqual(before);

    // The same digest, sent from PostgreSQL: the 4xx one left and the two new readers; the row left
    // sending turns unknown (its message may have left), as it would on SQLite.
    const second = await smtpServer();
    const resumed = await cli(['send', ...BUILD, '--db', url, '--json'], cwd, {
      ...env,
      SMTP_URL: second.url,
    });
    expect(JSON.parse(resumed.stdout).digestKey).toBe(digestKey);
    const to = [...copiesPerAddress(second.accepted)];
    expect(to.map(([address]) => address).sort()).toEqual([
      's003@example.com',
      's013@example.com',
      's014@example.com',
    ]);
    // The pending row's Message-ID is the one it was created with.
    const s013 = second.accepted.find((m) => m.to.includes('s013@example.com'));
    expect(s013?.raw.toString()).toContain('Message-ID: <s013-first@example.com>');
    expect(to.every(([, n]) => n === 1)).toBe(true);
    // The unknown row is still a decision to take, the 5xx one is not retried: exit 1, as on SQLite.
    expect(resumed.code).toBe(1);
    const states = await pgQuery<{ state: string; n: number }>(
      url,
      `SELECT state, COUNT(*) AS n FROM deliveries WHERE digest_key = '${digestKey}' GROUP BY state ORDER BY state`,
    );
    expect(states.map((r) => [r.state, r.n])).toEqual([
      ['failed_perm', 1],
      ['sent', 11],
      ['unknown', 2],
    ]);

    // The identities moved past the copied ids: a new address gets the next id, not a copied one.
    expect((await cli(['subscribers', 'add', 'new@example.com', '--db', url], cwd)).code).toBe(0);
    const ids = await pgQuery<{ id: number }>(
      url,
      "SELECT id FROM addresses WHERE address = 'new@example.com'",
    );
    expect(ids[0]?.id).toBe(15);

    // A second copy into the same database is refused, and changes nothing.
    const again = await cli(['migrate-store', '--from', 'data/digest.db', '--to', url], cwd);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('already holds rows (addresses, subscribers, deliveries');
    expect(again.stderr).toContain('nothing was copied');
    expect((await pgQuery<{ n: number }>(url, 'SELECT COUNT(*) AS n FROM subscribers'))[0]?.n).toBe(15);
  });

  it.each([
    [['--to', 'postgres://db/x'], 'migrate-store needs --from FILE'],
    [['--from', 'a.db'], 'migrate-store needs --to URL'],
    [['--from', 'a.db', '--to', 'b.db'], '--to must be a postgres:// or postgresql:// URL (got "b.db")'],
    [['--from', 'postgres://db/x', '--to', 'postgres://db/y'], '--from is the SQLite file'],
  ])('usage: %j', async (args, message) => {
    const run = await cli(['migrate-store', ...args], process.cwd());
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(message);
  });

  it('a --from file that does not exist is named, and nothing is made of it', async () => {
    const cwd = tempDir('digest-migrate-');
    const run = await cli(
      ['migrate-store', '--from', 'data/nope.db', '--to', 'postgres://nobody@127.0.0.1:1/x'],
      cwd,
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      `the SQLite file ${join(cwd, 'data', 'nope.db')} does not exist: nothing was copied`,
    );
    expect(existsSync(join(cwd, 'data'))).toBe(false);
  });

  it('refuses a SQLite file that is being sent from', async () => {
    const { cwd, db: file } = await subscriberFolder(2, 'digest-migrate-');
    const store = openStore(file);
    const lock = await store.ledger.lock('2026-11-28');
    database = await freshPgDatabase();
    try {
      const run = await cli(['migrate-store', '--from', file, '--to', database.url], cwd);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(`is being sent from: digest 2026-11-28 by pid ${process.pid}`);
    } finally {
      await lock.release();
      await store.close();
    }
    expect((await pgQuery<{ n: string }>(database.url, "SELECT to_regclass('subscribers') AS n"))[0]?.n).toBe(
      null,
    );
  });
});
