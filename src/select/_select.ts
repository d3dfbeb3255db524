import { outsideReason } from '../content/index.js';
import type { Article, Considered, ContentProblem, DigestItem, DigestWindow, Selection } from '../types.js';
import { canonicalUrl } from './_canonical.js';
import {
  articleUrlKeys,
  type Clustering,
  type ClusterOptions,
  clusterStories,
  type MergeLink,
} from './_cluster.js';
import { compareConsidered, consideredEntry, mergeWhy, ordinal } from './_considered.js';
import { withReaderUrl } from './_links.js';
import {
  compareArticles,
  compareStories,
  isPressRelease,
  providerDomain,
  type StorySignals,
  signalsText,
} from './_rank.js';
import { readableArticle } from './_readable.js';
import { pickRelated } from './_related.js';

/** Options of the select stage (config keys of the same names). */
export interface SelectOptions {
  /** Most items in the digest. */
  top: number;
  /** Most items whose lead comes from one provider domain. */
  perProvider: number;
  /** Most related links under one item. */
  relatedPerItem: number;
  /** Title+excerpt similarity (0..1) from which two articles are the same story (see _similarity.ts). */
  storySimilarity: number;
  /** Provider domains of press-release wires: their stories rank below reporting. */
  pressWires: readonly string[];
  /** Only articles with one of these topics (case-insensitive); empty means all. */
  includeTopics: string[];
  /** Never articles with one of these topics (case-insensitive); wins over includeTopics. */
  excludeTopics: string[];
  /**
   * What groups the ranked articles into stories. Default clusterStories; a build passes the
   * same function behind its story cache (src/cache), so an unchanged day is not grouped again.
   */
  cluster?: (ranked: readonly Article[], opts: ClusterOptions) => Clustering;
}

/** Why an article is left out by topic, or undefined when it may go in. */
function topicVerdict(article: Article, include: Set<string>, exclude: Set<string>): string | undefined {
  const excluded = article.topics.find((t) => exclude.has(t.trim().toLowerCase()));
  if (excluded !== undefined) return `topic "${excluded}" is in excludeTopics`;
  if (include.size === 0 || article.topics.some((t) => include.has(t.trim().toLowerCase()))) return undefined;
  const own = article.topics.length === 0 ? 'it has no topics' : `its topics (${article.topics.join(', ')})`;
  return `${own}: none is in includeTopics`;
}

function topicSet(topics: readonly string[]): Set<string> {
  return new Set(topics.map((t) => t.trim().toLowerCase()).filter((t) => t !== ''));
}

/**
 * Choose the digest's items from the articles of a window:
 * 1. articles outside the window are `outOfWindow`; topic filters give `excludedByTopic`;
 *    overlong titles, provider names and excerpts are cut (and reported in `problems`);
 * 2. the rest are grouped into stories (see clusterStories): the best article leads (reporting
 *    before press releases, then compareArticles), the others are `merged` into it;
 * 3. stories are ranked by how many outlets covered them, press releases below reporting, then
 *    the lead's quality, heat and the newest time (compareStories);
 * 4. stories beyond `perProvider` from one domain are `overProviderCap`, beyond `top` `belowTop`;
 * 5. each item shows every other outlet once ("also covered by"), links https where the files
 *    give an https address, and gets up to `relatedPerItem` related links (pickRelated).
 * Pure: the same input gives the same output, and `considered` lists every input article by path.
 */
