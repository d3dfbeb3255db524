import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import matter from 'gray-matter';
import { type ParsedMail, simpleParser } from 'mailparser';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore, type SubscriberInput } from '../../src/store/index.js';
import { startWebServer } from '../../src/web/index.js';
import { cleanups, runCleanups, tempDir } from '../helpers/cleanup.js';
import { ROOT, spawnDigest } from '../helpers/cli.js';
import { copiesPerAddress, smtpServer } from '../helpers/smtp.js';

afterEach(runCleanups);

const SECRET = 'editions-test-secret-editions-test-secret';
// A Sunday of the sample content: the send date is Monday 2026-11-23, the default weekly weekday.
const DAY = '2026-11-22';
const TOPICS = ['Science', 'AI'];

/** 30 readers: 10 daily/all, 10 daily/Science+AI, 10 weekly/all (the default weekday); 2 who get nothing. */
function readers(): SubscriberInput[] {
  const rows: SubscriberInput[] = [];
  for (let i = 1; i <= 10; i++) rows.push({ email: `all${i}@example.com`, name: '', topics: [] });
  for (let i = 1; i <= 10; i++)
    rows.push({ email: `topic${i}@example.com`, name: '', topics: i % 2 ? TOPICS : ['ai', 'science'] });
  for (let i = 1; i <= 10; i++)
    rows.push({ email: `week${i}@example.com`, name: '', topics: [], frequency: 'weekly' });
  rows.push({ email: 'paused@example.com', name: '', topics: [], frequency: 'paused' });
  rows.push({ email: 'friday@example.com', name: '', topics: [], frequency: 'weekly', weekday: 5 });
  return rows;
}

async function folder(): Promise<{ cwd: string; db: string }> {
  const cwd = tempDir('digest-editions-');
  const db = join(cwd, 'data', 'digest.db');
  const store = openStore(db);
  await store.subscribers.importMany(readers());
  store.close();
  writeFileSync(join(cwd, 'digest.config.json'), JSON.stringify({ top: 4 }));
  return { cwd, db };
}

const CONTENT = ['--content', join(ROOT, 'content'), '--templates', join(ROOT, 'templates')];

/** The two commands that send a day's editions: by hand for DAY, and the scheduled check on the day after. */
const COMMANDS: Record<'send' | 'run', string[]> = {
  send: ['send', '--date', DAY, ...CONTENT],
  // 07:05 UTC on Monday 2026-11-23, just after the default 07:00 trigger: the window is DAY.
  run: ['run', '--now', '2026-11-23T07:05:00Z', ...CONTENT],
};

/** A command as a real process, counting its MJML runs (bench/count-mjml.ts, compiled). */
async function digest(args: string[], cwd: string, smtpUrl: string, countFile: string) {
  const run = spawnDigest(args, {
    cwd,
    env: {
      DIGEST_SECRET: SECRET,
      SMTP_URL: smtpUrl,
      NO_COLOR: '1',
      NODE_OPTIONS: `--import ${join(ROOT, 'dist', 'bench', 'count-mjml.js')}`,
      BENCH_MJML_COUNT_FILE: countFile,
    },
  });
  const result = await run.done;
  return { ...result, mjmlRuns: Number(readFileSync(countFile, 'utf8')) };
}

/** `digest serve`'s web server over the database, on 127.0.0.1 port 0, closed after the test. */
async function archiveServer(db: string): Promise<string> {
  const store = openStore(db, { readonly: true });
  const web = await startWebServer({ store, secret: SECRET, port: 0 });
  cleanups.push(async () => {
    await web.close();
    store.close();
  });
  return web.url.replace(/\/$/, '');
}

/** The topics of each item of a written digest.json, read from the lead's article file. */
function itemTopics(file: string): string[][] {
  const report = JSON.parse(readFileSync(file, 'utf8')) as { items: { path: string }[] };
  return report.items.map((item) => {
    const topics = matter(readFileSync(join(ROOT, 'content', item.path), 'utf8')).data.topics as string[];
    return topics.map((t) => t.toLowerCase());
  });
}

