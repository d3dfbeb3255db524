import { chmodSync, cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findArticleFiles, formatProblem, loadArticles } from '../../src/content/index.js';
import { DigestError } from '../../src/errors.js';

const made: string[] = [];
/** A fresh temp dir, removed after the file's tests. */
function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

const LIBRARY = resolve(import.meta.dirname, '../fixtures/content/library');
const ALL_TIME = { since: -8.64e15, until: 8.64e15 };
const isRoot = process.getuid?.() === 0;

/** The fixture library copied to a fresh temp dir, plus the problems that can't be committed. */
function libraryWithGeneratedProblems(): string {
  const dir = tempDir('digest-content-');
  cpSync(LIBRARY, dir, { recursive: true });
  writeFileSync(join(dir, 'broken/latin1.md'), Buffer.from('---\ntitle: "Caf\xe9"\n---\n', 'latin1'));
  // Over 1 MB, and valid otherwise: the size alone must be the reason.
  const head =
    '---\ntitle: "Huge"\nwebUrl: "https://example.com/huge"\npublishedDateTime: 2026-11-20T09:30:00Z\n';
  writeFileSync(join(dir, 'broken/huge.md'), `${head}excerpt: "${'x'.repeat(1_100_000)}"\n---\n`);
  // A dangling link can't be read even by root, unlike a chmod 000 file.
  symlinkSync(join(dir, 'nowhere.md'), join(dir, 'broken/dangling.md'));
  return dir;
}

describe('findArticleFiles', () => {
  it('lists nested .md files as sorted posix paths, skipping hidden folders and other files', async () => {
    expect(await findArticleFiles(LIBRARY)).toEqual([
      'broken/bad-date.md',
      'broken/empty.md',
      'broken/javascript-weburl.md',
      'broken/malformed-yaml.md',
      'broken/missing-title.md',
      'broken/missing-weburl.md',
      'broken/quality-as-text.md',
      'good/2026-11-20-harbour-bridge-reopens.md',
      'good/2026-11-22-date-only.md',
      'good/nested/deeper/2026-11-21-minimal.md',
    ]);
  });

  it('follows symlinked folders once and ends on link loops', async () => {
    const dir = tempDir('digest-find-');
    mkdirSync(join(dir, 'a/b'), { recursive: true });
    writeFileSync(join(dir, 'a/b/x.md'), '');
    symlinkSync(join(dir, 'a'), join(dir, 'a/b/loop'));
    symlinkSync(join(dir, 'a/b/x.md'), join(dir, 'linked.md'));
    mkdirSync(join(dir, '.git'));
    writeFileSync(join(dir, '.git/HEAD.md'), '');
    writeFileSync(join(dir, '.hidden.md'), '');
    expect(await findArticleFiles(dir)).toEqual(['a/b/x.md', 'linked.md']);
  });

  it.each([
    ['a missing folder', 'does-not-exist', 'the content folder does not exist'],
    ['a file', 'good/2026-11-22-date-only.md', 'the content path is not a folder'],
  ])('throws E_IO for %s', async (_name, rel, message) => {
    const path = join(LIBRARY, rel);
    const error = await findArticleFiles(path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DigestError);
    expect(error).toMatchObject({
      code: 'E_IO',
      message,
      file: path,
      hint: expect.stringContaining('--content'),
    });
  });
});

