import { describe, expect, it } from 'vitest';
import { cleanText } from '../../src/content/_fields.js';
import { readerUrl } from '../../src/select/_links.js';
import { readableArticle, readableCut } from '../../src/select/_readable.js';
import { selectDigest } from '../../src/select/index.js';
import { art, OPTS, rel, WIDE } from './_articles.js';

const provider = (domain: string) => ({ name: domain, domain });
const FEED = 'http://rss.cnn.com/~r/rss/cnn_allpolitics/~3/aXlRO2OsdWo/index.html';
const AMP = 'https://amp.cnn.com/cnn/2020/09/12/politics/donald-trump-terrible-week-election-2020/index.html';

describe('readerUrl: https where the files give it', () => {
  it.each([
    [
      'an https webUrl as it is',
      { webUrl: 'https://cnn.com/a', ampWebUrl: 'https://amp.cnn.com/a' },
      [],
      'https://cnn.com/a',
    ],
    ['a feed redirect: its https AMP page', { webUrl: FEED, ampWebUrl: AMP }, [], AMP],
    [
      'a feed redirect: a copy at https first',
      { webUrl: FEED, ampWebUrl: AMP },
      [{ webUrl: 'https://www.cnn.com/x' }],
      'https://www.cnn.com/x',
    ],
    [
      'plain http with nothing better',
      { webUrl: 'http://example.org/a' },
      [{ webUrl: 'http://example.org/b' }],
      'http://example.org/a',
    ],
  ])('%s', (_name, article, copies, want) => {
    expect(readerUrl(article, copies)).toBe(want);
  });

  it('never lists a copy of the lead (the same page at another address) as other coverage', () => {
    const https = art({
      path: 'a.md',
      quality: 100,
      title: 'Fox story',
      webUrl: 'https://www.foxnews.com/politics/x',
    });
    const feed = art({
      path: 'b.md',
      quality: 99,
      title: 'Fox story, from the feed',
      webUrl: 'http://feeds.foxnews.com/~r/foxnews/politics/~3/abc/x',
      ampWebUrl: 'https://www.foxnews.com/politics/x.amp',
      provider: provider('msn.com'),
    });
    const sel = selectDigest([https, feed], WIDE, OPTS);
    expect(sel.items).toHaveLength(1);
    expect(sel.items[0]?.lead.webUrl).toBe('https://www.foxnews.com/politics/x');
    expect(sel.items[0]?.alsoCoveredBy).toEqual([]);
    expect(sel.considered.find((c) => c.path === 'b.md')?.status).toBe('merged');
  });
});

