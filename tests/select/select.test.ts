import { describe, expect, it } from 'vitest';
import { selectDigest } from '../../src/select/index.js';
import type { Article, Selection } from '../../src/types.js';
import { art, OPTS, rel, WIDE } from './_articles.js';

const leads = (s: Selection) => s.items.map((i) => i.lead.path);
const status = (s: Selection, path: string) => s.considered.find((c) => c.path === path);
const provider = (domain: string) => ({ name: domain, domain });

describe('same story, one item', () => {
  it.each([
    [
      'an AMP + utm variant of the lead URL',
      { webUrl: 'http://amp.cnn.com/2020/x/amp/index.html?utm_source=feed#top' },
      'same article at another address',
    ],
    [
      'the lead AMP URL',
      { webUrl: 'https://cnn.com/2020/x/index.amp.html' },
      'same article at another address',
    ],
    ['a title with other quotes and case', { title: 'BIDEN’S “BIG” PLAN: FOR VOTERS' }, 'same title'],
    [
      'a reworded title with the same names',
      { title: 'Biden unveils a big plan for voters in the Midwest' },
      'title+excerpt 0.83, shared: Biden, Midwest',
    ],
    [
      'the same excerpt, punctuated differently',
      { excerpt: 'The former vice president laid out, on Sunday, a plan for the Midwest...' },
      'same excerpt',
    ],
  ])('merges %s', (_name, over, why) => {
    const lead = art({
      path: 'lead.md',
      quality: 100,
      title: "Biden's big plan for voters",
      webUrl: 'https://www.cnn.com/2020/x/index.html',
      ampWebUrl: 'https://www.cnn.com/2020/x/index.amp.html',
      excerpt: 'The former vice president laid out on Sunday a plan for the Midwest',
      provider: provider('cnn.com'),
    });
    const other = art({ path: 'other.md', quality: 60, provider: provider('foxnews.com'), ...over });
    const sel = selectDigest([other, lead], WIDE, OPTS);
    expect(leads(sel)).toEqual(['lead.md']);
    // A copy of the lead's own page is merged but not listed again as other coverage.
    const copy = why === 'same article at another address';
    expect(sel.items[0]?.alsoCoveredBy.map((a) => a.path)).toEqual(copy ? [] : ['other.md']);
    expect(status(sel, 'other.md')).toMatchObject({
      status: 'merged',
      mergedInto: 'https://www.cnn.com/2020/x/index.html',
      reason: `same story as "Biden's big plan for voters" (${why})`,
    });
  });

  it.each([
    ['the same template with another place', { title: 'Biden visits Ohio today' }],
    ['a title that shares only a name', { title: 'Biden dog recovers from sprained ankle' }],
    ['the same two-word title', { title: 'Live updates' }],
    ['the same short excerpt', { excerpt: 'Watch the video.' }],
    ['a different query parameter', { webUrl: 'https://example.com/story?id=2' }],
  ])('keeps apart %s', (_name, over) => {
    const short = _name.includes('two-word');
    const a = art({
      path: 'a.md',
      quality: 100,
      title: short ? 'Live updates' : 'Biden visits Florida today',
      excerpt: 'Watch the video.',
      webUrl: 'https://example.com/story?id=1',
    });
    const b = art({ path: 'b.md', quality: 60, provider: provider('other.com'), ...over });
    const sel = selectDigest([a, b], WIDE, OPTS);
    expect(leads(sel)).toEqual(['a.md', 'b.md']);
  });

  it('uses the configured threshold', () => {
    const a = art({ path: 'a.md', quality: 100, title: 'Biden visits Florida today' });
    const b = art({ path: 'b.md', title: 'Biden visits Florida, meets voters', provider: provider('b.com') });
    expect(leads(selectDigest([a, b], WIDE, { ...OPTS, storySimilarity: 0.5 }))).toEqual(['a.md']);
    expect(leads(selectDigest([a, b], WIDE, { ...OPTS, storySimilarity: 1 }))).toEqual(['a.md', 'b.md']);
  });

  it('makes three outlets one item, best first, each with its own reason', () => {
    const cnn = art({
      path: 'cnn.md',
      quality: 100,
      title: 'Trump holds indoor rally in Nevada despite limits',
      webUrl: 'https://cnn.com/rally',
      provider: provider('cnn.com'),
    });
    const fox = art({
      path: 'fox.md',
      quality: 90,
      title: 'Trump holds indoor rally in Nevada, despite the limits',
      webUrl: 'https://foxnews.com/rally',
      ampWebUrl: 'https://foxnews.com/rally/amp',
      provider: provider('foxnews.com'),
    });
    const syndicated = art({
      path: 'msn.md',
      quality: 80,
      title: 'Nevada: a rally',
      webUrl: 'https://www.foxnews.com/rally?ocid=msn',
      provider: provider('msn.com'),
    });
    const sel = selectDigest([syndicated, fox, cnn], WIDE, OPTS);
    expect(sel.items).toHaveLength(1);
    // msn.md is Fox's page at another address: merged, not listed as a third outlet.
    expect(sel.items[0]?.alsoCoveredBy.map((a) => a.path)).toEqual(['fox.md']);
    expect(status(sel, 'fox.md')?.reason).toBe(
      'same story as "Trump holds indoor rally in Nevada despite limits" (title+excerpt 1.00, shared: Trump, Nevada)',
    );
    expect(status(sel, 'msn.md')?.reason).toBe(
      'same story as "Trump holds indoor rally in Nevada despite limits" (same article as "Trump holds indoor rally in Nevada, despite the limits" at another address)',
    );
    expect(status(sel, 'cnn.md')).toMatchObject({
      status: 'included',
      reason: 'item 1; rank 1 of 1 (3 outlets, quality 100)',
    });
  });

  it('joins two stories that a later article shares, under the better lead', () => {
    const a = art({ path: 'a.md', quality: 100, title: 'Senate passes the relief bill tonight' });
    const c = art({
      path: 'c.md',
      quality: 90,
      title: 'Lawmakers approve package',
      excerpt: 'The chamber voted 51 to 49 on the measure late on Saturday evening',
      provider: provider('c.com'),
    });
    const b = art({
      path: 'b.md',
      quality: 80,
      title: 'Senate passes the relief bill tonight!',
      excerpt: 'The chamber voted 51 to 49 on the measure late on Saturday evening.',
      provider: provider('b.com'),
    });
    const sel = selectDigest([a, b, c], WIDE, OPTS);
    expect(leads(sel)).toEqual(['a.md']);
    expect(sel.items[0]?.alsoCoveredBy.map((x) => x.path)).toEqual(['c.md', 'b.md']);
    expect(status(sel, 'c.md')?.reason).toContain('same excerpt as "Senate passes the relief bill tonight!"');
  });
});

