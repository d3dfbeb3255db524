import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as cheerio from 'cheerio';
import { parseFeed } from 'feedsmith';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../src/store/index.js';
import { SqliteArchive, startWebServer, type WebServer } from '../../src/web/index.js';
import { tempDir } from '../helpers/cleanup.js';

const SECRET = 'feeds-test-secret-feeds-test-secret-0123456789';
const PUBLIC = 'https://news.example/daily';
const python = spawnSync('python3', ['--version']).status === 0;

let dir: string;
let store: Store;
let server: WebServer;
let base: string;
const bodies: Record<string, { type: string; text: string }> = {};

beforeAll(async () => {
  dir = tempDir('digest-feeds-out-');
  // Each digest goes out at 07:05 UTC on its own day: that is its first_sent_at.
  let now = 0;
  const clock = () => now;
  store = openStore(join(dir, 'digest.db'), { now: clock });
  const archive = new SqliteArchive(store.db, { now: clock });
  const sent = async (date: string, subject: string, webCopy: boolean) => {
    now = Date.parse(`${date}T07:05:00Z`);
    if (webCopy)
      await archive.saveWebCopy(
        `day:${date}@UTC`,
        `<html><head><title>x</title></head><body><p>${subject}</p></body></html>`,
      );
    await store.ledger.recordDigest({ digestKey: `day:${date}@UTC`, date, subject, items: 7 });
  };
  await sent('2026-11-22', 'Ferries every 20 minutes', true);
  await sent('2026-11-23', 'Sent without a web copy', false);
  await sent('2026-11-24', 'Rates & "rents" <up> in Cádiz', true);
  server = await startWebServer({
    store,
    secret: SECRET,
    port: 0,
    title: 'Harbour & Hill Daily',
    publicUrl: PUBLIC,
  });
  base = server.url.replace(/\/$/, '');
  for (const path of ['/feed.xml', '/atom.xml', '/feed.json', '/archive', '/archive/2026-11-24', '/']) {
    const res = await fetch(base + path);
    bodies[path] = { type: res.headers.get('content-type') ?? '', text: await res.text() };
  }
});

afterAll(async () => {
  await server?.close();
  store?.close();
});

describe('the archive as RSS, Atom and JSON Feed (digest serve)', () => {
  it.each([
    ['/feed.xml', 'rss', 'application/rss+xml; charset=utf-8'],
    ['/atom.xml', 'atom', 'application/atom+xml; charset=utf-8'],
    ['/feed.json', 'json', 'application/feed+json; charset=utf-8'],
  ])(
    '%s is a %s feed of the sent digests with a web copy, newest first, read back by feedsmith',
    (path, format, type) => {
      const body = bodies[path];
      expect(body?.type).toBe(type);
      const parsed = parseFeed(body?.text ?? '');
      expect(parsed.format).toBe(format);
      const feed = parsed.feed as Record<string, unknown>;
      const items = (format === 'atom' ? feed.entries : feed.items) as Record<string, unknown>[];
      const title = (t: unknown) => (typeof t === 'string' ? t : (t as { value: string }).value);
      expect(items.map((i) => title(i.title))).toEqual([
        'Rates & "rents" <up> in Cádiz',
        'Ferries every 20 minutes',
      ]);
      const links = items.map((i) =>
        format === 'atom' ? (i.links as { href: string }[])[0]?.href : format === 'json' ? i.url : i.link,
      );
      expect(links).toEqual([`${PUBLIC}/archive/2026-11-24`, `${PUBLIC}/archive/2026-11-22`]);
      const dates = items.map((i) => Date.parse(String(i.pubDate ?? i.published ?? i.date_published)));
      expect(dates.map((d) => new Date(d).toISOString())).toEqual([
        '2026-11-24T07:05:00.000Z',
        '2026-11-22T07:05:00.000Z',
      ]);
      expect(title(feed.title)).toBe('Harbour & Hill Daily');
    },
  );

  it.skipIf(!python)(
    python
      ? 'the RSS and Atom feeds parse with Python’s xml.etree'
      : 'SKIPPED: python3 is not installed, so the feeds were not parsed with Python’s xml.etree',
    () => {
      for (const path of ['/feed.xml', '/atom.xml']) {
        const file = join(dir, path.slice(1));
        writeFileSync(file, bodies[path]?.text ?? '');
        const run = spawnSync(
          'python3',
          [
            '-c',
            'import sys, xml.etree.ElementTree as E; r = E.parse(sys.argv[1]).getroot(); print(r.tag, len(list(r.iter())))',
            file,
          ],
          { encoding: 'utf8', timeout: 30_000 },
        );
        expect(run.status, run.stderr).toBe(0);
        expect(run.stdout).toMatch(
          path === '/feed.xml' ? /^rss \d+/ : /^\{http:\/\/www\.w3\.org\/2005\/Atom\}feed \d+/,
        );
      }
    },
  );

  it.each(['/', '/archive', '/archive/2026-11-24'])(
    '%s names the three feeds in <link rel="alternate">',
    (path) => {
      const $ = cheerio.load(bodies[path]?.text ?? '');
      const links = $('head link[rel="alternate"]')
        .map((_, el) => [
          [$(el).attr('type'), new URL(String($(el).attr('href')), `${base}${path}`).pathname],
        ])
        .get();
      expect(links).toEqual([
        ['application/rss+xml', '/feed.xml'],
        ['application/atom+xml', '/atom.xml'],
        ['application/feed+json', '/feed.json'],
      ]);
    },
  );

  it('a feed route is read-only: POST is 405 naming GET and HEAD', async () => {
    const res = await fetch(`${base}/feed.xml`, { method: 'POST' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, HEAD');
  });
});
