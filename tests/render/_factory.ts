import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadTemplates, type RenderContext, type Templates } from '../../src/render/index.js';
import type { Article, DigestItem, DigestWindow, RelatedArticle, Selection } from '../../src/types.js';

/** The default templates shipped in the repository. */
export const TEMPLATES_DIR = fileURLToPath(new URL('../../templates', import.meta.url));

/** 2020-09-13 in New York: 04:00Z to 04:00Z the next day. */
export const WINDOW: DigestWindow = {
  since: Date.UTC(2020, 8, 13, 4),
  until: Date.UTC(2020, 8, 14, 4),
  timeZone: 'America/New_York',
  date: '2020-09-13',
};

export const CTX: RenderContext = {
  title: 'Morning Brief',
  timeZone: 'America/New_York',
  publicUrl: 'https://news.example.com',
  archiveUrl: 'https://news.example.com/archive/2020-09-13',
};

/** A valid article; `n` varies the title, URL and time so several can share a digest. */
export function article(n: number, over: Partial<Article> = {}): Article {
  return {
    path: `2020-09-13-story-${n}.md`,
    title: `Story number ${n} about the election`,
    excerpt: `Excerpt of story ${n}: what happened, and why it matters.`,
    // 16:05Z is 12:05 PM in New York; each story a minute later.
    publishedMs: Date.UTC(2020, 8, 13, 16, 5 + n),
    webUrl: `https://outlet${n}.example.com/news/story-${n}`,
    quality: 100 - n,
    heat: 0,
    type: 'article',
    provider: { name: `Outlet ${n}`, domain: `outlet${n}.example.com` },
    topics: ['Election'],
    images: [{ url: `https://img.example.com/${n}.jpg`, width: 1100, height: 619 }],
    related: [],
    ...over,
  };
}

/** A related link of story `n`, number `k`. */
export function relatedLink(n: number, k: number, over: Partial<RelatedArticle> = {}): RelatedArticle {
  return {
    title: `Related ${k} of story ${n}`,
    excerpt: '',
    webUrl: `https://related.example.org/${n}/${k}`,
    provider: { name: `Related Outlet ${k}`, domain: 'related.example.org' },
    quality: 50,
    ...over,
  };
}

/** One digest item: the lead, optional other coverage and related links. */
export function item(lead: Article, extra: Partial<Omit<DigestItem, 'lead'>> = {}): DigestItem {
  return { lead, alsoCoveredBy: [], related: [], ...extra };
}

/** A selection of the given items in the test window. */
export function selection(items: DigestItem[]): Selection {
  return {
    window: WINDOW,
    items,
    considered: items.map((it) => ({ path: it.lead.path, status: 'included', reason: 'test' })),
  };
}

/** `count` items, each with `relatedPer` related links and one other outlet's coverage. */
export function digest(count: number, relatedPer = 3): Selection {
  return selection(
    Array.from({ length: count }, (_, i) =>
      item(article(i + 1), {
        alsoCoveredBy: [article(100 + i, { title: `Same story ${i + 1} elsewhere`, images: [] })],
        related: Array.from({ length: relatedPer }, (_, k) => relatedLink(i + 1, k + 1)),
      }),
    ),
  );
}

/** A fresh copy of the default templates in a temporary folder, to break on purpose. */
export function templatesCopy(): string {
  const dir = mkdtempSync(join(tmpdir(), 'nd-templates-'));
  cpSync(TEMPLATES_DIR, dir, { recursive: true });
  return dir;
}

export function defaultTemplates(): Promise<Templates> {
  return loadTemplates(TEMPLATES_DIR);
}
