import type { Article, Considered, DigestItem, DigestWindow, Selection } from '../types.js';
import { clusterStories } from './_cluster.js';
import { compareConsidered, consideredEntry, mergeWhy, ordinal } from './_considered.js';
import { compareArticles, providerDomain } from './_rank.js';
import { pickRelated } from './_related.js';

/** Options of the select stage (config keys of the same names). */
export interface SelectOptions {
  /** Most items in the digest. */
  top: number;
  /** Most items whose lead comes from one provider domain. */
  perProvider: number;
  /** Most related links under one item. */
  relatedPerItem: number;
  /** Title token overlap (Jaccard, 0..1) above which two articles are the same story. */
  titleSimilarity: number;
  /** Only articles with one of these topics (case-insensitive); empty means all. */
  includeTopics: string[];
  /** Never articles with one of these topics (case-insensitive); wins over includeTopics. */
  excludeTopics: string[];
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
 * 2. the rest are ranked (compareArticles) and grouped into stories (same URL, title or excerpt);
 *    the best-ranked article leads, the others are `merged` into it as "also covered by";
 * 3. stories beyond `perProvider` from one domain are `overProviderCap`;
 * 4. stories beyond `top` are `belowTop`;
 * 5. each item gets up to `relatedPerItem` related links, none repeated in the digest.
 * Pure: the same input gives the same output, and `considered` lists every input article by path.
 */
export function selectDigest(
  articles: readonly Article[],
  window: DigestWindow,
  opts: SelectOptions,
): Selection {
  const considered: Considered[] = [];
  const include = topicSet(opts.includeTopics);
  const exclude = topicSet(opts.excludeTopics);
  const candidates: Article[] = [];
  for (const article of articles) {
    if (article.publishedMs < window.since || article.publishedMs >= window.until) {
      const side = article.publishedMs < window.since ? 'before' : 'after';
      considered.push(consideredEntry(article, 'outOfWindow', `published ${side} the window`));
      continue;
    }
    const verdict = topicVerdict(article, include, exclude);
    if (verdict === undefined) candidates.push(article);
    else considered.push(consideredEntry(article, 'excludedByTopic', verdict));
  }

  const ranked = [...candidates].sort(compareArticles);
  const { stories, links } = clusterStories(ranked, opts.titleSimilarity);
  const seenPerDomain = new Map<string, number>();
  const admittedPerDomain = new Map<string, number>();
  const included: number[][] = [];
  let admitted = 0;

  stories.forEach((story, index) => {
    const lead = ranked[story[0] as number] as Article;
    const rank = `rank ${index + 1} of ${stories.length}`;
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
        included.push(story);
        reason = `item ${included.length}; ${rank}, quality ${lead.quality}`;
        fate = '';
      }
    }
    considered.push(consideredEntry(lead, status, reason));
    for (const member of story.slice(1)) {
      const article = ranked[member] as Article;
      const link = links.get(member);
      const why = link ? mergeWhy(link, ranked[link.other] as Article, lead) : 'same story';
      const base = `same story as "${lead.title}" (${why})`;
      considered.push(
        status === 'included'
          ? consideredEntry(article, 'merged', base, lead.webUrl)
          : consideredEntry(article, status, `${base}, which is ${fate}`, lead.webUrl),
      );
    }
  });

  const items: DigestItem[] = included.map((story) => ({
    lead: ranked[story[0] as number] as Article,
    alsoCoveredBy: story.slice(1).map((i) => ranked[i] as Article),
    related: [],
  }));
  const related = pickRelated(items, opts.relatedPerItem);
  items.forEach((item, i) => {
    item.related = related[i] ?? [];
  });
  return { window, items, considered: considered.sort(compareConsidered) };
}
