import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as cheerio from 'cheerio';
import * as yaml from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/cleanup.js';
import { ROOT, runCli } from '../helpers/cli.js';
import {
  FIXTURES,
  huge,
  type Route,
  redirect,
  type Seen,
  stalls,
  startFeedServer,
  tooMany,
} from './server.js';

// Seven feeds shaped like real ones (WordPress RSS 2.0, Slashdot-style RSS 1.0, a blog's Atom
// with xml:base, FeedBurner, JSON Feed, a Latin-1 feed without a declaration, a declared
// ISO-8859-1 feed behind a 301) and five that fail in the ways real servers do.
const wordpress = readFileSync(join(FIXTURES, 'wordpress-rss2.xml'));
const routes: Record<string, Route> = {
  '/wordpress-rss2.xml': { file: 'wordpress-rss2.xml', type: 'application/rss+xml; charset=UTF-8' },
  '/slashdot-rdf.xml': { file: 'slashdot-rdf.xml', type: 'application/rdf+xml', validators: false },
  '/blog-atom.xml': { file: 'blog-atom.xml', type: 'application/atom+xml', encoding: 'gzip' },
  '/feedburner.xml': { file: 'feedburner.xml', type: 'text/xml; charset=UTF-8', encoding: 'br' },
  '/micro.json': { file: 'micro.json', type: 'application/feed+json' },
  '/latin1-undeclared.xml': { file: 'latin1-undeclared.xml', type: 'text/xml' },
  '/old/german.xml': redirect(301, '/german-iso.xml'),
  '/german-iso.xml': { file: 'german-iso.xml', type: 'application/xml' },
  '/slow.xml': stalls,
  '/huge.xml': huge,
  '/page.html': { file: 'not-a-feed.html', type: 'text/html; charset=utf-8' },
  '/busy.xml': tooMany(3600),
};
const GOOD = [
  '/wordpress-rss2.xml',
  '/slashdot-rdf.xml',
  '/blog-atom.xml',
  '/feedburner.xml',
  '/micro.json',
  '/latin1-undeclared.xml',
  '/old/german.xml',
];
const BAD = ['/slow.xml', '/huge.xml', '/page.html', '/busy.xml'];

let server: Awaited<ReturnType<typeof startFeedServer>>;
let cwd: string;
let first: Awaited<ReturnType<typeof runCli>>;
let firstSeen: Seen[];
const content = () => join(cwd, 'content');

