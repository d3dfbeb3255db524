import type { Article, DigestItem, DigestWindow, RelatedArticle } from '../types.js';
import { isHttpUrl } from './_canonical.js';
import { articleIdKey, articleUrlKeys } from './_cluster.js';
import { withReaderUrl } from './_links.js';
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

/** Every key that identifies an article or a link as one page: canonical URLs and article ids. */
function pageKeys(a: { webUrl: string; ampWebUrl?: string }): string[] {
  const keys = articleUrlKeys(a);
  for (const url of [a.webUrl, a.ampWebUrl]) {
    const id = url === undefined ? undefined : articleIdKey(url);
    if (id !== undefined) keys.push(`id:${id}`);
  }
  return keys;
}

/**
 * Choose the related links of every item, in item order: from the `related` lists of every
 * article of its story (`members`: the lead and all merged articles, shown or not), best first, http(s) only (https where the entry gives an https AMP
 * address), at most `perItem`. Never a link published after the window ends (a digest built
 * again later is the same digest), never a page of any item in the digest (by canonical URL or
 * article id at another host), never a copy of an article of its own story (the same title), and never a link
 * (by page or title) already used for an earlier item.
 */
export function pickRelated(
  items: readonly Pick<DigestItem, 'lead' | 'alsoCoveredBy'>[],
  perItem: number,
  window: Pick<DigestWindow, 'until'>,
  members: readonly (readonly Article[])[] = items.map((it) => [it.lead, ...it.alsoCoveredBy]),
): RelatedArticle[][] {
  const itemPages = new Set(members.flat().flatMap(pageKeys));
  const usedPages = new Set<string>();
  const usedTitles = new Set<string>();
  return items.map((item, i) => {
    const chosen: RelatedArticle[] = [];
    if (perItem <= 0) return chosen;
    const story = members[i] ?? [item.lead, ...item.alsoCoveredBy];
    const ownTitles = new Set(story.map((a) => normalizeText(a.title)));
    const candidates = story.flatMap((a) => a.related).sort(compareRelated);
    for (const link of candidates) {
      if (chosen.length >= perItem) break;
      if (!isHttpUrl(link.webUrl)) continue;
      if (link.publishedMs !== undefined && link.publishedMs >= window.until) continue;
      const pages = pageKeys(link);
      const title = titleKey(link);
      if (ownTitles.has(normalizeText(link.title))) continue;
      if (pages.some((p) => itemPages.has(p) || usedPages.has(p)) || usedTitles.has(title)) continue;
      for (const p of pages) usedPages.add(p);
      usedTitles.add(title);
      chosen.push(withReaderUrl(link));
    }
    return chosen;
  });
}
