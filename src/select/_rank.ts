import type { Article } from '../types.js';

/** Code-unit comparison: unlike localeCompare it cannot change with the ICU version. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Rank order of articles (negative when `a` ranks first): quality desc, heat desc, newer first,
 * then title and path, so the same input always gives the same order.
 */
export function compareArticles(a: Article, b: Article): number {
  return (
    b.quality - a.quality ||
    b.heat - a.heat ||
    b.publishedMs - a.publishedMs ||
    compareText(a.title, b.title) ||
    compareText(a.path, b.path)
  );
}

/** The provider domain an article counts against for the per-provider cap. */
export function providerDomain(article: Pick<Article, 'provider' | 'webUrl'>): string {
  const domain = article.provider.domain
    .trim()
    .toLowerCase()
    .replace(/^www\./, '');
  if (domain) return domain;
  // No domain in front matter: the site the link points at is the best stand-in.
  try {
    return new URL(article.webUrl).hostname.toLowerCase().replace(/^www\./, '');
  } catch {
    return '';
  }
}
