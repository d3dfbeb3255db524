import { DEFAULT_PRESS_WIRES } from '../../src/select/index.js';
import type { Article, RelatedArticle } from '../../src/types.js';

/** An article with plain defaults; only what a test is about needs to be given. */
export function art(over: Partial<Article> & { path: string }): Article {
  const slug = over.path.replace(/\.md$/, '');
  return {
    title: `Story ${slug} about something`,
    excerpt: '',
    publishedMs: Date.parse('2020-09-13T12:00:00Z'),
    webUrl: `https://example.com/${slug}`,
    quality: 50,
    heat: 0,
    type: 'article',
    provider: { name: 'Example', domain: 'example.com' },
    topics: [],
    images: [],
    related: [],
    ...over,
  };
}

/** A related link with plain defaults. */
export function rel(over: Partial<RelatedArticle> & { webUrl: string }): RelatedArticle {
  const host = new URL(over.webUrl).hostname.replace(/^www\./, '');
  return {
    title: `Related ${over.webUrl}`,
    excerpt: '',
    provider: { name: host, domain: host },
    quality: 50,
    ...over,
  };
}

/** A window that holds every test article. */
export const WIDE = {
  since: Date.parse('2020-01-01T00:00:00Z'),
  until: Date.parse('2021-01-01T00:00:00Z'),
  timeZone: 'UTC',
  date: '2020-01-01',
};

export const OPTS = {
  top: 10,
  perProvider: 3,
  relatedPerItem: 3,
  storySimilarity: 0.3,
  pressWires: DEFAULT_PRESS_WIRES,
  includeTopics: [] as string[],
  excludeTopics: [] as string[],
};
