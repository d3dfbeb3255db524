import { createHash } from 'node:crypto';
import type { Clustering, ClusterOptions, MergeLink } from '../select/index.js';
import { clusterStories } from '../select/index.js';
import type { SqliteDatabase } from '../store/index.js';
import type { Article } from '../types.js';
import { CacheTable, type CacheTableOptions, parseJson } from './_cache-table.js';
import { selectFingerprint } from './_fingerprint.js';

// Story groupings share the render cache's table; the prefix keeps the two kinds of key apart.
const PREFIX = 'stories:';

/**
 * A day's story grouping by a key over everything grouping reads: the ranked articles as the
 * select stage hands them over, the options and the select code (selectFingerprint). An
 * unchanged warm build takes its stories from here instead of comparing every pair again.
 * A miss or a damaged row simply means grouping again.
 */
export class StoryCache {
  private readonly table: CacheTable;

  constructor(db: SqliteDatabase, options: CacheTableOptions = {}) {
    this.table = new CacheTable(db, options);
  }

  /** clusterStories behind this cache: the same answer, computed once per distinct input. */
  readonly cluster = (ranked: readonly Article[], opts: ClusterOptions): Clustering => {
    const key = storyKey(ranked, opts);
    const hit = checkClustering(parseJson(this.table.get(key)), ranked.length);
    if (hit) return hit;
    const clustering = clusterStories(ranked, opts);
    this.table.put(key, JSON.stringify({ stories: clustering.stories, links: [...clustering.links] }));
    return clustering;
  };
}

/** The cache key of grouping `ranked` with `opts`. */
function storyKey(ranked: readonly Article[], opts: ClusterOptions): string {
  const hash = createHash('sha256');
  hash.update(`code ${selectFingerprint()}\n`);
  hash.update(`options ${JSON.stringify(opts)}\n`);
  for (const article of ranked) hash.update(JSON.stringify(article)).update('\n');
  return PREFIX + hash.digest('base64url');
}

// A stored grouping is used only when it is a partition of exactly `count` articles whose
// non-leads all have a link: anything else (a damaged row) means grouping again.
function checkClustering(value: unknown, count: number): Clustering | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { stories, links } = value as { stories?: unknown; links?: unknown };
  if (!Array.isArray(stories) || !Array.isArray(links)) return undefined;
  const seen = new Set<number>();
  for (const story of stories) {
    if (!Array.isArray(story) || story.length === 0) return undefined;
    for (const i of story) {
      if (!Number.isInteger(i) || i < 0 || i >= count || seen.has(i)) return undefined;
      seen.add(i);
    }
  }
  if (seen.size !== count) return undefined;
  const map = new Map<number, MergeLink>();
  for (const entry of links) {
    if (!Array.isArray(entry) || entry.length !== 2) return undefined;
    const [i, link] = entry as [unknown, unknown];
    if (typeof i !== 'number' || typeof link !== 'object' || link === null) return undefined;
    map.set(i, link as MergeLink);
  }
  const leads = stories.length;
  if (map.size !== count - leads) return undefined;
  return { stories: stories as number[][], links: map };
}