describe.each(['send', 'run'] as const)('editions: one `digest %s` on the weekly weekday', (command) => {
  it('sends each reader the edition they chose, renders each edition once, and a re-run sends 0', async () => {
    const { cwd, db } = await folder();
    const server = await smtpServer();
    const first = await digest(COMMANDS[command], cwd, server.url, join(cwd, 'mjml-1'));
    expect(first.stderr).toContain(`digest ${command === 'send' ? DAY : '2026-11-23'} [weekly]`);
    expect(first.code, first.stderr).toBe(0);
    // Three distinct editions (daily, daily#topics=ai+science, weekly): three MJML runs, not 30.
    expect(first.mjmlRuns).toBe(3);

    const copies = copiesPerAddress(server.accepted);
    expect(server.accepted).toHaveLength(30);
    for (const row of readers().slice(0, 30)) expect(copies.get(row.email), row.email).toBe(1);
    expect(copies.get('paused@example.com')).toBeUndefined();
    expect(copies.get('friday@example.com')).toBeUndefined();

    const mails = await Promise.all(server.accepted.map((m) => simpleParser(m.raw)));
    const subjectOf = (prefix: string) =>
      new Set(mails.filter((m) => m.to && JSON.stringify(m.to).includes(prefix)).map((m) => m.subject));
    const [daily, topical, weekly] = [subjectOf('"all'), subjectOf('"topic'), subjectOf('"week')];
    for (const s of [daily, topical, weekly]) expect(s.size).toBe(1);
    expect([...weekly][0]).toMatch(/^This week in News Digest: /);
    expect([...daily][0]).not.toMatch(/^This week/);

    // The ledger names the edition: the plain daily keeps its key.
    const store = openStore(db, { readonly: true });
    const keys = store.db
      .prepare('SELECT digest_key AS key, count(*) AS n FROM deliveries GROUP BY digest_key ORDER BY key')
      .all();
    // digest run: one row per edition and send date in the runs table, so catch-up is per edition.
    const runs = store.db
      .prepare('SELECT schedule_key AS edition, state, sent FROM runs ORDER BY schedule_key')
      .all();
    store.close();
    if (command === 'run') {
      expect(runs).toEqual([
        { edition: 'daily', state: 'sent', sent: 10 },
        { edition: 'edition:daily#topics=ai+science', state: 'sent', sent: 10 },
        { edition: 'edition:weekly', state: 'sent', sent: 10 },
      ]);
    }
    expect(keys).toEqual([
      { key: `day:${DAY}@UTC`, n: 10 },
      { key: `day:${DAY}@UTC#topics=ai+science`, n: 10 },
      { key: `week:${DAY}@UTC`, n: 10 },
    ]);

    // The topic edition has its own top 4: every story is about science or AI.
    const onTopic = (topics: string[]) => topics.includes('ai') || topics.includes('science');
    const topicItems = itemTopics(
      join(cwd, 'out', 'editions', 'daily-topics-ai-science', DAY, 'digest.json'),
    );
    expect(topicItems).toHaveLength(4);
    expect(topicItems.every(onTopic)).toBe(true);
    // …where the daily's top 4 has other stories: the topic edition is not the daily with holes.
    expect(itemTopics(join(cwd, 'out', DAY, 'digest.json')).filter(onTopic).length).toBeLessThan(4);

    // The archive of digest serve shows the daily and the weekly of DAY, not the topic edition.
    const weeklyMail = mails.find((m) => JSON.stringify(m.to).includes('"week')) as ParsedMail;
    expect(weeklyMail.html).toContain(`/archive/week-${DAY}`);
    const web = await archiveServer(db);
    const list = await (await fetch(`${web}/archive`)).text();
    expect(list.match(/href="\.\/archive\/[^"]+"/g)).toEqual([
      `href="./archive/${DAY}"`,
      `href="./archive/week-${DAY}"`,
    ]);
    const weeklyPage = await fetch(`${web}/archive/week-${DAY}`);
    expect(weeklyPage.status).toBe(200);
    expect(await weeklyPage.text()).toContain('November 16 – November 22, 2026');
    const dailyPage = await (await fetch(`${web}/archive/${DAY}`)).text();
    expect(dailyPage).toContain('Sunday, November 22, 2026');
    expect((await fetch(`${web}/archive/week-2026-11-15`)).status).toBe(404);

    const again = await digest(COMMANDS[command], cwd, server.url, join(cwd, 'mjml-2'));
    expect(again.code, again.stderr).toBe(0);
    if (command === 'run') expect(again.stderr.match(/was already sent/g)).toHaveLength(3);
    expect(server.accepted).toHaveLength(30);
  }, 120_000);
});
