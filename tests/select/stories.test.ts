import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { clusterStories } from '../../src/select/_cluster.js';
import { compareArticles, dayWindow, selectDigest } from '../../src/select/index.js';
import { OPTS } from './_articles.js';
import { type LabelledDay, labelledDays, pairScores, SHARED } from './_labels.js';

// Story merging measured against days a person labelled by reading each title and excerpt: the
// shared development set and the days labelled for this project (tests/fixtures/stories).
describe('story merging on the labelled days', () => {
  let days: LabelledDay[] = [];
  beforeAll(async () => {
    days = [
      ...(await labelledDays(join(SHARED, 'stories/labels.json'))),
      ...(await labelledDays(join(import.meta.dirname, '../fixtures/stories/labels.json'))),
    ];
  });

  it('labels every article of every day', () => {
    expect(days.length).toBeGreaterThanOrEqual(12);
    for (const day of days) {
      expect(pairScores(day, []).missing, day.name).toEqual([]);
      expect(day.stories.flat().length, day.name).toBe(day.articles.length);
    }
  });

  it('finds the labelled pairs with precision >= 0.95 and recall >= 0.80 over all articles', () => {
    const total = { tp: 0, fp: 0, fn: 0 };
    for (const day of days) {
      const ranked = [...day.articles].sort(compareArticles);
      const { stories } = clusterStories(ranked, { threshold: OPTS.storySimilarity });
      const r = pairScores(
        day,
        stories.map((st) => st.map((i) => ranked[i]?.path ?? '')),
      );
      total.tp += r.tp;
      total.fp += r.fp;
      total.fn += r.fn;
    }
    const precision = total.tp / (total.tp + total.fp);
    const recall = total.tp / (total.tp + total.fn);
    expect(total.tp + total.fn).toBeGreaterThan(50);
    expect(precision).toBeGreaterThanOrEqual(0.95);
    expect(recall).toBeGreaterThanOrEqual(0.8);
  });

  it('shows each labelled story at most once among the top items of each day', () => {
    for (const day of days) {
      const storyOf = new Map<string, number>();
      day.stories.forEach((st, k) => {
        for (const p of st) storyOf.set(p, k);
      });
      const window = dayWindow(day.day, day.timeZone);
      const sel = selectDigest(day.articles, window, OPTS);
      const shown = sel.items.map((item) => storyOf.get(item.lead.path));
      const uncertain = (a: string, b: string) =>
        day.uncertain.some(([x, y]) => (x === a && y === b) || (x === b && y === a));
      for (let i = 0; i < shown.length; i++) {
        for (let j = i + 1; j < shown.length; j++) {
          const [a, b] = [sel.items[i]?.lead.path ?? '', sel.items[j]?.lead.path ?? ''];
          if (shown[i] === shown[j] && !uncertain(a, b))
            expect.fail(`${day.name}: "${a}" and "${b}" are one story`);
        }
      }
    }
  });
});
