import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  allTime,
  findArticleFiles,
  formatProblem,
  loadArticles,
  parseArticle,
} from '../../src/content/index.js';
import { generateArticles, Random, sampleFiles, writeSampleContent } from '../../src/sample/index.js';
import type { Article } from '../../src/types.js';

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

const BUNDLED = resolve(import.meta.dirname, '../../content');

function parseAll(files: { path: string; text: string }[], timeZone = 'UTC'): Article[] {
  return files.map(({ path, text }) => {
    const result = parseArticle(path, Buffer.from(text), { timeZone });
    if ('problem' in result) throw new Error(formatProblem(result.problem));
    return result.article;
  });
}

const norm = (title: string) =>
  title
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();

describe('Random', () => {
  it('repeats its sequence for a seed', () => {
    const a = new Random(42);
    const b = new Random(42);
    const first = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(first);
    expect(first.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(new Random(43).next()).not.toBe(first[0]);
  });
});

describe('the sample generator', () => {
  it('gives the same bytes for the same options, and other bytes for another seed', () => {
    const options = { seed: 9, count: 80, days: 3, start: '2027-01-30' };
    expect(generateArticles(options)).toEqual(generateArticles(options));
    expect(generateArticles({ ...options, seed: 10 })).not.toEqual(generateArticles(options));
    expect(generateArticles({ ...options, start: new Date('2027-01-30T15:00:00Z') })).toEqual(
      generateArticles(options),
    );
  });

  it.each([
    [1, 300, 'UTC'],
    [2, 300, 'Europe/Berlin'],
    [3, 300, 'America/New_York'],
  ])('seed %d: all %d files parse (%s) with unique paths', (seed, count, timeZone) => {
    const files = generateArticles({ seed, count, days: 5 });
    expect(files).toHaveLength(count);
    expect(new Set(files.map((f) => f.path)).size).toBe(count);
    expect(files.every((f) => /^[a-z]+\/\d{4}-\d{2}-\d{2}-[a-z0-9-]+\.md$/.test(f.path))).toBe(true);
    expect(parseAll(files, timeZone)).toHaveLength(count);
  });

  it('has the variety the pipeline must cope with', () => {
    const files = generateArticles({ seed: 1, count: 300 });
    const articles = parseAll(files);
    const dates = files.map((f) => /^publishedDateTime: (.*)$/m.exec(f.text)?.[1] ?? '');
    expect(dates.some((d) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/.test(d))).toBe(true);
    expect(dates.some((d) => /^"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"$/.test(d))).toBe(true);
    expect(dates.some((d) => /^"?\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d"?$/.test(d))).toBe(true);
    expect(dates.some((d) => /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d\d:\d\d$/.test(d))).toBe(true);
    expect(dates.some((d) => /^\d{4}-\d\d-\d\d$/.test(d))).toBe(true);
    expect(dates.some((d) => /\.\d{3}Z$/.test(d))).toBe(true);

    expect(articles.some((a) => a.images.length === 0)).toBe(true);
    expect(articles.some((a) => a.images.length === 2)).toBe(true);
    expect(files.some((f) => !/^quality:/m.test(f.text))).toBe(true);
    expect(articles.some((a) => a.heat === -1)).toBe(true);
    expect(articles.some((a) => a.excerpt === '')).toBe(true);
    expect(files.some((f) => /^excerpt: ".*\\n {4}\\n"$/m.test(f.text))).toBe(true);
    expect(articles.some((a) => a.related.length >= 50)).toBe(true);
    expect(articles.some((a) => a.related.length === 0)).toBe(true);
    expect(articles.some((a) => /[^\x20-\x7e]/.test(a.title))).toBe(true);
    expect(new Set(articles.map((a) => a.provider.name))).toContain('새벽신문');
    expect(new Set(articles.map((a) => a.provider.domain)).size).toBeGreaterThanOrEqual(8);
    expect(articles.some((a) => a.webUrl.includes('utm_'))).toBe(true);
    expect(articles.some((a) => /\/amp\/?$|outputType=amp/.test(a.webUrl))).toBe(true);
    expect(files.some((f) => /^provider:\n {2}name: .*\n\n/m.test(f.text))).toBe(true);

    // Same story from different outlets: equal titles once case and punctuation are ignored.
    const byTitle = new Map<string, Set<string>>();
    for (const a of articles)
      byTitle.set(norm(a.title), (byTitle.get(norm(a.title)) ?? new Set()).add(a.provider.domain));
    expect([...byTitle.values()].some((domains) => domains.size >= 3)).toBe(true);

    const nameDiffers = articles.filter(
      (a) => a.path.split('/')[1]?.slice(0, 10) !== new Date(a.publishedMs).toISOString().slice(0, 10),
    );
    expect(nameDiffers.length).toBeGreaterThan(30);

    const start = Date.parse('2026-11-20T00:00:00Z');
    expect(articles.every((a) => a.publishedMs >= start && a.publishedMs < start + 5 * 86_400_000)).toBe(
      true,
    );
  });

  it('writes files of realistic size: a few KB typically, a few much larger', () => {
    const sizes = generateArticles({ seed: 1, count: 300 })
      .map((f) => Buffer.byteLength(f.text))
      .sort((a, b) => a - b);
    const median = sizes[150] as number;
    expect(median).toBeGreaterThan(1024);
    expect(median).toBeLessThan(5 * 1024);
    expect(sizes.at(-1)).toBeGreaterThan(30 * 1024);
    expect(sizes.at(-1)).toBeLessThan(1_048_576);
  });

  it('produces files lazily, so a benchmark can ask for 100,000 without holding them', () => {
    const take = (n: number) => {
      const files = sampleFiles({ count: 100_000, days: 365 });
      return Array.from({ length: n }, () => files.next().value as { path: string; text: string });
    };
    const first = take(3);
    expect(take(3)).toEqual(first);
    expect(parseAll(first)).toHaveLength(3);
  });

  it.each([
    [{ count: -1 }, 'count must be a whole number'],
    [{ days: 0 }, 'days must be 1 or more'],
    [{ start: '20.11.2026' }, 'start must be a date as YYYY-MM-DD'],
    [{ seed: 1.5 }, 'seed must be an integer'],
  ])('rejects %j', (options, message) => {
    expect(() => generateArticles(options)).toThrow(message);
  });
});

describe('writeSampleContent', () => {
  it('writes exactly the generated bytes, in section folders', async () => {
    const dir = tempDir('digest-sample-');
    const options = { seed: 4, count: 40 };
    expect(await writeSampleContent(dir, options)).toMatchObject({ files: 40 });
    const expected = generateArticles(options);
    expect(await findArticleFiles(dir)).toEqual(expected.map((f) => f.path).sort());
    for (const f of expected) expect(readFileSync(join(dir, f.path), 'utf8')).toBe(f.text);
    const loaded = await loadArticles(dir, allTime('UTC'));
    expect(loaded.problems).toEqual([]);
    expect(loaded.articles).toHaveLength(40);
  });

  it('with clean, removes old .md files and leaves other files alone', async () => {
    const dir = tempDir('digest-sample-');
    await writeSampleContent(dir, { seed: 5, count: 30 });
    writeFileSync(join(dir, 'keep.txt'), 'not an article');
    await writeSampleContent(dir, { seed: 6, count: 10, clean: true });
    expect(await findArticleFiles(dir)).toEqual(
      generateArticles({ seed: 6, count: 10 })
        .map((f) => f.path)
        .sort(),
    );
    expect(readFileSync(join(dir, 'keep.txt'), 'utf8')).toBe('not an article');
  });
});

describe('the bundled content/ folder', () => {
  it('is exactly what the generator writes with its defaults (regenerate: npm run sample -- --clean)', async () => {
    const expected = generateArticles();
    expect(expected).toHaveLength(60);
    expect(await findArticleFiles(BUNDLED)).toEqual(expected.map((f) => f.path).sort());
    for (const f of expected) expect(readFileSync(join(BUNDLED, f.path), 'utf8')).toBe(f.text);
  });

  it('loads with no problem and spans five days', async () => {
    const loaded = await loadArticles(BUNDLED, allTime('UTC'));
    expect(loaded.problems.map(formatProblem)).toEqual([]);
    const days = new Set(loaded.articles.map((a) => new Date(a.publishedMs).toISOString().slice(0, 10)));
    expect([...days].sort()).toEqual(['2026-11-20', '2026-11-21', '2026-11-22', '2026-11-23', '2026-11-24']);
  });
});
