import type { Article, Considered, ConsideredStatus } from '../types.js';
import type { MergeLink } from './_cluster.js';
import { compareText, providerDomain } from './_rank.js';

/** The `considered` entry of one article. */
export function consideredEntry(
  article: Article,
  status: ConsideredStatus,
  reason: string,
  mergedInto?: string,
): Considered {
  const entry: Considered = {
    path: article.path,
    status,
    reason,
    title: article.title,
    webUrl: article.webUrl,
    quality: article.quality,
    heat: article.heat,
    publishedAt: new Date(article.publishedMs).toISOString(),
    providerDomain: providerDomain(article),
  };
  // Set only when meaningful, so the JSON report has no empty keys.
  if (mergedInto !== undefined) entry.mergedInto = mergedInto;
  return entry;
}

/** The stable order of `considered`: by path, then URL. */
export function compareConsidered(a: Considered, b: Considered): number {
  return compareText(a.path, b.path) || compareText(a.webUrl ?? '', b.webUrl ?? '');
}

/** `1st`, `2nd`, `3rd`, `4th`, `11th`, `21st`... */
export function ordinal(n: number): string {
  const teen = n % 100 >= 11 && n % 100 <= 13;
  const suffix = teen ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th');
  return `${n}${suffix}`;
}

/**
 * Why a merged article is part of a story, e.g. `title+excerpt 0.71, shared: Bloomberg, Florida,
 * $100M` or `same URL`; names the article it was compared with when that is not the lead.
 */
export function mergeWhy(link: MergeLink, other: Article, lead: Article): string {
  const to = other === lead ? '' : ` "${other.title}"`;
  switch (link.kind) {
    case 'url':
      return `same article${to ? ` as${to}` : ''} at another address`;
    case 'title':
      return `same title${to ? ` as${to}` : ''}`;
    case 'excerpt':
      return `same excerpt${to ? ` as${to}` : ''}`;
    case 'text': {
      const shared = link.shared && link.shared.length > 0 ? `, shared: ${link.shared.join(', ')}` : '';
      const related = link.related ? ', listed as related' : '';
      return `title+excerpt ${(link.score ?? 0).toFixed(2)}${to ? ` with${to}` : ''}${shared}${related}`;
    }
  }
}
