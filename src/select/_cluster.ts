import type { Article } from '../types.js';
import { canonicalUrl } from './_canonical.js';
import {
  conflictingNames,
  cosine,
  type StoryDoc,
  type StoryModel,
  sharedNames,
  sharesName,
  storyModel,
  titleOverlap,
  tokenizeAll,
} from './_similarity.js';
import { excerptKey, MIN_TITLE_TOKENS, normalizeText } from './_text.js';

/** Why an article is part of its story, as the report tells it. */
export interface MergeLink {
  /**
   * `url`: the same page (canonical URL, or the same article id at another address);
   * `title` / `excerpt`: the same headline or summary word for word (a syndicated copy);
   * `text`: titles and excerpts alike as news (see _similarity.ts).
   */
  kind: 'url' | 'title' | 'excerpt' | 'text';
  /** Index (in the ranked list) of the article it is compared with: the lead when they match directly. */
  other: number;
  /** Text similarity to `other`, for `text` (0..1). */
  score?: number;
  /** Names and numbers it shares with `other`, as written, for `text`. */
  shared?: string[];
  /** The other file lists this one as related (evidence that adds to `score`, never proof). */
  related?: boolean;
}

export interface Clustering {
  /** Stories in rank order; each is a list of indices in rank order, the lead first. */
  stories: number[][];
  /** For every article that is not a lead. */
  links: Map<number, MergeLink>;
}

/** How the text comparison decides; the config key `storySimilarity` sets `threshold`. */
export interface ClusterOptions {
  /** Similarity (0..1) from which two articles are the same story. */
  threshold: number;
}

/** Similarity added when one article lists the other among its related links. */
const RELATED_BONUS = 0.1;
/**
 * Joining two groups needs more than one close pair: the average over every pair across them
 * must reach this share of the threshold, so a chain of near neighbours cannot carry one event
 * into the next ("rally in Nevada" -> "rally indoors" -> "indoor events banned").
 */
const GROUP_SHARE = 0.7;
/** Titles this alike are one template; then a name or number on each side that the other lacks splits them. */
const TEMPLATE_OVERLAP = 0.4;
/** Without a name or number in common, two articles need this many times the threshold. */
const NAMELESS_FACTOR = 2;
/** Articles this far apart in time are not compared as text (a week window has the same names every day). */
const MAX_TEXT_GAP_MS = 3 * 24 * 3_600_000;

/** The canonical URLs an article is known by (web and AMP). */
export function articleUrlKeys(article: Pick<Article, 'webUrl' | 'ampWebUrl'>): string[] {
  const keys = [canonicalUrl(article.webUrl)];
  if (article.ampWebUrl) keys.push(canonicalUrl(article.ampWebUrl));
  return [...new Set(keys)];
}

/**
 * The id a site gives an article in its path, when it has one that survives a change of host or
 * locale: MSN's `ar-AA1abcD` (the same article at en-us and en-my), or a last path segment of 8+
 * characters with digits in it (`/news/2020/09/13/story-1234567.html`). Keyed with the site's
 * registrable name so two sites' numbers never meet.
 */
export function articleIdKey(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  const labels = parsed.hostname.toLowerCase().split('.');
  const site = labels.slice(-2).join('.');
  const last = parsed.pathname
    .split('/')
    .filter((s) => s !== '' && s.toLowerCase() !== 'amp')
    .at(-1);
  if (last === undefined) return undefined;
  const id = last.replace(/\.(amp\.)?html?$/i, '');
  if (/^(ar|vi|gm|ss)-[A-Za-z0-9]{5,}$/.test(id)) return `${site}|${id}`;
  if (id.length >= 8 && /\d{5,}/.test(id)) return `${site}|${id.toLowerCase()}`;
  return undefined;
}

