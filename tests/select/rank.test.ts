import { describe, expect, it } from 'vitest';
import { compareArticles } from '../../src/select/index.js';
import { art } from './_articles.js';

const T0 = Date.parse('2020-09-13T12:00:00Z');

describe('compareArticles', () => {
  it.each([
    ['quality wins', { quality: 90, heat: 0 }, { quality: 80, heat: 900 }, 'a'],
    ['heat breaks a quality tie', { heat: 10 }, { heat: 20 }, 'b'],
    ['negative heat (-1 in the corpus) ranks below 0', { heat: -1 }, { heat: 0 }, 'b'],
    ['newer breaks a heat tie', { publishedMs: T0 }, { publishedMs: T0 + 1000 }, 'b'],
    ['title breaks a time tie', { title: 'Beta' }, { title: 'Alpha' }, 'b'],
    ['code-point title order: upper case first', { title: 'alpha' }, { title: 'Zulu' }, 'b'],
    ['path breaks a title tie', { title: 'Same' }, { title: 'Same' }, 'a'],
  ])('%s', (_name, a, b, first) => {
    const x = art({ path: 'a.md', ...a });
    const y = art({ path: 'b.md', ...b });
    const sorted = [y, x].sort(compareArticles).map((z) => z.path);
    expect(sorted[0]).toBe(`${first}.md`);
    expect([x, y].sort(compareArticles).map((z) => z.path)).toEqual(sorted);
  });

  it('gives a total order whatever the input order', () => {
    const list = [
      art({ path: 'e.md', quality: 10 }),
      art({ path: 'd.md', quality: 50, heat: 5 }),
      art({ path: 'c.md', quality: 50, heat: 5, publishedMs: T0 + 1 }),
      art({ path: 'b.md', quality: 50, heat: 5, title: 'Same' }),
      art({ path: 'a.md', quality: 50, heat: 5, title: 'Same' }),
    ];
    const want = ['c.md', 'a.md', 'b.md', 'd.md', 'e.md'];
    expect([...list].sort(compareArticles).map((a) => a.path)).toEqual(want);
    expect(
      [...list]
        .reverse()
        .sort(compareArticles)
        .map((a) => a.path),
    ).toEqual(want);
  });
});
