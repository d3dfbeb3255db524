/**
 * The address a reader is sent to. Feeds hand out plain-http redirect addresses
 * (`http://rss.cnn.com/~r/…`) while the same file, or a copy of the same article, carries the
 * page's https address; the digest links the https one.
 */
import type { Article, RelatedArticle } from '../types.js';

function isHttps(url: string | undefined): url is string {
  return url !== undefined && /^https:\/\//i.test(url.trim());
}

/**
 * The best address of an article: its `webUrl` when that is https; else the https `webUrl` of a
 * copy of the same article (another address of the same page); else its https `ampWebUrl`; else
 * `webUrl` as it is.
 */
export function readerUrl(
  article: Pick<Article, 'webUrl' | 'ampWebUrl'>,
  copies: readonly Pick<Article, 'webUrl'>[] = [],
): string {
  if (isHttps(article.webUrl)) return article.webUrl;
  const copy = copies.find((c) => isHttps(c.webUrl));
  if (copy) return copy.webUrl;
  if (isHttps(article.ampWebUrl)) return article.ampWebUrl;
  return article.webUrl;
}

/** The article with `webUrl` replaced by its reader URL (the same object when nothing changes). */
export function withReaderUrl<T extends Article | RelatedArticle>(
  article: T,
  copies: readonly Pick<Article, 'webUrl'>[] = [],
): T {
  const url = readerUrl(article, copies);
  return url === article.webUrl ? article : { ...article, webUrl: url };
}