describe('loadArticles', () => {
  it('reports and skips each broken file while the good files load', async () => {
    const dir = libraryWithGeneratedProblems();
    const result = await loadArticles(dir, { ...ALL_TIME, timeZone: 'UTC' });
    expect(result.files).toBe(13);
    expect(result.articles.map((a) => a.path)).toEqual([
      'good/2026-11-20-harbour-bridge-reopens.md',
      'good/2026-11-22-date-only.md',
      'good/nested/deeper/2026-11-21-minimal.md',
    ]);
    expect(result.problems.map((p) => [p.path, p.field])).toEqual([
      ['broken/bad-date.md', 'publishedDateTime'],
      ['broken/dangling.md', '(file)'],
      ['broken/empty.md', '(file)'],
      ['broken/huge.md', '(file)'],
      ['broken/javascript-weburl.md', 'webUrl'],
      ['broken/latin1.md', '(file)'],
      ['broken/malformed-yaml.md', '(front matter)'],
      ['broken/missing-title.md', 'title'],
      ['broken/missing-weburl.md', 'webUrl'],
      ['broken/quality-as-text.md', 'quality'],
    ]);
    expect(result.problems.map(formatProblem)).toEqual([
      expect.stringMatching(
        /^broken\/bad-date\.md: publishedDateTime: is not a date or date-time: "last Tuesday" \(/,
      ),
      'broken/dangling.md: (file): cannot be read (ENOENT) (check that the file exists and is readable)',
      'broken/empty.md: (file): is empty (add YAML front matter or delete the file)',
      expect.stringMatching(
        /^broken\/huge\.md: \(file\): is 11\d{5} bytes, larger than the 1048576-byte \(1 MB\) limit/,
      ),
      expect.stringMatching(
        /^broken\/javascript-weburl\.md: webUrl: must be an http or https URL, got "javascript:/,
      ),
      'broken/latin1.md: (file): is not valid UTF-8 text (save the file with UTF-8 encoding)',
      expect.stringMatching(
        /^broken\/malformed-yaml\.md: \(front matter\): line 6: bad indentation of a mapping entry/,
      ),
      expect.stringMatching(/^broken\/missing-title\.md: title: is missing/),
      expect.stringMatching(/^broken\/missing-weburl\.md: webUrl: is missing/),
      expect.stringMatching(/^broken\/quality-as-text\.md: quality: must be a number, got "70"/),
    ]);
    const invalid = result.considered.filter((c) => c.status === 'invalid');
    expect(invalid).toHaveLength(10);
    expect(invalid[0]).toEqual({
      path: 'broken/bad-date.md',
      status: 'invalid',
      reason: 'publishedDateTime: is not a date or date-time: "last Tuesday"',
    });
  });

  it('reads the full good fixture into an Article', async () => {
    const { articles } = await loadArticles(LIBRARY, { ...ALL_TIME, timeZone: 'UTC' });
    expect(articles[0]).toEqual({
      path: 'good/2026-11-20-harbour-bridge-reopens.md',
      title: 'Harbour bridge reopens after two years of repairs',
      excerpt:
        'The crossing carries 40,000 vehicles a day. Engineers say the new deck should last a century.',
      publishedMs: Date.parse('2026-11-20T09:30:00Z'),
      webUrl: 'https://www.harborledger.example/city/harbour-bridge-reopens',
      ampWebUrl: 'https://www.harborledger.example/city/harbour-bridge-reopens/amp/',
      quality: 120,
      heat: 45,
      type: 'article',
      provider: {
        name: 'The Harbor Ledger',
        domain: 'harborledger.example',
        imageUrl: 'https://images.example.com/logos/harborledger.example-50x50.png',
      },
      topics: ['City', 'Transport'],
      images: [
        { url: 'https://images.example.com/harborledger/harbour-bridge.jpg', width: 1200, height: 675 },
      ],
      related: [
        {
          title: 'Commuters count the cost of the long detour',
          excerpt: '',
          webUrl: 'https://northwind-daily.example/commute/detour-cost',
          provider: { name: 'Northwind Daily', domain: 'northwind-daily.example' },
          quality: 80,
          publishedMs: Date.parse('2026-11-21T07:00:00Z'),
        },
      ],
    });
  });

  it.runIf(!isRoot)('reports a file without read permission', async () => {
    const dir = tempDir('digest-perm-');
    writeFileSync(join(dir, 'locked.md'), '---\ntitle: x\n---\n');
    chmodSync(join(dir, 'locked.md'), 0o000);
    const { problems } = await loadArticles(dir, { ...ALL_TIME, timeZone: 'UTC' });
    expect(problems).toEqual([expect.objectContaining({ path: 'locked.md', field: '(file)' })]);
  });

  it('gives the articles in path order', async () => {
    const dir = tempDir('digest-many-');
    for (let i = 0; i < 120; i++) {
      const n = String(i).padStart(3, '0');
      writeFileSync(
        join(dir, `${n}.md`),
        `---\ntitle: "Article ${n}"\nwebUrl: "https://example.com/${n}"\npublishedDateTime: 2026-11-20T00:${String(i % 60).padStart(2, '0')}:00Z\n---\n`,
      );
    }
    const { articles } = await loadArticles(dir, { ...ALL_TIME, timeZone: 'UTC' });
    expect(articles.map((a) => a.title)).toEqual(
      Array.from({ length: 120 }, (_, i) => `Article ${String(i).padStart(3, '0')}`),
    );
  });
});

describe('loadArticles window', () => {
  function dayFolder(lines: [string, string][]): string {
    const dir = tempDir('digest-window-');
    for (const [name, when] of lines) {
      writeFileSync(
        join(dir, `${name}.md`),
        `---\ntitle: "${name}"\nwebUrl: "https://example.com/${name}"\npublishedDateTime: ${when}\nquality: 50\n---\n`,
      );
    }
    return dir;
  }

  it.each([
    // [zone, window since, window until, file date-times, names inside]
    [
      'UTC',
      '2026-11-20T00:00:00Z',
      '2026-11-21T00:00:00Z',
      [
        ['a-before', '2026-11-19T23:59:59Z'],
        ['b-first', '2026-11-20T00:00:00Z'],
        ['c-last', '2026-11-20T23:59:59Z'],
        ['d-next', '2026-11-21T00:00:00Z'],
      ],
      ['b-first', 'c-last'],
    ],
    [
      'America/New_York',
      '2020-09-13T04:00:00Z',
      '2020-09-14T04:00:00Z',
      [
        ['a-local-2359-before', '2020-09-12T23:59:59-04:00'],
        ['b-local-midnight', '2020-09-13T00:00:00-04:00'],
        ['c-date-only', '2020-09-13'],
        ['d-local-2359', '2020-09-13T23:59:59-04:00'],
        ['e-next-midnight', '2020-09-14T00:00:00-04:00'],
        ['f-next-date-only', '2020-09-14'],
      ],
      ['b-local-midnight', 'c-date-only', 'd-local-2359'],
    ],
    [
      'Europe/Berlin',
      '2021-03-27T23:00:00Z',
      '2021-03-28T22:00:00Z',
      [
        ['a-date-only', '2021-03-28'],
        ['b-local-2359', '2021-03-28T23:59:59+02:00'],
        ['c-next-midnight', '2021-03-29T00:00:00+02:00'],
        ['d-wall-clock', '2021-03-28 23:59:59'],
      ],
      ['a-date-only', 'b-local-2359', 'd-wall-clock'],
    ],
  ] as const)('%s %s .. %s', async (timeZone, since, until, files, inside) => {
    const dir = dayFolder(files.map(([n, w]) => [n, w]));
    const window = { since: Date.parse(since), until: Date.parse(until) };
    const result = await loadArticles(dir, { ...window, timeZone });
    expect(result.articles.map((a) => a.title)).toEqual(inside);
    expect(result.problems).toEqual([]);
    const out = result.considered.map((c) => [c.path, c.status]);
    expect(out).toEqual(
      files
        .filter(([n]) => !(inside as readonly string[]).includes(n))
        .map(([n]) => [`${n}.md`, 'outOfWindow']),
    );
  });

  it('describes an out-of-window article without keeping it', async () => {
    const dir = dayFolder([['early', '2020-09-12T03:00:00Z']]);
    const window = { since: Date.parse('2020-09-13T04:00:00Z'), until: Date.parse('2020-09-14T04:00:00Z') };
    const { considered, articles } = await loadArticles(dir, { ...window, timeZone: 'UTC' });
    expect(articles).toEqual([]);
    expect(considered).toEqual([
      {
        path: 'early.md',
        status: 'outOfWindow',
        reason: 'published before the window',
        // Only path, status, reason and time: the cheap first look decides such a file without
        // parsing it, and a full parse must give the same entry.
        publishedAt: '2020-09-12T03:00:00.000Z',
      },
    ]);
  });
});
