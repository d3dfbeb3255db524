import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { articleIdKey, clusterStories, isGuide } from '../../src/select/_cluster.js';
import { compareArticles } from '../../src/select/index.js';
import type { Article } from '../../src/types.js';
import { art } from './_articles.js';
import { type LabelledDay, labelledDays, SHARED } from './_labels.js';

const THRESHOLD = { threshold: 0.3 };

/** Articles from [outlet, title, excerpt] rows, each outlet its own domain, in the given rank order. */
function day(rows: [string, string, string][]): Article[] {
  return rows.map(([outlet, title, excerpt], i) =>
    art({
      path: `${i}.md`,
      title,
      excerpt,
      quality: 100 - i,
      webUrl: `https://${outlet}/${i}`,
      provider: { name: outlet, domain: outlet },
    }),
  );
}

/** The stories as lists of row numbers. */
function stories(articles: Article[]): number[][] {
  return clusterStories(articles, THRESHOLD).stories;
}

describe('clusterStories on pairs of real articles, each within its whole labelled day', () => {
  let days: Map<string, LabelledDay>;
  beforeAll(async () => {
    const all = [
      ...(await labelledDays(join(SHARED, 'stories/labels.json'))),
      ...(await labelledDays(join(import.meta.dirname, '../fixtures/stories/labels.json'))),
    ];
    days = new Map(all.map((d) => [d.name, d]));
  });
  const E13 = 'election_2020-09-13';
  it.each([
    // Merged: one event, reworded by other outlets.
    [E13, 'bloomberg-plans-to-spend', 'bloomberg-to-back-biden-by-spending-100m', true],
    [E13, 'mike-bloomberg-to-spend', 'bloomberg-says-hell-spend', true],
    [E13, 'strzok-i-continue-to-believe', 'strzok-russians-have-leverage', true],
    [E13, 'ambush-of-la-deputies', 'swift-justice-in-shooting', true],
    ['election_2020-09-12', 'pence-backs-out-of-fundraiser', 'pence-scrubs-qanon-fundraiser', true],
    ['election_2020-09-11', 'exchange-elbow-bump', 'greet-each-other-at-911', true],
    // Kept apart: the same people, topic or template, another story.
    [E13, 'analysis-trump-gains-in-latest-polling', 'analysis-why-bidens-national-lead', false],
    [E13, 'questions-integrity-of-upcoming-election', 'first-entirely-indoor-rally', false],
    [E13, 'harris-tells-latina-business-owners', 'harriss-immigrant-parents', false],
    [E13, 'bloomberg-plans-to-spend', 'more-republicans-are-endorsing-joe-biden', false],
    ['ai_2021-03-11', 'electrifai-achieves-aws', 'tensoriot-achieves-aws', false],
  ])('%s: %s / %s -> same story %s', (name, a, b, same) => {
    const day = days.get(name) as LabelledDay;
    const ranked = [...day.articles].sort(compareArticles);
    const find = (part: string) => {
      const i = ranked.findIndex((x) => x.path.includes(part));
      expect(i, part).toBeGreaterThanOrEqual(0);
      return i;
    };
    const [i, j] = [find(a), find(b)];
    const { stories } = clusterStories(ranked, THRESHOLD);
    const storyOf = (k: number) => stories.findIndex((st) => st.includes(k));
    expect(storyOf(i) === storyOf(j)).toBe(same);
  });
});

