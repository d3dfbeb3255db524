import type { DigestItem, RelatedArticle } from '../types.js';
import { canonicalUrl, isHttpUrl } from './_canonical.js';
import { articleUrlKeys } from './_cluster.js';
import { compareText, providerDomain } from './_rank.js';
import { MIN_TITLE_TOKENS, normalizeText } from './_text.js';

/** Related links order: quality desc, newer first (undated last), then title and URL. */
export function compareRelated(a: RelatedArticle, b: RelatedArticle): number {
  const at = a.publishedMs ?? Number.NEGATIVE_INFINITY;
  const bt = b.publishedMs ?? Number.NEGATIVE_INFINITY;
  return (
    b.quality - a.quality ||
    (at === bt ? 0 : bt > at ? 1 : -1) ||
    compareText(a.title, b.title) ||
    compareText(a.webUrl, b.webUrl)
  );
}

/**
 * A related link's title identity. A syndicated story carries the same title on several sites
 * (e.g. two papers of one chain), so a title of three or more words counts once in the digest
 * whoever publishes it; a shorter title ("Live updates") only repeats within one provider.
 */
function titleKey(link: RelatedArticle): string {
  const text = normalizeText(link.title);
  return text.split(' ').length >= MIN_TITLE_TOKENS ? `t:${text}` : `p:${providerDomain(link)}|${text}`;
}

/**
 * Choose the related links of every item, in item order: from the lead's and the merged
 * articles' `related`, best first, http(s) only, at most `perItem`, never a URL of any item in
 * the digest, and never a link (by canonical URL or title) already used for an earlier item.
 */
export function pickRelated(
  items: readonly Pick<DigestItem, 'lead' | 'alsoCoveredBy'>[],
  perItem: number,
): RelatedArticle[][] {
  const itemUrls = new Set(items.flatMap((it) => [it.lead, ...it.alsoCoveredBy].flatMap(articleUrlKeys)));
  const usedUrls = new Set<string>();
  const usedTitles = new Set<string>();
  return items.map((item) => {
    const chosen: RelatedArticle[] = [];
    if (perItem <= 0) return chosen;
    const candidates = [item.lead, ...item.alsoCoveredBy].flatMap((a) => a.related).sort(compareRelated);
    for (const link of candidates) {
      if (chosen.length >= perItem) break;
      if (!isHttpUrl(link.webUrl)) continue;
      const url = canonicalUrl(link.webUrl);
      const title = titleKey(link);
      if (itemUrls.has(url) || usedUrls.has(url) || usedTitles.has(title)) continue;
      usedUrls.add(url);
      usedTitles.add(title);
      chosen.push(link);
    }
    return chosen;
  });
}