/** Every written file, relative to the content folder, sorted. */
function files(): string[] {
  return readdirSync(content(), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.md'))
    .sort();
}

/** The front matter of a written file, read with js-yaml (not the project's reader). */
function front(path: string): Record<string, unknown> {
  const text = readFileSync(join(content(), path), 'utf8');
  const match = /^---\n([\s\S]*?)\n---\n/.exec(text);
  return yaml.load(match?.[1] ?? '', { schema: yaml.JSON_SCHEMA }) as Record<string, unknown>;
}

beforeAll(async () => {
  server = await startFeedServer(routes);
  cwd = tempDir('digest-fetch-');
  const feeds = [...GOOD, ...BAD].map((path) =>
    path === '/wordpress-rss2.xml'
      ? { url: server.url(path), name: 'Harbour Gazette', topics: ['Local'], quality: 40 }
      : { url: server.url(path) },
  );
  writeFileSync(join(cwd, 'digest.config.json'), JSON.stringify({ feeds, timeZone: 'UTC' }));
  first = await runCli(['fetch', '--timeout', '1.5', '--json'], {
    cwd,
    now: new Date('2026-12-01T06:00:00Z'),
  });
  firstSeen = server.seen.splice(0);
}, 60_000);

afterAll(() => server?.close());

describe('digest fetch from a real HTTP server on 127.0.0.1', () => {
  it('reads the seven feeds, reports the four bad ones by URL and reason, and exits 0', () => {
    expect(first.code, first.stderr).toBe(0);
    const report = JSON.parse(first.stdout) as {
      written: number;
      failed: number;
      feeds: { url: string; outcome: string; status?: number; error?: string; written: string[] }[];
    };
    const byPath = Object.fromEntries(report.feeds.map((f) => [new URL(f.url).pathname, f]));
    expect(GOOD.map((p) => [p, byPath[p]?.outcome])).toEqual(GOOD.map((p) => [p, 'written']));
    expect(byPath['/slow.xml']?.error).toBe('no complete answer within 1.5 s');
    expect(byPath['/huge.xml']?.error).toBe('the feed is larger than the 5 MB limit');
    expect(byPath['/page.html']?.error).toMatch(
      /^the answer is an HTML page, not a feed \(Content-Type text\/html\)/,
    );
    expect(byPath['/busy.xml']).toMatchObject({
      outcome: 'failed',
      status: 429,
      error: 'HTTP 429 Too Many Requests',
    });
    expect(report.failed).toBe(4);
    expect(report.written).toBe(14);
    for (const path of BAD) expect(first.stderr).toContain(`Error: ${server.url(path)}: `);
    expect(first.stderr).toMatch(/^Fetched 11 feeds: 14 new articles, 4 failed, in \d+\.\d s$/m);
    expect(first.stderr).toContain(`moved permanently to ${server.url('/german-iso.xml')}`);
  });

  it('writes one file per item with a link, in <feed>/<date>-<slug>.md; a repeated guid once', () => {
    expect(files()).toEqual([
      'diario-del-sur/2026-11-30-la-seleccion-gana-en-cadiz-una-noche-magica.md',
      'diario-del-sur/2026-11-30-manana-abre-el-mercado-de-navidad-en-zurichstrasse.md',
      'field-notes/2026-11-30-counting-birds-at-dawn.md',
      'field-notes/2026-11-30-first-frost-of-the-year.md',
      'harbour-gazette/2026-11-30-bakery-on-mill-street-wins-award.md',
      'harbour-gazette/2026-11-30-council-approves-new-ferry-timetable-sailings-every-20.md',
      'harbour-gazette/2026-12-01-storm-warning-for-the-weekend.md',
      'market-wire-daily/2026-11-30-retail-sales-beat-forecasts.md',
      'market-wire-daily/2026-11-30-shipping-rates-climb-for-a-third-week.md',
      'nordkurier-munchen/2026-11-30-strassenbahn-fahrt-ab-marz-uber-den-grossmarkt.md',
      'research-log/2026-11-30-measuring-noise-drift-in-the-new-sensor.md',
      'research-log/2026-11-30-only-an-updated-date-here.md',
      'tech-notes/2026-11-30-kernel-7-2-released-with-new-scheduler.md',
      'tech-notes/2026-11-30-rust-foundation-announces-security-fund.md',
    ]);
  });

  it('RSS 2.0: HTML in titles and CDATA stripped, entities decoded, relative link resolved, config name/topics/quality', () => {
    expect(
      front('harbour-gazette/2026-11-30-council-approves-new-ferry-timetable-sailings-every-20.md'),
    ).toEqual({
      title: 'Council approves new ferry timetable – sailings every 20 minutes',
      // Cut at a sentence end: WordPress's "until April…" is a cut, not a sentence.
      excerpt:
        'The council voted 7–2 on Monday to add sailings. Ferries will leave every 20 minutes at peak times.',
      publishedDateTime: '2026-11-30T09:15:00Z',
      webUrl: 'https://gazette.example/2026/11/30/ferry-timetable/',
      type: 'article',
      quality: 40,
      provider: {
        name: 'Harbour Gazette',
        domain: 'gazette.example',
        images: [{ url: 'https://gazette.example/wp-content/uploads/icon-150x150.png' }],
      },
      topics: ['Transport', 'City', 'Local'],
      // The first <img> of content:encoded, resolved against the site.
      images: [
        { url: 'https://gazette.example/wp-content/uploads/2026/11/ferry.jpg', width: 1024, height: 576 },
      ],
      feed: server.url('/wordpress-rss2.xml'),
      feedItemId: 'https://gazette.example/?p=1001',
    });
    const bakery = front('harbour-gazette/2026-11-30-bakery-on-mill-street-wins-award.md');
    expect(bakery).toMatchObject({
      title: 'Bakery on Mill Street wins award',
      excerpt: 'Judges praised the sourdough.',
      publishedDateTime: '2026-11-30T11:40:00+01:00',
      topics: ['Food', 'Local'],
      images: [
        { url: 'https://gazette.example/wp-content/uploads/2026/11/bakery.jpg', width: 800, height: 600 },
      ],
    });
    // No date in the item: the fetch time, and a note that says so; the enclosure is the image.
    expect(front('harbour-gazette/2026-12-01-storm-warning-for-the-weekend.md')).toMatchObject({
      publishedDateTime: '2026-12-01T06:00:00Z',
      note: 'the feed gave no date; publishedDateTime is the time of the fetch',
      images: [{ url: 'https://gazette.example/wp-content/uploads/2026/11/storm.png' }],
    });
  });

  it('RSS 1.0 (RDF): dc:date with its offset, dc:subject as topic, the channel image, a trailing fragment dropped', () => {
    expect(front('tech-notes/2026-11-30-rust-foundation-announces-security-fund.md')).toMatchObject({
      title: 'Rust Foundation Announces Security Fund',
      publishedDateTime: '2026-11-30T03:40:00-05:00',
      topics: ['programming'],
      provider: {
        name: 'Tech Notes',
        domain: 'tech.example',
        images: [{ url: 'https://tech.example/logo.png' }],
      },
      feedItemId: 'https://tech.example/story/26/11/30/0340/rust',
    });
    expect(front('tech-notes/2026-11-30-kernel-7-2-released-with-new-scheduler.md').excerpt).toBe(
      'The new release changes how tasks share a core. Benchmarks show gains of 5% on desktops.',
    );
  });

  it('Atom (gzip): html title, xml:base links, published before updated, media:thumbnail, "Dr." is not a sentence end', () => {
    expect(front('research-log/2026-11-30-measuring-noise-drift-in-the-new-sensor.md')).toMatchObject({
      title: 'Measuring noise & drift in the new sensor',
      excerpt: 'We tested the sensor for a week. Dr. Smith led the work; the noise floor fell by half.',
      publishedDateTime: '2026-11-30T08:00:00+02:00',
      webUrl: 'https://research.example/blog/posts/noise-sensor.html',
      provider: { name: 'Research Log', images: [{ url: 'https://research.example/favicon-64.png' }] },
      topics: ['Science', 'Hardware'],
      images: [{ url: 'https://research.example/img/sensor-thumb.jpg', width: 320, height: 180 }],
    });
    expect(front('research-log/2026-11-30-only-an-updated-date-here.md')).toMatchObject({
      publishedDateTime: '2026-11-30T14:00:00Z',
      images: [{ url: 'https://research.example/img/chart.png' }],
    });
  });

  it('FeedBurner (brotli): origLink over the proxy link, its domain as provider, the 1×1 beacon not an image', () => {
    const shipping = front('market-wire-daily/2026-11-30-shipping-rates-climb-for-a-third-week.md');
    expect(shipping).toMatchObject({
      webUrl: 'https://marketwire.example/2026/11/30/shipping-rates/',
      provider: { name: 'Market Wire Daily', domain: 'marketwire.example' },
      excerpt: 'Container prices rose 4% since Monday. Analysts expect more.',
      images: [],
    });
    // No guid: the link is the id.
    expect(front('market-wire-daily/2026-11-30-retail-sales-beat-forecasts.md').feedItemId).toBe(
      'https://marketwire.example/2026/11/30/retail-sales/',
    );
  });

  it('JSON Feed: image, tags, icon; an untitled item titled by its first sentence, its relative url resolved', () => {
    expect(front('field-notes/2026-11-30-counting-birds-at-dawn.md')).toMatchObject({
      publishedDateTime: '2026-11-30T06:45:00-08:00',
      topics: ['Nature', 'Birds'],
      images: [{ url: 'https://notes.example/img/birds.jpg' }],
      provider: { images: [{ url: 'https://notes.example/icon-512.png' }] },
    });
    expect(front('field-notes/2026-11-30-first-frost-of-the-year.md')).toMatchObject({
      title: 'First frost of the year',
      webUrl: 'https://notes.example/2026/11/30/frost',
      feedItemId: 'n-2',
    });
  });

  it('a Latin-1 feed without a declaration and a declared ISO-8859-1 one keep every letter and quote', () => {
    const cadiz = front('diario-del-sur/2026-11-30-la-seleccion-gana-en-cadiz-una-noche-magica.md');
    expect(cadiz.title).toBe('La selección gana en Cádiz – “una noche mágica”');
    expect(cadiz.excerpt).toBe(
      'El equipo ganó 3-1 ante 20.000 espectadores. El entrenador habló de un “partido perfecto”.',
    );
    expect(
      front('nordkurier-munchen/2026-11-30-strassenbahn-fahrt-ab-marz-uber-den-grossmarkt.md'),
    ).toMatchObject({
      title: 'Straßenbahn fährt ab März über den Großmarkt',
      provider: { name: 'Nordkurier München' },
    });
    for (const file of files())
      expect(readFileSync(join(content(), file), 'utf8'), file).not.toContain('\uFFFD');
  });

  it('asks as a good citizen: a User-Agent naming the tool, gzip and brotli accepted', () => {
    const wp = firstSeen.find((s) => s.path === '/wordpress-rss2.xml');
    expect(wp?.headers['user-agent']).toMatch(/^news-digest\/\d+\.\d+\.\d+ /);
    expect(wp?.headers['accept-encoding']).toMatch(/gzip/);
    expect(wp?.headers['accept-encoding']).toMatch(/br/);
    expect(wp?.headers['if-none-match']).toBeUndefined();
  });

  it('digest check reads every fetched file as valid', async () => {
    const check = await runCli(['check', '--content', content(), '--templates', join(ROOT, 'templates')], {
      cwd,
    });
    expect(check.stdout + check.stderr).not.toMatch(/content\/|E_CONTENT/);
    const json = await runCli(
      ['check', '--json', '--content', content(), '--templates', join(ROOT, 'templates')],
      {
        cwd,
      },
    );
    const report = JSON.parse(json.stdout) as { files: number; problems: { file?: string }[] };
    expect(report.files).toBe(14);
    expect(report.problems.filter((p) => p.file?.endsWith('.md'))).toEqual([]);
  });

  it('builds a digest of the day from the fetched files: clean titles and excerpts, the feeds’ images', async () => {
    const out = join(cwd, 'out');
    const build = await runCli(
      [
        'build',
        '--date',
        '2026-11-30',
        '--top',
        '20',
        '--content',
        content(),
        '--templates',
        join(ROOT, 'templates'),
        '--out',
        out,
      ],
      { cwd },
    );
    expect(build.code, build.stderr).toBe(0);
    const report = JSON.parse(readFileSync(join(out, '2026-11-30/digest.json'), 'utf8')) as {
      items: { title: string; alsoCoveredBy: { title: string }[] }[];
    };
    const titles = report.items.flatMap((i) => [i.title, ...i.alsoCoveredBy.map((a) => a.title)]);
    expect(titles.length).toBeGreaterThanOrEqual(10);
    expect(titles).toContain('La selección gana en Cádiz – “una noche mágica”');
    const html = readFileSync(join(out, '2026-11-30/digest.html'), 'utf8');
    const text = readFileSync(join(out, '2026-11-30/digest.txt'), 'utf8');
    const $ = cheerio.load(html);
    const shown = $('body').text();
    for (const part of [shown, text]) {
      expect(part).not.toContain('\uFFFD');
      expect(part).not.toMatch(/<\/?(p|em|b|strong|img|a|div)\b|&(amp|lt|gt|ndash|hellip);/);
    }
    expect(shown).toContain('Straßenbahn fährt ab März über den Großmarkt');
    const images = $('img')
      .map((_, el) => $(el).attr('src'))
      .get();
    expect(images).toContain('https://gazette.example/wp-content/uploads/2026/11/ferry.jpg');
  });
});

describe('a second fetch', () => {
  let second: Awaited<ReturnType<typeof runCli>>;
  let secondSeen: Seen[];
  let before: string[];

  beforeAll(async () => {
    before = files();
    // The publisher edits a title: a new body and ETag, the same guid.
    routes['/wordpress-rss2.xml'] = {
      body: Buffer.from(wordpress.toString('utf8').replace('Council approves', 'Council finally approves')),
      type: 'application/rss+xml; charset=UTF-8',
    };
    second = await runCli(['fetch', '--timeout', '1.5', '--json'], {
      cwd,
      now: new Date('2026-12-01T06:30:00Z'),
    });
    secondSeen = server.seen.splice(0);
  }, 60_000);

  it('adds no file, even for the item whose title was edited', () => {
    expect(second.code, second.stderr).toBe(0);
    expect(JSON.parse(second.stdout).written).toBe(0);
    expect(files()).toEqual(before);
    expect(second.stderr).toContain(
      `${server.url('/wordpress-rss2.xml')}: 0 new articles, 3 already fetched, 1 repeated in the feed`,
    );
  });

  it('sends the stored ETag and Last-Modified, and gets 304s', () => {
    for (const path of [
      '/blog-atom.xml',
      '/feedburner.xml',
      '/micro.json',
      '/latin1-undeclared.xml',
      '/german-iso.xml',
    ]) {
      const request = secondSeen.find((s) => s.path === path);
      expect(request?.headers['if-none-match'], path).toMatch(/^"[0-9a-f]{12}"$/);
      expect(request?.headers['if-modified-since'], path).toBe('Mon, 30 Nov 2026 18:00:00 GMT');
      expect(request?.status, path).toBe(304);
    }
    const wp = secondSeen.find((s) => s.path === '/wordpress-rss2.xml');
    expect(wp?.headers['if-none-match']).toMatch(/^"[0-9a-f]{12}"$/);
    expect(wp?.status).toBe(200);
    expect(second.stderr).toMatch(
      /^Fetched 11 feeds: 0 new articles, 5 not modified, 1 waiting \(Retry-After\), 3 failed, in/m,
    );
  });

  it('goes straight to where the feed moved permanently, and leaves the 429 feed alone until Retry-After', () => {
    const paths = secondSeen.map((s) => s.path);
    expect(paths).toContain('/german-iso.xml');
    expect(paths).not.toContain('/old/german.xml');
    expect(paths).not.toContain('/busy.xml');
    expect(second.stderr).toContain(
      `${server.url('/busy.xml')}: skipped, the server asked not to fetch before 2026-12-01T07:00:00.000Z`,
    );
  });
});