describe('clusterStories on a day one story dominates', () => {
  // A game-news day: eight outlets on one release delay, among guides and news of the same game.
  const rows: [string, string, string][] = [
    [
      'ign.com',
      'Cyberpunk 2077 delayed again, now launching December 10',
      'CD Projekt Red has delayed Cyberpunk 2077 by three weeks, moving its launch from November 19 to December 10.',
    ],
    [
      'polygon.com',
      'Cyberpunk 2077 has been delayed to December 10',
      'The role-playing game from CD Projekt Red will now launch on December 10, three weeks later than planned.',
    ],
    [
      'kotaku.com',
      'CD Projekt Red delays Cyberpunk 2077 once more',
      'The studio says it needs three more weeks to ship the game on nine platforms at once; launch moves to December 10.',
    ],
    [
      'gamespot.com',
      'Cyberpunk 2077 pushed back three weeks to December',
      'Cyberpunk 2077 will now release on December 10 after CD Projekt Red announced another delay on Tuesday.',
    ],
    [
      'eurogamer.net',
      'Cyberpunk 2077 delayed until 10th December',
      'CD Projekt has delayed Cyberpunk 2077 again, citing the work of releasing on old and new consoles at once.',
    ],
    [
      'theverge.com',
      'Cyberpunk 2077 gets a third delay, to December 10',
      "CD Projekt Red's game was due November 19; the studio now says December 10 for PC, consoles and Stadia.",
    ],
    [
      'pcgamer.com',
      'Cyberpunk 2077 delayed to December 10',
      'A short statement from CD Projekt Red says the game has gone gold but needs three more weeks of work.',
    ],
    [
      'vg247.com',
      'Cyberpunk 2077 release date moved to December 10',
      'CD Projekt Red has moved the release of Cyberpunk 2077 by three weeks, to December 10.',
    ],
    [
      'ign.com',
      'Cyberpunk 2077: best Netrunner build guide',
      'Our guide to the Netrunner build in Cyberpunk 2077: the perks, cyberware and quickhacks to take first.',
    ],
    [
      'ign.com',
      'Cyberpunk 2077: best Solo build guide',
      'Our guide to the Solo build in Cyberpunk 2077: the perks, cyberware and weapons to take first.',
    ],
    [
      'gamespot.com',
      'Cyberpunk 2077 night city wire episode 4 shows weapons and cars',
      'The fourth Night City Wire stream showed the guns, blades and vehicles of Night City.',
    ],
    [
      'polygon.com',
      'Among Us gets a new map next year',
      'InnerSloth says a fourth map, bigger than The Skeld, is coming to Among Us in 2021.',
    ],
    [
      'kotaku.com',
      'PlayStation 5 teardown shows a removable cooling fan',
      'Sony published a teardown video of the PlayStation 5 that shows its fan and storage slot.',
    ],
    [
      'eurogamer.net',
      'Xbox Series X review: a quiet powerhouse',
      'Microsoft’s new console is fast and quiet, but has few new games at launch.',
    ],
  ];
  it('makes the eight delay reports one story and keeps the guides and the stream apart', () => {
    const got = stories(day(rows));
    expect(got).toContainEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    for (const k of [8, 9, 10, 11, 12, 13]) expect(got).toContainEqual([k]);
  });
});

describe('articleIdKey', () => {
  it.each([
    ['https://www.msn.com/en-us/news/politics/some-title/ar-BB18XyZq', 'msn.com|ar-BB18XyZq'],
    ['https://www.msn.com/en-my/news/world/other-slug/ar-BB18XyZq', 'msn.com|ar-BB18XyZq'],
    ['https://news.yahoo.com/biden-speaks-153012345.html', 'yahoo.com|biden-speaks-153012345'],
    ['https://www.cnn.com/2020/09/13/politics/story/index.html', undefined],
    ['not a url', undefined],
  ])('%s -> %s', (url, key) => {
    expect(articleIdKey(url)).toBe(key);
  });
});

describe('clusterStories keeps a how-to guide apart from the news it serves', () => {
  const rows: [string, string, string][] = [
    [
      'zdnet.com',
      'Data of 533 million Facebook users leaked online',
      'Phone numbers and personal details of 533 million Facebook users were posted on a hacking forum for free.',
    ],
    [
      'theverge.com',
      'Facebook leak exposes phone numbers of 533M users',
      'A dataset with the phone numbers of 533 million Facebook users was published on a hacker forum on Saturday.',
    ],
    [
      'techcrunch.com',
      '533 million Facebook users’ phone numbers leaked on hacker forum',
      'The data of 533 million Facebook users, including phone numbers, has been posted online for free.',
    ],
    [
      'wired.com',
      'How to check if your phone number was in the Facebook leak',
      'A free tool lets you check whether your number is among the 533 million Facebook records posted online.',
    ],
    [
      'cnet.com',
      'Slack adds huddles for quick audio calls',
      'Slack is rolling out huddles, short audio conversations inside channels.',
    ],
  ];
  it('merges the three leak reports and leaves the guide and the other news alone', () => {
    expect(stories(day(rows))).toEqual([[0, 1, 2], [3], [4]]);
  });

  it.each([
    ['How to check if your phone number was in the Facebook leak', true],
    ["Here's how to turn on Windows 11's new dark mode", true],
    ['Cyberpunk 2077: best Netrunner build guide', true],
    ['Destiny 2: tips for the new raid', true],
    ['Facebook leak exposes phone numbers of 533M users', false],
    ['How the Facebook leak happened', false],
  ])('isGuide(%j) = %s', (title, want) => {
    expect(isGuide(title)).toBe(want);
  });
});
