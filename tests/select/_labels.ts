import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadArticles } from '../../src/content/index.js';
import { dayWindow } from '../../src/select/index.js';
import type { Article } from '../../src/types.js';

export const SHARED = resolve(import.meta.dirname, '../../../shared');

/** One labelled day: its articles and the stories a person put them in (paths inside the corpus folder). */
export interface LabelledDay {
  name: string;
  /** The local day (`YYYY-MM-DD`) and its zone. */
  day: string;
  timeZone: string;
  articles: Article[];
  stories: string[][];
  uncertain: [string, string][];
}

interface LabelFile {
  [name: string]: {
    corpus: string;
    day: string;
    timeZone: string;
    /** `files` (default): the corpus files of the day, by path; `related`: the entries of its related lists, by URL. */
    source?: 'files' | 'related';
    stories: string[][];
    uncertain: [string, string, string][];
  };
}

/** The labelled days of a labels file (`../shared/stories/labels.json` or one of ours), with their articles loaded. */
export async function labelledDays(file: string): Promise<LabelledDay[]> {
  const labels = JSON.parse(readFileSync(file, 'utf8')) as LabelFile;
  const days: LabelledDay[] = [];
  for (const [name, day] of Object.entries(labels)) {
    const window = dayWindow(day.day, day.timeZone);
    const root = join(SHARED, day.corpus);
    const wide = day.source === 'related' ? { since: -8.64e15, until: 8.64e15 } : window;
    const { articles: files } = await loadArticles(root, { ...wide, timeZone: day.timeZone });
    const articles = day.source === 'related' ? relatedArticles(files) : files;
    const inDay = articles.filter((a) => a.publishedMs >= window.since && a.publishedMs < window.until);
    days.push({
      name,
      day: day.day,
      timeZone: day.timeZone,
      articles: inDay,
      stories: day.stories,
      uncertain: day.uncertain.map(([a, b]) => [a, b]),
    });
  }
  return days;
}

/** Pair precision and recall of a grouping against the labels, uncertain pairs left out. */
export function pairScores(
  day: LabelledDay,
  groups: string[][],
): { tp: number; fp: number; fn: number; missing: string[] } {
  const key = (a: string, b: string) => (a < b ? `${a}\n${b}` : `${b}\n${a}`);
  const pairs = (gs: string[][]) => {
    const set = new Set<string>();
    for (const g of gs)
      for (let i = 0; i < g.length; i++)
        for (let j = i + 1; j < g.length; j++) set.add(key(g[i] as string, g[j] as string));
    return set;
  };
  const uncertain = new Set(day.uncertain.map(([a, b]) => key(a, b)));
  const truth = pairs(day.stories);
  const got = pairs(groups);
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (const p of got) if (!uncertain.has(p)) truth.has(p) ? tp++ : fp++;
  for (const p of truth) if (!uncertain.has(p) && !got.has(p)) fn++;
  const labelled = new Set(day.stories.flat());
  const missing = [...new Set(day.articles.map((a) => a.path))].filter((p) => !labelled.has(p));
  return { tp, fp, fn, missing };
}

/** The entries of the files' related lists as articles of their own (path = URL), each URL once. */
function relatedArticles(files: readonly Article[]): Article[] {
  const byUrl = new Map<string, Article>();
  for (const file of files) {
    for (const r of file.related) {
      if (r.publishedMs === undefined || byUrl.has(r.webUrl)) continue;
      const article: Article = {
        path: r.webUrl,
        title: r.title,
        excerpt: r.excerpt,
        publishedMs: r.publishedMs,
        webUrl: r.webUrl,
        quality: r.quality,
        heat: 0,
        type: 'article',
        provider: r.provider,
        topics: [],
        images: r.image ? [r.image] : [],
        related: [],
      };
      if (r.ampWebUrl) article.ampWebUrl = r.ampWebUrl;
      byUrl.set(r.webUrl, article);
    }
  }
  return [...byUrl.values()];
}