describe('caps and top N', () => {
  // Numbers that differ across outlets too, so that no two outlets' titles read as one story.
  const offset: Record<string, number> = { 'fox.com': 100, 'a.com': 200, 'b.com': 300 };
  const many = (n: number, domain: string, quality: number, prefix = domain): Article[] =>
    Array.from({ length: n }, (_, i) =>
      art({
        path: `${prefix}-${i + 1}.md`,
        quality: quality - i,
        title: `${prefix} story number ${(offset[domain] ?? 0) + i + 1} headline`,
        webUrl: `https://${domain}/${i + 1}`,
        provider: provider(domain),
      }),
    );

  it('takes at most perProvider stories from one domain and lets the next outlet in', () => {
    const sel = selectDigest([...many(5, 'cnn.com', 100), ...many(1, 'fox.com', 10)], WIDE, OPTS);
    expect(leads(sel)).toEqual(['cnn.com-1.md', 'cnn.com-2.md', 'cnn.com-3.md', 'fox.com-1.md']);
    expect(status(sel, 'cnn.com-4.md')).toMatchObject({
      status: 'overProviderCap',
      reason: '4th story from cnn.com; cap is 3',
    });
    expect(status(sel, 'cnn.com-5.md')?.reason).toBe('5th story from cnn.com; cap is 3');
  });

  it('counts the provider domain without www. and case', () => {
    const list = many(3, 'cnn.com', 100);
    list.push(
      art({
        path: 'x.md',
        quality: 99,
        title: 'x story unlike any other',
        provider: provider('WWW.CNN.com'),
      }),
    );
    const sel = selectDigest(list, WIDE, OPTS);
    expect(status(sel, 'cnn.com-3.md')?.status).toBe('overProviderCap');
  });

  it('keeps the top N and says why the rest are out', () => {
    const list = [...many(8, 'a.com', 100), ...many(8, 'b.com', 50)];
    const sel = selectDigest(list, WIDE, { ...OPTS, perProvider: 5, top: 7 });
    expect(leads(sel)).toEqual([
      'a.com-1.md',
      'a.com-2.md',
      'a.com-3.md',
      'a.com-4.md',
      'a.com-5.md',
      'b.com-1.md',
      'b.com-2.md',
    ]);
    expect(status(sel, 'a.com-6.md')?.reason).toBe('6th story from a.com; cap is 5');
    expect(status(sel, 'b.com-3.md')).toMatchObject({
      status: 'belowTop',
      reason: 'rank 11 of 16 (1 outlet, quality 48), 8th within the provider cap; top is 7',
    });
    expect(status(sel, 'b.com-1.md')?.reason).toBe('item 6; rank 9 of 16 (1 outlet, quality 50)');
  });

  it('sends the merged articles of a left-out story the same way', () => {
    const list = many(4, 'cnn.com', 100);
    list.push(
      art({
        path: 'copy.md',
        quality: 1,
        title: 'cnn.com story number 4 headline',
        webUrl: 'https://cnn.com/4-copy',
        provider: provider('cnn.com'),
      }),
    );
    const sel = selectDigest(list, WIDE, OPTS);
    expect(status(sel, 'copy.md')).toMatchObject({
      status: 'overProviderCap',
      mergedInto: 'https://cnn.com/4',
      reason: 'same story as "cnn.com story number 4 headline" (same title), which is over the provider cap',
    });
  });

  it('returns no items and a full considered list for an empty window', () => {
    const sel = selectDigest([], WIDE, OPTS);
    expect(sel).toEqual({ window: WIDE, items: [], considered: [], problems: [] });
  });
});

