import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadArticles } from '../../src/content/index.js';
import {
  canonicalUrl,
  compareArticles,
  DEFAULT_PRESS_WIRES,
  dayWindow,
  isHttpUrl,
  isPressRelease,
  localDate,
  providerDomain,
  selectDigest,
  trimOneStep,
} from '../../src/select/index.js';
import type { Article, Selection } from '../../src/types.js';
import { OPTS } from './_articles.js';

const CORPUS = resolve(import.meta.dirname, '../../../shared/corpus');
const ALL_TIME = { since: -8.64e15, until: 8.64e15 };
const ZONE = 'America/New_York';

/** Every local day of the corpus, each with its own selection. */
async function daysOf(name: string): Promise<{ date: string; articles: Article[]; sel: Selection }[]> {
  const { articles: all } = await loadArticles(join(CORPUS, name), { ...ALL_TIME, timeZone: ZONE });
  const dates = [...new Set(all.map((a) => localDate(a.publishedMs, ZONE)))].sort();
  return dates.map((date) => {
    const window = dayWindow(date, ZONE);
    const articles = all.filter((a) => a.publishedMs >= window.since && a.publishedMs < window.until);
    return { date, articles, sel: selectDigest(articles, window, OPTS) };
  });
}

describe.each(['election', 'ai'])('the real %s corpus, every local day in New York', (name) => {
  let days: Awaited<ReturnType<typeof daysOf>> = [];
  beforeAll(async () => {
    days = await daysOf(name);
  });

  it('has days to check', () => {
    expect(days.length).toBeGreaterThanOrEqual(5);
  });

  it('never repeats a canonical URL among items, merged articles and related links', () => {
    for (const { sel } of days) {
      const seen = new Set<string>();
      const add = (url: string) => {
        const key = canonicalUrl(url);
        expect(seen.has(key), url).toBe(false);
        seen.add(key);
      };
      for (const item of sel.items) for (const a of [item.lead, ...item.alsoCoveredBy]) add(a.webUrl);
      for (const item of sel.items) for (const r of item.related) add(r.webUrl);
    }
  });

  it('keeps the caps, the rank order, the window and http(s) links', () => {
    for (const { articles, sel } of days) {
      expect(sel.items.length).toBeLessThanOrEqual(OPTS.top);
      const perDomain = new Map<string, number>();
      for (const item of sel.items) {
        const d = providerDomain(item.lead);
        perDomain.set(d, (perDomain.get(d) ?? 0) + 1);
        expect(item.related.length).toBeLessThanOrEqual(OPTS.relatedPerItem);
        for (const r of item.related) expect(isHttpUrl(r.webUrl)).toBe(true);
        for (const a of [item.lead, ...item.alsoCoveredBy]) {
          expect(a.publishedMs).toBeGreaterThanOrEqual(sel.window.since);
          expect(a.publishedMs).toBeLessThan(sel.window.until);
        }
      }
      for (const n of perDomain.values()) expect(n).toBeLessThanOrEqual(OPTS.perProvider);
      // Stories rank by how many outlets covered them: never more outlets below fewer.
      // (Press releases are not coverage: a wire's copy of the story adds no outlet.)
      const reporting = (i: (typeof sel.items)[number]) =>
        [i.lead, ...i.alsoCoveredBy].filter((a) => !isPressRelease(a, DEFAULT_PRESS_WIRES));
      const outlets = sel.items.map((i) => Math.max(1, new Set(reporting(i).map(providerDomain)).size));
      expect([...outlets].sort((a, b) => b - a)).toEqual(outlets);
      // Among the day's single-outlet stories that made it: reporting before press releases,
      // then as compareArticles says.
      const single = sel.items.filter((_, k) => outlets[k] === 1).map((i) => i.lead.path);
      const press = (a: (typeof articles)[number]) => Number(isPressRelease(a, DEFAULT_PRESS_WIRES));
      const order = [...articles]
        .sort((a, b) => press(a) - press(b) || compareArticles(a, b))
        .map((a) => a.path);
      expect([...single].sort((a, b) => order.indexOf(a) - order.indexOf(b))).toEqual(single);
    }
  });

  it('links only what was published by the end of the window, https where the files give it', () => {
    for (const { sel } of days) {
      for (const item of sel.items) {
        for (const r of item.related) {
          if (r.publishedMs !== undefined) expect(r.publishedMs).toBeLessThan(sel.window.until);
          if (r.ampWebUrl?.startsWith('https:')) expect(r.webUrl).toMatch(/^https:/);
        }
        for (const a of [item.lead, ...item.alsoCoveredBy]) {
          if (a.ampWebUrl?.startsWith('https:')) expect(a.webUrl, a.path).toMatch(/^https:/);
        }
      }
    }
  });

  it('accounts for every article once, by path', () => {
    for (const { articles, sel } of days) {
      expect(sel.considered.map((c) => c.path)).toEqual(articles.map((a) => a.path).sort());
      const included = sel.considered.filter((c) => c.status === 'included').length;
      expect(included).toBe(sel.items.length);
      const merged = sel.considered.filter((c) => c.status === 'merged');
      const shown = new Set(sel.items.map((i) => i.lead.webUrl));
      for (const m of merged) expect(shown.has(m.mergedInto ?? '')).toBe(true);
      // Each other outlet shows once: at most one "also covered by" per domain, never the lead's.
      for (const item of sel.items) {
        const domains = [item.lead, ...item.alsoCoveredBy].map(providerDomain);
        expect(new Set(domains).size).toBe(domains.length);
      }
      expect(merged.length).toBeGreaterThanOrEqual(sel.items.reduce((n, i) => n + i.alsoCoveredBy.length, 0));
    }
  });

  it('trims every day down to nothing in a bounded number of steps', () => {
    for (const { sel } of days) {
      let cur: Selection = sel;
      const limit = sel.items.length * 2 + 1;
      let steps = 0;
      for (let step = trimOneStep(cur); step && steps < limit; step = trimOneStep(cur)) {
        cur = step.selection;
        steps++;
      }
      expect(cur.items).toEqual([]);
      expect(steps).toBe(sel.items.length + sel.items.filter((i) => i.related.length > 0).length);
    }
  });
});

describe('known duplicates in the election corpus', () => {
  it('merges the two copies of "Biden argues he\'s in better shape than Trump" when they share a window', async () => {
    const { articles } = await loadArticles(join(CORPUS, 'election'), { ...ALL_TIME, timeZone: ZONE });
    const copies = articles.filter((a) => a.title.startsWith('Biden argues he'));
    expect(copies).toHaveLength(2);
    const window = { since: ALL_TIME.since, until: ALL_TIME.until, timeZone: ZONE, date: '2020-09-13' };
    const sel = selectDigest(articles, window, { ...OPTS, top: 200 });
    const item = sel.items.find((i) =>
      [i.lead, ...i.alsoCoveredBy].some((a) => a.title.startsWith('Biden argues he')),
    );
    // Both are Fox News: one item, and Fox is not listed again under its own article.
    expect(item?.lead.title).toMatch(/^Biden argues he/);
    expect(item?.alsoCoveredBy.filter((a) => a.title.startsWith('Biden argues he'))).toEqual([]);
    const statuses = copies.map((c) => sel.considered.find((e) => e.path === c.path)?.status).sort();
    expect(statuses).toEqual(['included', 'merged']);
  });
});
