import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.js';
import { runCleanups, tempDir } from '../helpers/cleanup.js';
import { ROOT, runCli } from '../helpers/cli.js';
import { smtpServer } from '../helpers/smtp.js';
import { startFeedServer } from './server.js';

const SECRET = 'fetch-schedule-secret-0123456789-abcdefghij';
const NOW = new Date('2026-12-01T07:00:00Z');

let feeds: Awaited<ReturnType<typeof startFeedServer>>;
beforeAll(async () => {
  feeds = await startFeedServer({
    '/wordpress-rss2.xml': { file: 'wordpress-rss2.xml', type: 'application/rss+xml' },
    '/blog-atom.xml': { file: 'blog-atom.xml', type: 'application/atom+xml' },
    '/page.html': { file: 'not-a-feed.html', type: 'text/html' },
  });
});
afterAll(() => feeds?.close());
afterEach(runCleanups);

/** A project whose content folder is empty: only a fetch can give the run something to send. */
async function project(fetchBefore: boolean): Promise<string> {
  const cwd = tempDir('digest-fetch-schedule-');
  writeFileSync(
    join(cwd, 'digest.config.json'),
    JSON.stringify({
      templates: join(ROOT, 'templates'),
      timeZone: 'UTC',
      publicUrl: 'https://news.example.com',
      feeds: ['/wordpress-rss2.xml', '/blog-atom.xml', '/page.html'].map((p) => ({ url: feeds.url(p) })),
      schedule: { time: '07:00', fetchBefore },
    }),
  );
  const store = openStore(join(cwd, 'data/digest.db'));
  await store.subscribers.importMany([
    { email: 'reader1@example.com', name: 'Reader 1', topics: [] },
    { email: 'reader2@example.com', name: 'Reader 2', topics: [] },
  ]);
  store.close();
  return cwd;
}

/** `digest run` at NOW in a fresh project (fetchBefore on or off), against a real SMTP sink. */
async function runWithFeeds(fetchBefore: boolean) {
  const smtp = await smtpServer();
  const cwd = await project(fetchBefore);
  feeds.seen.splice(0);
  const run = await runCli(['run', '--now', NOW.toISOString()], {
    cwd,
    env: { SMTP_URL: smtp.url, DIGEST_SECRET: SECRET },
    now: NOW,
  });
  return { smtp, cwd, run };
}

describe('schedule.fetchBefore', () => {
  it('digest run fetches the config feeds before it builds the due digest, and sends what they gave', async () => {
    const { smtp, run } = await runWithFeeds(true);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/fetch: Fetched 3 feeds: 5 new articles, 1 failed, in \d+\.\d s/);
    expect(run.stderr).toContain(`fetch: Error: ${feeds.url('/page.html')}: the answer is an HTML page`);
    expect(smtp.accepted).toHaveLength(2);
    const mail = await simpleParser(smtp.accepted[0]?.raw ?? Buffer.alloc(0));
    expect(mail.text).toContain('Council approves new ferry timetable – sailings every 20 minutes');
    expect(mail.text).toContain('Measuring noise & drift in the new sensor');
  });

  it('off (the default): the run fetches nothing, and an empty content folder sends nothing', async () => {
    const { smtp, cwd, run } = await runWithFeeds(false);
    expect(run.stderr).not.toContain('fetch:');
    expect(feeds.seen).toEqual([]);
    expect(existsSync(join(cwd, 'content/harbour-hill-gazette'))).toBe(false);
    expect(smtp.accepted).toHaveLength(0);
  });
});