describe('topic filters', () => {
  const list: Article[] = [
    art({ path: 'ai.md', title: 'Chips for neural nets arrive', topics: ['AI', 'AI Hardware'] }),
    art({ path: 'vote.md', title: 'Turnout reaches a record high', topics: ['Election', 'Donald Trump'] }),
    art({ path: 'both.md', title: 'Deepfakes in campaign adverts', topics: ['AI', 'Election'] }),
    art({ path: 'none.md', title: 'Weather turns cold this weekend', topics: [] }),
  ].map((a) => ({ ...a, provider: provider(a.path) }));
  it.each([
    [[], [], ['ai.md', 'both.md', 'none.md', 'vote.md']],
    [['ai'], [], ['ai.md', 'both.md']],
    [[' ELECTION '], ['donald trump'], ['both.md']],
    [[], ['Election'], ['ai.md', 'none.md']],
    [['AI'], ['ai hardware'], ['both.md']],
  ])('include %j, exclude %j -> %j', (includeTopics, excludeTopics, want) => {
    const sel = selectDigest(list, WIDE, { ...OPTS, includeTopics, excludeTopics });
    expect(leads(sel).sort()).toEqual(want);
    for (const c of sel.considered)
      expect(c.status).toBe(want.includes(c.path) ? 'included' : 'excludedByTopic');
  });

  it('says which topic excluded an article', () => {
    const sel = selectDigest(list, WIDE, { ...OPTS, includeTopics: ['AI'], excludeTopics: ['donald trump'] });
    expect(status(sel, 'vote.md')?.reason).toBe('topic "Donald Trump" is in excludeTopics');
    expect(status(sel, 'none.md')?.reason).toBe('it has no topics: none is in includeTopics');
  });
});