export function selectDigest(
  articles: readonly Article[],
  window: DigestWindow,
  opts: SelectOptions,
): Selection {
  const considered: Considered[] = [];
  const problems: ContentProblem[] = [];
  const include = topicSet(opts.includeTopics);
  const exclude = topicSet(opts.excludeTopics);
  const candidates: Article[] = [];
  for (const article of articles) {
    const outside = outsideReason(article.publishedMs, window);
    if (outside !== undefined) {
      considered.push(consideredEntry(article, 'outOfWindow', outside));
      continue;
    }
    const verdict = topicVerdict(article, include, exclude);
    if (verdict !== undefined) {
      considered.push(consideredEntry(article, 'excludedByTopic', verdict));
      continue;
    }
    const readable = readableArticle(article);
    problems.push(...readable.problems);
    candidates.push(readable.article);
  }

  // Decided once per article: the sort below asks many times.
  const releases = new Set(candidates.filter((a) => isPressRelease(a, opts.pressWires)));
  const press = (a: Article) => releases.has(a);
  const ranked = [...candidates].sort((a, b) => Number(press(a)) - Number(press(b)) || compareArticles(a, b));
  const clustering = (opts.cluster ?? clusterStories)(ranked, { threshold: opts.storySimilarity });
  const { links } = clustering;
  const signals = clustering.stories.map((story) =>
    storySignals(
      story.map((i) => ranked[i] as Article),
      press,
    ),
  );
  const order = clustering.stories.map((_, k) => k);
  order.sort((x, y) => compareStories(signals[x] as StorySignals, signals[y] as StorySignals, x - y));
  const stories = order.map((k) => clustering.stories[k] as number[]);

  const seenPerDomain = new Map<string, number>();
  const admittedPerDomain = new Map<string, number>();
  const included: DigestItem[] = [];
  const members: Article[][] = [];
  let admitted = 0;

  stories.forEach((story, index) => {
    const lead = ranked[story[0] as number] as Article;
    const rankedBy = signalsText(signals[order[index] as number] as StorySignals);
    const rank = `rank ${index + 1} of ${stories.length} (${rankedBy})`;
    const domain = providerDomain(lead);
    const seen = (seenPerDomain.get(domain) ?? 0) + 1;
    seenPerDomain.set(domain, seen);
    let status: 'included' | 'overProviderCap' | 'belowTop';
    let reason: string;
    let fate: string;
    if ((admittedPerDomain.get(domain) ?? 0) >= opts.perProvider) {
      status = 'overProviderCap';
      reason = `${ordinal(seen)} story from ${domain || 'an unknown provider'}; cap is ${opts.perProvider}`;
      fate = 'over the provider cap';
    } else {
      admittedPerDomain.set(domain, (admittedPerDomain.get(domain) ?? 0) + 1);
      admitted++;
      if (admitted > opts.top) {
        status = 'belowTop';
        const position = admitted === index + 1 ? '' : `, ${ordinal(admitted)} within the provider cap`;
        reason = `${rank}${position}; top is ${opts.top}`;
        fate = `below the top ${opts.top}`;
      } else {
        status = 'included';
        reason = `item ${included.length + 1}; ${rank}`;
        fate = '';
      }
    }
    const item = storyItem(story, ranked, links);
    item.rankedBy = rankedBy;
    if (status === 'included') {
      included.push(item);
      members.push(story.map((k) => ranked[k] as Article));
    }
    considered.push(consideredEntry(lead, status, reason));
    for (const member of story.slice(1)) {
      const article = ranked[member] as Article;
      const link = links.get(member);
      const why = link ? mergeWhy(link, ranked[link.other] as Article, lead) : 'same story';
      const base = `same story as "${lead.title}" (${why})`;
      considered.push(
        status === 'included'
          ? consideredEntry(article, 'merged', base, item.lead.webUrl)
          : consideredEntry(article, status, `${base}, which is ${fate}`, item.lead.webUrl),
      );
    }
  });

  const related = pickRelated(included, opts.relatedPerItem, window, members);
  included.forEach((item, i) => {
    item.related = related[i] ?? [];
  });
  return { window, items: included, considered: considered.sort(compareConsidered), problems };
}

/** What ranks a story (see compareStories): outlets of its reporting, or of its releases when it is only releases. */
function storySignals(members: readonly Article[], press: (a: Article) => boolean): StorySignals {
  const reporting = members.filter((a) => !press(a));
  const lead = members[0] as Article;
  return {
    outlets: new Set((reporting.length > 0 ? reporting : members).map(providerDomain)).size,
    pressRelease: reporting.length === 0,
    quality: lead.quality,
    heat: lead.heat,
    newestMs: Math.max(...members.map((a) => a.publishedMs)),
  };
}

/**
 * A story as the email shows it: the lead, then one article per other outlet (its best-ranked),
 * never the lead's outlet again and never a copy of an article already shown (the same page at
 * another address: MSN's copy of a Fox article is Fox's article); every link https where a copy
 * of the same article has one.
 */
function storyItem(
  story: readonly number[],
  ranked: readonly Article[],
  links: Map<number, MergeLink>,
): DigestItem {
  const copiesOf = (i: number): Article[] =>
    story
      .filter((k) => k !== i && (links.get(k)?.other === i || links.get(i)?.other === k))
      .filter((k) => links.get(k)?.kind === 'url' || links.get(i)?.kind === 'url')
      .map((k) => ranked[k] as Article);
  const leadIndex = story[0] as number;
  const lead = withReaderUrl(ranked[leadIndex] as Article, copiesOf(leadIndex));
  const outlets = new Set([providerDomain(lead)]);
  const pages = new Set([...articleUrlKeys(ranked[leadIndex] as Article), canonicalUrl(lead.webUrl)]);
  const also: Article[] = [];
  for (const member of story.slice(1)) {
    const article = ranked[member] as Article;
    const domain = providerDomain(article);
    const shown = withReaderUrl(article, copiesOf(member));
    const keys = [...articleUrlKeys(article), canonicalUrl(shown.webUrl)];
    const copy = links.get(member)?.kind === 'url' || keys.some((k) => pages.has(k));
    for (const k of keys) pages.add(k);
    if (outlets.has(domain) || copy) continue;
    outlets.add(domain);
    also.push(shown);
  }
  return { lead, alsoCoveredBy: also, related: [] };
}
