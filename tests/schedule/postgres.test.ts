import { existsSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runStoreFor } from '../../src/schedule/index.js';
import { connectStore, fetchStateFor } from '../../src/store/index.js';
import { startFeedServer } from '../fetch/server.js';
import { runCleanups, tempDir } from '../helpers/cleanup.js';
import { CORPUS, ROOT, runCli, spawnDigest } from '../helpers/cli.js';
import { freshPgDatabase, type TestDatabase } from '../helpers/pg.js';
import { copiesPerAddress, smtpServer } from '../helpers/smtp.js';

const SECRET = 'schedule-pg-secret-0123456789-abcdefghij';
const NOW = new Date('2026-12-01T07:00:00Z');

let feeds: Awaited<ReturnType<typeof startFeedServer>>;
let database: TestDatabase | undefined;
beforeAll(async () => {
  feeds = await startFeedServer({
    '/wordpress-rss2.xml': { file: 'wordpress-rss2.xml', type: 'application/rss+xml' },
    '/blog-atom.xml': { file: 'blog-atom.xml', type: 'application/atom+xml' },
  });
});
afterAll(() => feeds?.close());
afterEach(async () => {
  await runCleanups();
  await database?.drop();
  database = undefined;
});

describe('digest run on a PostgreSQL store', () => {
  it('fetches, sends the due digest once through a real SMTP server, and keeps runs and fetch state in the database', async () => {
    database = await freshPgDatabase();
    const url = database.url;
    const seed = await connectStore(url);
    await seed.subscribers.importMany(
      [1, 2, 3].map((n) => ({ email: `reader${n}@example.com`, name: `Reader ${n}`, topics: [] })),
    );
    await seed.close();
    // An empty content folder: only the fetch (into the shared fetch state) gives the run something.
    const cwd = tempDir('digest-schedule-pg-');
    writeFileSync(
      join(cwd, 'digest.config.json'),
      JSON.stringify({
        templates: join(ROOT, 'templates'),
        timeZone: 'UTC',
        publicUrl: 'https://news.example.com',
        feeds: ['/wordpress-rss2.xml', '/blog-atom.xml'].map((p) => ({ url: feeds.url(p) })),
        schedule: { time: '07:00', fetchBefore: true },
      }),
    );
    const smtp = await smtpServer();
    const env = { SMTP_URL: smtp.url, DIGEST_SECRET: SECRET };
    const argv = ['run', '--db', url, '--now', NOW.toISOString()];

    const first = await runCli(argv, { cwd, env, now: NOW });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toMatch(/fetch: Fetched 2 feeds: 5 new articles, in \d+\.\d s/);
    expect(first.stderr).toMatch(/digest 2026-12-01 window 2026-11-30 \(UTC\): sent: 3 of 3 sent;/);
    expect([...copiesPerAddress(smtp.accepted)].sort()).toEqual([
      ['reader1@example.com', 1],
      ['reader2@example.com', 1],
      ['reader3@example.com', 1],
    ]);
    const mail = await simpleParser(smtp.accepted[0]?.raw ?? Buffer.alloc(0));
    expect(mail.text).toContain('Council approves new ferry timetable – sailings every 20 minutes');

    const again = await runCli(argv, { cwd, env, now: new Date(NOW.getTime() + 60_000) });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/already-sent: the digest of 2026-12-01 was already sent/);
    expect(smtp.accepted).toHaveLength(3);

    // What the runs and the fetch left is in PostgreSQL; no SQLite store was made on the side.
    expect(existsSync(join(cwd, 'data/digest.db'))).toBe(false);
    const store = await connectStore(url);
    try {
      const runs = runStoreFor(store.backend, { host: hostname() });
      expect(await runs.list()).toMatchObject([
        {
          sendDate: '2026-12-01',
          state: 'sent',
          digestKey: 'day:2026-11-30@UTC',
          recipients: 3,
          sent: 3,
          failed: 0,
          attempts: 1,
          ownerHost: hostname(),
        },
      ]);
      const state = await fetchStateFor(store.backend).get(feeds.url('/wordpress-rss2.xml'));
      expect(state).toMatchObject({ lastStatus: 200, etag: expect.stringMatching(/^"[0-9a-f]{12}"$/) });
    } finally {
      await store.close();
    }

    // A fetch from another machine's checkout finds the validators there: two 304s, no new files.
    feeds.seen.splice(0);
    const other = tempDir('digest-schedule-pg-other-');
    writeFileSync(
      join(other, 'digest.config.json'),
      JSON.stringify({
        feeds: [{ url: feeds.url('/blog-atom.xml') }, { url: feeds.url('/wordpress-rss2.xml') }],
      }),
    );
    const fetch = await runCli(['fetch', '--db', url], { cwd: other, now: NOW });
    expect(fetch.code, fetch.stderr).toBe(0);
    expect(feeds.seen.map((s) => s.status)).toEqual([304, 304]);
    expect(fetch.stderr).toMatch(/Fetched 2 feeds: 0 new articles, 2 not modified/);
  }, 120_000);
});

