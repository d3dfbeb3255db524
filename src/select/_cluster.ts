import type { Article } from '../types.js';
import { canonicalUrl } from './_canonical.js';
import { excerptKey, MIN_TITLE_TOKENS, titleTokens } from './_text.js';

/** Why an article joined a story: the link to one article already in it. */
export interface MergeLink {
  /** `bridge`: a former lead whose story was joined to a better one by a later article. */
  kind: 'url' | 'title' | 'excerpt' | 'bridge';
  /** Index (in the ranked list) of the article it matched or was bridged through. */
  other: number;
  /** Title similarity, for `title`. */
  score?: number;
}

export interface Clustering {
  /** Stories in rank order; each is a list of indices in rank order, the lead first. */
  stories: number[][];
  /** For every article that is not a lead. */
  links: Map<number, MergeLink>;
}

const KIND_ORDER: Record<MergeLink['kind'], number> = { url: 0, excerpt: 1, title: 2, bridge: 3 };

/** The canonical URLs an article is known by (web and AMP). */
export function articleUrlKeys(article: Pick<Article, 'webUrl' | 'ampWebUrl'>): string[] {
  const keys = [canonicalUrl(article.webUrl)];
  if (article.ampWebUrl) keys.push(canonicalUrl(article.ampWebUrl));
  return [...new Set(keys)];
}

/**
 * Group ranked articles (best first) into stories: same canonical URL, same excerpt, or title
 * token overlap (Jaccard) above `titleSimilarity` (identical titles always match). Matching is
 * transitive: an article that matches two stories joins them, and the best-ranked article leads.
 * Titles are compared through an inverted index, so only pairs sharing a word cost anything.
 */
export function clusterStories(ranked: readonly Article[], titleSimilarity: number): Clustering {
  const n = ranked.length;
  const parent = Array.from({ length: n }, (_, i) => i);
  const find = (i: number): number => {
    let root = i;
    while (parent[root] !== root) root = parent[root] as number;
    // Path compression keeps later lookups flat.
    for (let cur = i; parent[cur] !== root; ) {
      const next = parent[cur] as number;
      parent[cur] = root;
      cur = next;
    }
    return root;
  };
  const urlOwner = new Map<string, number>();
  const excerptOwner = new Map<string, number>();
  const postings = new Map<string, number[]>();
  const tokenCounts: number[] = [];
  const shared = new Int32Array(n);
  const links = new Map<number, MergeLink>();

  for (let i = 0; i < n; i++) {
    const article = ranked[i] as Article;
    const edges: MergeLink[] = [];
    const urls = articleUrlKeys(article);
    for (const key of urls) {
      const j = urlOwner.get(key);
      if (j !== undefined) edges.push({ kind: 'url', other: j });
    }
    const excerpt = excerptKey(article.excerpt);
    const j = excerpt === undefined ? undefined : excerptOwner.get(excerpt);
    if (j !== undefined) edges.push({ kind: 'excerpt', other: j });

    const tokens = titleTokens(article.title);
    tokenCounts[i] = tokens.length;
    if (tokens.length >= MIN_TITLE_TOKENS) {
      const touched: number[] = [];
      for (const t of tokens) {
        for (const k of postings.get(t) ?? []) {
          if (shared[k] === 0) touched.push(k);
          shared[k] = (shared[k] as number) + 1;
        }
      }
      for (const k of touched) {
        const common = shared[k] as number;
        shared[k] = 0;
        const score = common / (tokens.length + (tokenCounts[k] as number) - common);
        if (score > titleSimilarity || score === 1) edges.push({ kind: 'title', other: k, score });
      }
      for (const t of tokens) {
        const list = postings.get(t);
        if (list) list.push(i);
        else postings.set(t, [i]);
      }
    }

    if (edges.length > 0) {
      const target = Math.min(...edges.map((e) => find(e.other)));
      const best = edges
        .filter((e) => find(e.other) === target)
        .sort(
          (a, b) =>
            KIND_ORDER[a.kind] - KIND_ORDER[b.kind] || (b.score ?? 0) - (a.score ?? 0) || a.other - b.other,
        )[0] as MergeLink;
      links.set(i, best);
      parent[i] = target;
      for (const e of edges) {
        const root = find(e.other);
        if (root === target) continue;
        // A second story turns out to be this one too: its lead now follows the better lead.
        parent[root] = target;
        links.set(root, { kind: 'bridge', other: i });
      }
    }
    for (const key of urls) if (!urlOwner.has(key)) urlOwner.set(key, i);
    if (excerpt !== undefined && !excerptOwner.has(excerpt)) excerptOwner.set(excerpt, i);
  }

  const byRoot = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    const root = find(i);
    const list = byRoot.get(root);
    if (list) list.push(i);
    else byRoot.set(root, [i]);
  }
  // Roots are the smallest index of their story, and Map keeps insertion order: stories come out ranked.
  return { stories: [...byRoot.values()], links };
}
