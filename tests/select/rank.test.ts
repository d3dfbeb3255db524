import { describe, expect, it } from 'vitest';
import { compareArticles, DEFAULT_PRESS_WIRES, isPressRelease } from '../../src/select/index.js';
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

describe('isPressRelease', () => {
  const a = (webUrl: string, domain: string, excerpt = '') => ({
    webUrl,
    excerpt,
    provider: { name: domain, domain },
  });
  it.each([
    ['a wire by its domain', a('https://www.prnewswire.com/news-releases/x-1.html', 'prnewswire.com'), true],
    ['a subdomain of a wire', a('https://in.prnewswire.com/x', 'in.prnewswire.com'), true],
    [
      "MarketWatch's release section",
      a('https://www.marketwatch.com/press-release/market-2027', 'marketwatch.com'),
      true,
    ],
    ["AP's release section", a('https://apnews.com/press-release/accesswire/x', 'apnews.com'), true],
    [
      'a reprint with a Business Wire dateline',
      a(
        'https://us.acrofan.com/detail.php?number=435674',
        'acrofan.com',
        'DUBLIN--(BUSINESS WIRE)--The "AI in Computer Vision Market" report has been added',
      ),
      true,
    ],
    [
      'a reprint with a PR Newswire dateline',
      a('https://example.com/x', 'example.com', 'SAN JOSE, Calif., March 11, 2021 /PRNewswire/ -- Aetina'),
      true,
    ],
    [
      'reporting',
      a(
        'https://techcrunch.com/2021/03/11/hugging-face-raises-40-million/',
        'techcrunch.com',
        'Hugging Face has raised $40 million.',
      ),
      false,
    ],
    [
      'reporting that mentions a wire later on',
      a('https://example.com/y', 'example.com', `${'Words '.repeat(50)}(BUSINESS WIRE)`),
      false,
    ],
  ])('%s -> %s', (_name, article, want) => {
    expect(isPressRelease(article, DEFAULT_PRESS_WIRES)).toBe(want);
  });
});
