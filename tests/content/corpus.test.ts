import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findArticleFiles, formatProblem, loadArticles, parseArticle } from '../../src/content/index.js';

const CORPUS = resolve(import.meta.dirname, '../../../shared/corpus');
const ALL_TIME = { since: -8.64e15, until: 8.64e15 };

describe.each([
  ['election', 76],
  ['ai', 59],
])('the real %s corpus', (name, count) => {
  const dir = join(CORPUS, name);

  it(`parses all ${count} files with no problem`, async () => {
    const result = await loadArticles(dir, { ...ALL_TIME, timeZone: 'America/New_York' });
    expect(result.problems.map(formatProblem)).toEqual([]);
    expect(result.files).toBe(count);
    expect(result.articles).toHaveLength(count);
  });

  it('gives every article a clean title and excerpt, an http(s) link and a provider domain', async () => {
    const { articles } = await loadArticles(dir, { ...ALL_TIME, timeZone: 'UTC' });
    for (const a of articles) {
      expect(a.title).not.toMatch(/\\n|\n|^\s|\s$/);
      expect(a.excerpt).not.toMatch(/\\n|\n|^\s|\s$/);
      expect(a.webUrl).toMatch(/^https?:\/\//);
      expect(a.provider.domain).toMatch(/^[a-z0-9.-]+$/);
      expect(a.provider.domain.startsWith('www.')).toBe(false);
      for (const r of a.related) expect(r.webUrl).toMatch(/^https?:\/\//);
      for (const i of a.images) expect(i.url).toMatch(/^https?:\/\//);
    }
  });

  it('gives the same result through parseArticle as through loadArticles', async () => {
    const paths = await findArticleFiles(dir);
    const first = paths[0] as string;
    const direct = parseArticle(first, readFileSync(join(dir, first)), { timeZone: 'UTC' });
    const { articles } = await loadArticles(dir, { ...ALL_TIME, timeZone: 'UTC' });
    expect(direct).toEqual({ article: articles[0] });
  });
});

describe('facts from the corpus statistics', () => {
  it('keeps the publish instant from publishedDateTime, not the file name', async () => {
    const { articles } = await loadArticles(join(CORPUS, 'election'), { ...ALL_TIME, timeZone: 'UTC' });
    const differs = articles.filter((a) => {
      const nameDay = a.path.split('/').pop()?.slice(0, 10);
      return nameDay !== new Date(a.publishedMs).toISOString().slice(0, 10);
    });
    expect(differs).toHaveLength(21);
    expect(articles.reduce((n, a) => n + a.related.length, 0)).toBe(883);
  });

  it('reads quality, heat and related as missing (0, 0, []) in the ai corpus', async () => {
    const { articles } = await loadArticles(join(CORPUS, 'ai'), { ...ALL_TIME, timeZone: 'UTC' });
    expect(new Set(articles.map((a) => `${a.quality}/${a.heat}/${a.related.length}`))).toEqual(
      new Set(['0/0/0']),
    );
    expect(articles.map((a) => a.provider.name)).toContain('아크로팬');
  });
});