/** A how-to or a guide, by its headline: `How to…`, `Here's how…`, `…: a guide`, `…tips`. */
export function isGuide(title: string): boolean {
  return /^(?:[^:]*:\s*)?(?:how to|here['’]s how|how you can)\b|\bhow to\b.*\?$|\b(?:guide|walkthrough|tips|step[- ]by[- ]step)\b/i.test(
    title,
  );
}

/** A title that identifies an article word for word (short ones, "Live updates", do not). */
function titleKey(title: string): string | undefined {
  const text = normalizeText(title);
  return text.split(' ').length >= MIN_TITLE_TOKENS ? text : undefined;
}

/** Canonical URLs and title keys of an article's related links. */
function relatedKeys(article: Article): Set<string> {
  const keys = new Set<string>();
  for (const r of article.related) {
    keys.add(canonicalUrl(r.webUrl));
    const t = titleKey(r.title);
    if (t !== undefined) keys.add(`t:${t}`);
  }
  return keys;
}

/**
 * Group ranked articles (best first) into stories, the way an editor would:
 * 1. the same article at two addresses is one item: the same canonical URL, AMP URL or article
 *    id, the same title or the same excerpt word for word;
 * 2. two articles whose titles and excerpts are alike as news (similarity >= threshold; being in
 *    each other's `related` list adds a little) are one story, unless their titles are one
 *    template with a different name or number filled in on each side;
 * 3. groups join only when they are alike as a whole (average over all their pairs), so one
 *    loose pair never chains two events together.
 * The best-ranked article of a story leads it. Pure.
 */
export function clusterStories(ranked: readonly Article[], opts: ClusterOptions): Clustering {
  const identity = sameArticles(ranked);
  // Made only for the articles of pairs close enough to ask (most pairs never are).
  const related = new Map<number, Set<string>>();
  const ownKeys = new Map<number, string[]>();
  const lists = (a: number, b: number): boolean => {
    const article = ranked[a] as Article;
    if (article.related.length === 0) return false;
    const keys = related.get(a) ?? relatedKeys(article);
    related.set(a, keys);
    let own = ownKeys.get(b);
    if (own === undefined) {
      const other = ranked[b] as Article;
      const title = titleKey(other.title);
      own = title === undefined ? articleUrlKeys(other) : [...articleUrlKeys(other), `t:${title}`];
      ownKeys.set(b, own);
    }
    return own.some((k) => keys.has(k));
  };
  const tokens = tokenizeAll(ranked);
  // A word's rarity is counted over stories, not articles: on a day that one story dominates,
  // its own words ("delayed", "Cyberpunk") would otherwise count as common and split it. So the
  // stories of one pass set the rarity of the next, until they no longer change.
  let pass = textPass(ranked, identity.groups, storyModel(tokens), lists, opts);
  for (let round = 1; round < MAX_PASSES; round++) {
    const next = textPass(ranked, identity.groups, storyModel(tokens, pass.stories), lists, opts);
    const same =
      next.stories.length === pass.stories.length &&
      next.stories.every((st, k) => st.join() === pass.stories[k]?.join());
    pass = next;
    if (same) break;
  }
  const { stories, model, sim } = pass;
  const links = new Map<number, MergeLink>();
  for (const story of stories) {
    const lead = story[0] as number;
    for (const m of story.slice(1)) links.set(m, explain(m, story, lead));
  }
  return { stories, links };

  /**
   * Why `m` is in the story: a copy of the lead or of a better-ranked member; else alike the lead
   * as news; else the same article as another member; else alike its closest member.
   */
  function explain(m: number, story: number[], lead: number): MergeLink {
    const same = identity.links.get(m);
    // A copy of a better-ranked article is told as that copy ("same article as … at another address").
    if (same !== undefined && (same.other === lead || same.other < m)) return same;
    const isRelated = (k: number) => lists(m, k) || lists(k, m);
    if (sim(m, lead) >= opts.threshold || same === undefined) {
      let other = lead;
      if (sim(m, lead) < opts.threshold)
        for (const k of story) if (k !== m && sim(m, k) > sim(m, other)) other = k;
      return textLink(model, m, other, sim(m, other), isRelated(other));
    }
    return same;
  }
}

/** Terms of each article (its heaviest) through which it looks for candidate pairs. */
const CANDIDATE_TERMS = 8;
/** Most text passes (each recounts word rarity over the previous pass's stories). */
const MAX_PASSES = 2;

/** Step 1: the same article at several addresses, as groups of indices and a link for each copy. */
function sameArticles(ranked: readonly Article[]): { groups: number[][]; links: Map<number, MergeLink> } {
  const groups = new UnionFind(ranked.length);
  const links = new Map<number, MergeLink>();
  const owners = new Map<string, number>();
  ranked.forEach((article, i) => {
    const keys: [string, MergeLink['kind']][] = articleUrlKeys(article).map((k) => [`u:${k}`, 'url']);
    for (const url of [article.webUrl, article.ampWebUrl]) {
      const id = url === undefined ? undefined : articleIdKey(url);
      if (id !== undefined) keys.push([`i:${id}`, 'url']);
    }
    const title = titleKey(article.title);
    if (title !== undefined) keys.push([`t:${title}`, 'title']);
    const excerpt = excerptKey(article.excerpt);
    if (excerpt !== undefined) keys.push([`e:${excerpt}`, 'excerpt']);
    for (const [key, kind] of keys) {
      const j = owners.get(key);
      if (j === undefined) owners.set(key, i);
      else if (groups.find(j) !== groups.find(i)) {
        // Both sides remember the pair: either may end up the one that needs explaining.
        if (!links.has(i)) links.set(i, { kind, other: j });
        if (!links.has(j)) links.set(j, { kind, other: i });
        groups.union(i, j);
      }
    }
  });
  return { groups: groups.groups(), links };
}

/** Steps 2 and 3 with one model: score the pairs, then join groups closest first. */
function textPass(
  ranked: readonly Article[],
  sameGroups: readonly number[][],
  model: StoryModel,
  lists: (a: number, b: number) => boolean,
  opts: ClusterOptions,
): { stories: number[][]; model: StoryModel; sim: (a: number, b: number) => number } {
  const n = ranked.length;
  const uf = new UnionFind(n);
  for (const g of sameGroups) for (const k of g.slice(1)) uf.union(g[0] as number, k);

  // Candidates: pairs that share one of their heaviest terms. Two reports of one event share
  // what is particular to it; pairs sharing only common words could not reach the threshold.
  const postings = new Map<string, number[]>();
  const heaviest = model.docs.map((doc) =>
    [...doc.vector]
      .sort((x, y) => y[1] - x[1])
      .slice(0, CANDIDATE_TERMS)
      .map(([term]) => term),
  );
  heaviest.forEach((terms, i) => {
    for (const term of terms) {
      const list = postings.get(term);
      if (list) list.push(i);
      else postings.set(term, [i]);
    }
  });
  const score = new Map<number, number>();
  const pairKey = (a: number, b: number) => (a < b ? a * n + b : b * n + a);
  const edges: { a: number; b: number; s: number }[] = [];
  const guides = ranked.map((article) => isGuide(article.title));
  for (let a = 0; a < n; a++) {
    const doc = model.docs[a] as StoryDoc;
    const seen = new Set<number>();
    for (const term of heaviest[a] as string[]) {
      for (const b of postings.get(term) ?? []) {
        if (b <= a || seen.has(b)) continue;
        seen.add(b);
        const gap = Math.abs((ranked[a] as Article).publishedMs - (ranked[b] as Article).publishedMs);
        if (gap > MAX_TEXT_GAP_MS) continue;
        const other = model.docs[b] as StoryDoc;
        let s = cosine(doc, other);
        if (s < opts.threshold * GROUP_SHARE - RELATED_BONUS) continue;
        if (lists(a, b) || lists(b, a)) s += RELATED_BONUS;
        if (titleOverlap(doc, other) >= TEMPLATE_OVERLAP) {
          const [x, y] = conflictingNames(model, doc, other);
          if (x.length > 0 && y.length > 0) s = Math.min(s, 0);
        }
        // One event has a who or a what: without a shared name or number, only near-identical text
        // counts. And a how-to guide is not the news it serves ("How to check if your number was in
        // the leak" / "533 million users' data leaked").
        const unlike = !sharesName(model, doc, other) || guides[a] !== guides[b];
        if (s > 0 && s < opts.threshold * NAMELESS_FACTOR && unlike) {
          s = Math.min(s, opts.threshold * GROUP_SHARE * 0.99);
        }
        score.set(pairKey(a, b), s);
        if (s >= opts.threshold) edges.push({ a, b, s });
      }
    }
  }
  const sim = (a: number, b: number): number => score.get(pairKey(a, b)) ?? 0;

  // Join groups, closest pairs first, when the average over all pairs across them is high
  // enough and no pair across them is one template filled in twice. The sums between groups are
  // kept as groups join (pairs without a score count 0), so each join costs its neighbours only.
  const between = new Map<number, Map<number, { sum: number; blocked: boolean }>>();
  const size = new Map<number, number>();
  const link = (x: number, y: number) => {
    const m = between.get(x) ?? new Map<number, { sum: number; blocked: boolean }>();
    between.set(x, m);
    const e = m.get(y) ?? { sum: 0, blocked: false };
    m.set(y, e);
    return e;
  };
  for (const [key, value] of score) {
    const [x, y] = [uf.find(Math.floor(key / n)), uf.find(key % n)];
    if (x === y) continue;
    for (const [p, q] of [
      [x, y],
      [y, x],
    ] as const) {
      const e = link(p, q);
      e.sum += value;
      e.blocked ||= value <= 0;
    }
  }
  for (let i = 0; i < n; i++) size.set(uf.find(i), (size.get(uf.find(i)) ?? 0) + 1);
  edges.sort((x, y) => y.s - x.s || x.a - y.a || x.b - y.b);
  for (const { a, b } of edges) {
    const ra = uf.find(a);
    const rb = uf.find(b);
    if (ra === rb) continue;
    const e = between.get(ra)?.get(rb);
    const pairs = (size.get(ra) ?? 1) * (size.get(rb) ?? 1);
    if (!e || e.blocked || e.sum / pairs < opts.threshold * GROUP_SHARE) continue;
    uf.union(ra, rb);
    const keep = uf.find(ra);
    const gone = keep === ra ? rb : ra;
    size.set(keep, (size.get(ra) ?? 1) + (size.get(rb) ?? 1));
    const keepLinks = between.get(keep) ?? new Map();
    between.set(keep, keepLinks);
    keepLinks.delete(gone);
    for (const [c, g] of between.get(gone) ?? []) {
      if (c === keep) continue;
      const k = link(keep, c);
      k.sum += g.sum;
      k.blocked ||= g.blocked;
      const back = between.get(c);
      back?.delete(gone);
      back?.set(keep, { ...k });
    }
    between.delete(gone);
  }
  return { stories: uf.groups(), model, sim };
}

/** Disjoint sets of indices; the smallest index of a set is its root, so sets come out in rank order. */
class UnionFind {
  private readonly parent: number[];
  private readonly members: number[][];
  constructor(n: number) {
    this.parent = Array.from({ length: n }, (_, i) => i);
    this.members = Array.from({ length: n }, (_, i) => [i]);
  }
  find(i: number): number {
    let root = i;
    while (this.parent[root] !== root) root = this.parent[root] as number;
    return root;
  }
  /** The members of i's set (the same array for every member). */
  membersOf(i: number): number[] {
    return this.members[this.find(i)] as number[];
  }
  union(a: number, b: number): void {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra === rb) return;
    const [keep, gone] = ra < rb ? [ra, rb] : [rb, ra];
    this.parent[gone] = keep;
    (this.members[keep] as number[]).push(...(this.members[gone] as number[]));
    this.members[gone] = [];
  }
  /** Every set, each sorted, in order of their smallest index. */
  groups(): number[][] {
    return this.members.filter((m) => m.length > 0).map((m) => [...m].sort((x, y) => x - y));
  }
}

function textLink(model: StoryModel, m: number, other: number, s: number, related: boolean): MergeLink {
  const doc = model.docs[m] as StoryModel['docs'][number];
  const link: MergeLink = {
    kind: 'text',
    other,
    score: Math.max(0, Math.min(1, s - (related ? RELATED_BONUS : 0))),
    shared: sharedNames(model, doc, model.docs[other] as StoryModel['docs'][number]),
  };
  if (related) link.related = true;
  return link;
}