describe('two digest run processes on one PostgreSQL store', () => {
  it("the second joins the first one's send instead of skipping it: 30 readers, one copy each", async () => {
    database = await freshPgDatabase();
    const url = database.url;
    const seed = await connectStore(url);
    await seed.subscribers.importMany(
      Array.from({ length: 30 }, (_, i) => ({ email: `reader${i + 1}@example.com`, name: '', topics: [] })),
    );
    await seed.close();
    const cwd = tempDir('digest-schedule-pg-join-');
    writeFileSync(
      join(cwd, 'digest.config.json'),
      JSON.stringify({
        content: join(CORPUS, 'election'),
        templates: join(ROOT, 'templates'),
        timeZone: 'America/New_York',
        publicUrl: 'https://news.example.com',
        schedule: { time: '07:00' },
        // One connection: the first run claims a batch of 8 rows, and the rest are left to claim.
        send: { connections: 1, leaseSeconds: 5 },
      }),
    );
    // The first run's first message is answered only once the second run has 5 accepted: so the
    // second starts while the first holds the day, and does part of the send.
    let smtp: Awaited<ReturnType<typeof smtpServer>> | undefined;
    smtp = await smtpServer({ hold: (n) => (n === 1 ? smtp?.waitForAccepted(5) : undefined) });
    const env = { SMTP_URL: smtp.url, DIGEST_SECRET: SECRET };
    const argv = ['run', '--db', url, '--now', '2020-09-14T07:00:00-04:00', '--json'];
    const first = spawnDigest(argv, { cwd, env });
    // At most 60 s, and not past the first run's end (an error before it sends anything).
    const waiting = () => smtp.received.length === 0 && first.child.exitCode === null;
    for (let i = 0; i < 600 && waiting(); i++) await new Promise((r) => setTimeout(r, 100));
    expect(smtp.received.length, first.stderr()).toBeGreaterThan(0);
    const second = spawnDigest(argv, { cwd, env });
    const [a, b] = await Promise.all([first.done, second.done]);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    expect(a.stderr).toMatch(/sent: 30 of 30 sent;/);
    expect(b.stderr).toMatch(
      /joined: joined the send of pid \d+ on .+: \d+ sent by this process; 30 of 30 sent;/,
    );
    const copies = copiesPerAddress(smtp.accepted);
    expect(copies.size).toBe(30);
    expect([...copies.values()].every((n) => n === 1)).toBe(true);
    const [byFirst = 0, bySecond = 0] = [a, b].map(
      (r) => (JSON.parse(r.stdout) as { counts: { sentHere: number } }).counts.sentHere,
    );
    expect(byFirst + bySecond).toBe(30);
    expect(bySecond).toBeGreaterThanOrEqual(5);
    const store = await connectStore(url);
    try {
      const runs = runStoreFor(store.backend, { host: hostname() });
      expect(await runs.get('2020-09-14')).toMatchObject({
        state: 'sent',
        sent: 30,
        recipients: 30,
        attempts: 1,
      });
    } finally {
      await store.close();
    }
  }, 120_000);
});