describe('related links', () => {
  const HEADLINES: Record<string, string> = {
    a: 'Harbour bridge reopens',
    b: 'Council budget passes',
    m: 'Museum extension',
  };
  const item = (
    path: string,
    quality: number,
    related: ReturnType<typeof rel>[],
    over: Partial<Article> = {},
  ) =>
    art({
      path,
      quality,
      title: `${HEADLINES[path] ?? path} unlike the others`,
      webUrl: `https://${path}.example/story`,
      provider: provider(`${path}.example`),
      related,
      ...over,
    });
  const urls = (s: Selection) => s.items.map((i) => i.related.map((r) => r.webUrl));

  it('takes the best quality first, newer on ties, up to relatedPerItem', () => {
    const sel = selectDigest(
      [
        item('a', 100, [
          rel({ webUrl: 'https://r.com/1', quality: 10 }),
          rel({ webUrl: 'https://r.com/2', quality: 90 }),
          rel({ webUrl: 'https://r.com/3', quality: 50, publishedMs: 1000 }),
          rel({ webUrl: 'https://r.com/4', quality: 50, publishedMs: 2000 }),
          rel({ webUrl: 'https://r.com/5', quality: 70 }),
        ]),
      ],
      WIDE,
      OPTS,
    );
    expect(urls(sel)).toEqual([['https://r.com/2', 'https://r.com/5', 'https://r.com/4']]);
    expect(
      urls(
        selectDigest(
          sel.items.map((i) => i.lead),
          WIDE,
          { ...OPTS, relatedPerItem: 0 },
        ),
      ),
    ).toEqual([[]]);
  });

  it('never shows a javascript:, data: or other non-http link', () => {
    const sel = selectDigest(
      [
        item('a', 100, [
          rel({ webUrl: 'https://ok.com/1', quality: 1 }),
          { ...rel({ webUrl: 'https://x.com/' }), webUrl: 'javascript:alert(1)', quality: 999 },
          { ...rel({ webUrl: 'https://x.com/' }), webUrl: 'data:text/html,hi', quality: 998 },
          { ...rel({ webUrl: 'https://x.com/' }), webUrl: 'ftp://x.com/f', quality: 997 },
        ]),
      ],
      WIDE,
      OPTS,
    );
    expect(urls(sel)).toEqual([['https://ok.com/1']]);
  });

  it('never repeats a link across items and never points at a selected item', () => {
    const shared = rel({ webUrl: 'https://r.com/shared', quality: 90 });
    const sel = selectDigest(
      [
        item('a', 100, [
          shared,
          rel({ webUrl: 'https://www.b.example/story/?utm_source=x', quality: 95 }),
          rel({ webUrl: 'https://m.example/covered', quality: 94 }),
          rel({ webUrl: 'https://r.com/a2', quality: 10 }),
        ]),
        item('b', 90, [
          { ...shared, webUrl: 'http://r.com/shared/#top' },
          rel({ webUrl: 'https://a.example/story', quality: 99 }),
          rel({ webUrl: 'https://r.com/b2', quality: 5 }),
        ]),
        // Merged into a (same excerpt): its URL is in the digest, and its related links count for a.
        item('m', 10, [rel({ webUrl: 'https://r.com/from-merged', quality: 80 })], {
          webUrl: 'https://m.example/covered',
          excerpt: 'An excerpt long enough to identify this one story for sure.',
        }),
      ].map((a, i) =>
        i === 0 ? { ...a, excerpt: 'An excerpt long enough to identify this one story for sure' } : a,
      ),
      WIDE,
      OPTS,
    );
    expect(leads(sel)).toEqual(['a', 'b']);
    expect(urls(sel)).toEqual([
      ['https://r.com/shared', 'https://r.com/from-merged', 'https://r.com/a2'],
      ['https://r.com/b2'],
    ]);
  });

  it('shows a syndicated title once, and a short title once per provider', () => {
    const sel = selectDigest(
      [
        item('a', 100, [
          rel({ webUrl: 'https://azcentral.com/k', title: 'Kamala Harris visits Arizona', quality: 90 }),
          rel({ webUrl: 'https://indystar.com/k', title: 'Kamala Harris visits Arizona', quality: 80 }),
          rel({ webUrl: 'https://cnn.com/live1', title: 'Live updates', quality: 70 }),
          rel({ webUrl: 'https://cnn.com/live2', title: 'Live updates', quality: 60 }),
          rel({ webUrl: 'https://fox.com/live', title: 'Live updates', quality: 50 }),
        ]),
      ],
      WIDE,
      { ...OPTS, relatedPerItem: 5 },
    );
    expect(urls(sel)).toEqual([['https://azcentral.com/k', 'https://cnn.com/live1', 'https://fox.com/live']]);
  });
});

describe('considered and determinism', () => {
  const list = [
    art({
      path: 'z/late.md',
      quality: 80,
      title: 'One story here today',
      publishedMs: Date.parse('2021-06-01T00:00:00Z'),
    }),
    art({ path: 'b.md', quality: 90, title: 'One story here today', provider: provider('b.com') }),
    art({ path: 'a.md', quality: 95, title: 'Another thing entirely now', heat: 3 }),
  ];

  it('lists every input article once, by path, with its facts', () => {
    const sel = selectDigest(list, WIDE, OPTS);
    expect(sel.considered.map((c) => [c.path, c.status])).toEqual([
      ['a.md', 'included'],
      ['b.md', 'included'],
      ['z/late.md', 'outOfWindow'],
    ]);
    expect(sel.considered[0]).toEqual({
      path: 'a.md',
      status: 'included',
      reason: 'item 1; rank 1 of 2 (1 outlet, quality 95, heat 3)',
      title: 'Another thing entirely now',
      webUrl: 'https://example.com/a',
      quality: 95,
      heat: 3,
      publishedAt: '2020-09-13T12:00:00.000Z',
      providerDomain: 'example.com',
    });
    expect(sel.considered[2]?.reason).toBe('published after the window');
  });

  it('gives the same output for any input order', () => {
    const one = JSON.stringify(selectDigest(list, WIDE, OPTS));
    expect(JSON.stringify(selectDigest([...list].reverse(), WIDE, OPTS))).toBe(one);
    expect(JSON.stringify(selectDigest([list[1], list[2], list[0]] as Article[], WIDE, OPTS))).toBe(one);
  });

  it('does not change its input', () => {
    const before = JSON.stringify(list);
    selectDigest(list, WIDE, OPTS);
    expect(JSON.stringify(list)).toBe(before);
  });
});