describe('related links', () => {
  const lead = (related: ReturnType<typeof rel>[]) =>
    art({
      path: 'a.md',
      title: 'Harbour bridge reopens after repairs',
      webUrl: 'https://a.example/1',
      related,
    });

  it('never links what was published after the window ends', () => {
    const window = { ...WIDE, until: Date.parse('2020-09-14T04:00:00Z') };
    const sel = selectDigest(
      [
        lead([
          rel({ webUrl: 'https://r.com/before', publishedMs: Date.parse('2020-09-13T20:00:00Z') }),
          rel({
            webUrl: 'https://r.com/after',
            publishedMs: Date.parse('2020-09-21T09:00:00Z'),
            quality: 99,
          }),
        ]),
      ],
      window,
      OPTS,
    );
    expect(sel.items[0]?.related.map((r) => r.webUrl)).toEqual(['https://r.com/before']);
  });

  it('links the https AMP page of a feed-redirect entry', () => {
    const sel = selectDigest([lead([{ ...rel({ webUrl: FEED }), ampWebUrl: AMP }])], WIDE, OPTS);
    expect(sel.items[0]?.related.map((r) => r.webUrl)).toEqual([AMP]);
  });

  it("never links an article of its own story that is merged but not shown (its outlet is the lead's)", () => {
    const own = art({
      path: 'a.md',
      quality: 100,
      title: 'Strzok says Russians have leverage over Trump',
      excerpt:
        'Former FBI agent Peter Strzok tells Chuck Todd that Russians hold leverage over Donald Trump.',
      webUrl: 'https://www.nbcnews.com/a',
      provider: provider('nbcnews.com'),
      related: [
        rel({
          webUrl: 'https://www.nbcnews.com/full',
          title: 'Full Peter Strzok interview on Russian leverage',
          quality: 99,
        }),
        rel({ webUrl: 'https://r.com/other', title: 'Ferry timetable changes' }),
      ],
    });
    const full = art({
      path: 'b.md',
      quality: 90,
      title: 'Full Peter Strzok interview on Russian leverage',
      excerpt:
        'Peter Strzok, former FBI agent, tells Chuck Todd that Donald Trump is compromised by the Russians.',
      webUrl: 'https://www.nbcnews.com/full',
      provider: provider('nbcnews.com'),
    });
    const sel = selectDigest([own, full], WIDE, OPTS);
    expect(sel.items).toHaveLength(1);
    expect(sel.items[0]?.alsoCoveredBy).toEqual([]);
    expect(sel.items[0]?.related.map((r) => r.webUrl)).toEqual(['https://r.com/other']);
  });

  it.each([
    [
      'its own title at another outlet',
      { webUrl: 'https://b.example/x', title: 'Harbour Bridge Reopens After Repairs' },
    ],
    [
      'the same MSN article at another locale',
      { webUrl: 'https://www.msn.com/en-my/news/other-slug/ar-BB18XyZq' },
    ],
  ])('is never a copy of its own item: %s', (_name, over) => {
    const own = art({
      path: 'a.md',
      title: 'Harbour bridge reopens after repairs',
      webUrl: 'https://www.msn.com/en-us/news/bridge/ar-BB18XyZq',
      related: [
        rel({ ...over, quality: 99 }),
        rel({ webUrl: 'https://r.com/other', title: 'Ferry timetable changes' }),
      ],
    });
    const sel = selectDigest([own], WIDE, OPTS);
    expect(sel.items[0]?.related.map((r) => r.webUrl)).toEqual(['https://r.com/other']);
  });
});

describe('text fit to show', () => {
  it.each([
    ['Decoded once: monitor &amp; analyze', 'Decoded once: monitor & analyze'],
    ['Quotes &#8220;here&#8221; and &#x2019;there', 'Quotes “here” and ’there'],
    ['Twice-encoded stays once: &amp;amp;', 'Twice-encoded stays once: &amp;'],
    ['Not an entity: AT&T and R&D', 'Not an entity: AT&T and R&D'],
  ])('cleanText(%j) = %j', (input, want) => {
    expect(cleanText(input)).toBe(want);
  });

  it.each([
    ['A whole sentence.', 40, 'A whole sentence.'],
    ['The company says it has 42,', 80, 'The company says it has…'],
    ['Stops without a full stop', 80, 'Stops without a full stop…'],
    ['First sentence here. Second sentence that runs on and on', 40, 'First sentence here.'],
    ['Words only, never half a word when cut in the middle', 30, 'Words only, never half a word…'],
    ['Revenue rose to 1,234,567 dollars in the quarter', 22, 'Revenue rose to…'],
    ['', 10, ''],
  ])('readableCut(%j, %i) = %j', (input, max, want) => {
    expect(readableCut(input, max)).toBe(want);
  });

  it('cuts an overlong title and provider name and reports file and field', () => {
    const long = art({
      path: 'long.md',
      title: `Harbour ${'word '.repeat(200)}end`,
      provider: provider('x'.repeat(300)),
    });
    const { article, problems } = readableArticle(long);
    expect(Array.from(article.title).length).toBeLessThanOrEqual(300);
    expect(article.title.endsWith('…')).toBe(true);
    expect(problems.map((p) => [p.path, p.field])).toEqual([
      ['long.md', 'title'],
      ['long.md', 'provider.name'],
    ]);
  });
});
