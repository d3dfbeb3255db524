import { generateAtomFeed, generateJsonFeed, generateRssFeed } from 'feedsmith';
import { escapeHtml } from '../render/index.js';
import type { ArchiveEntry } from './_archive.js';

/** The three feeds of the archive, by path. */
export const FEED_PATHS = { rss: '/feed.xml', atom: '/atom.xml', json: '/feed.json' } as const;
export type FeedFormat = keyof typeof FEED_PATHS;

/** The Content-Type each feed is served with. */
export const FEED_TYPES: Record<FeedFormat, string> = {
  rss: 'application/rss+xml; charset=utf-8',
  atom: 'application/atom+xml; charset=utf-8',
  json: 'application/feed+json; charset=utf-8',
};

/** Most digests in a feed, newest first. Default 50 (about two months of dailies). */
export const FEED_ENTRIES = 50;

/** What the feeds say about the newsletter. */
export interface FeedSite {
  /** The newsletter's name (config `title`). */
  title: string;
  /** Public base URL of the server (config `publicUrl`); every link in a feed is absolute. */
  publicUrl: string;
}

/**
 * The archive of sent digests as RSS 2.0, Atom 1.0 or JSON Feed 1.1 (made by feedsmith): one entry
 * per sent digest that has a web copy, with its subject, the day it was sent and the web copy's
 * address. Only digests with a web copy are listed: an entry must link somewhere.
 */
export function archiveFeed(format: FeedFormat, site: FeedSite, entries: ArchiveEntry[]): string {
  const base = site.publicUrl.replace(/\/+$/, '');
  const listed = entries.filter((e) => e.hasPage).slice(0, FEED_ENTRIES);
  const items = listed.map((e) => ({
    url: `${base}/archive/${e.path}`,
    title: e.subject,
    summary: `The ${e.edition === 'weekly' ? 'weekly digest to' : 'digest of'} ${e.date}: ${e.items} ${e.items === 1 ? 'item' : 'items'}.`,
    sent: new Date(e.firstSentAt),
  }));
  const home = `${base}/archive`;
  const self = `${base}${FEED_PATHS[format]}`;
  // An empty archive has no newest digest: the feed's date is the epoch then, a fixed value.
  const updated = items[0]?.sent ?? new Date(0);
  const description = `Every digest ${site.title} has sent, newest first.`;
  if (format === 'rss') {
    return generateRssFeed({
      title: site.title,
      link: home,
      description,
      lastBuildDate: updated,
      atom: { links: [{ href: self, rel: 'self', type: FEED_TYPES.rss.split(';')[0] }] },
      items: items.map((i) => ({
        title: i.title,
        link: i.url,
        guid: { value: i.url, isPermaLink: true },
        pubDate: i.sent,
        description: i.summary,
      })),
    });
  }
  if (format === 'atom') {
    return generateAtomFeed({
      id: home,
      title: { value: site.title },
      subtitle: { value: description },
      updated,
      links: [
        { href: home, rel: 'alternate', type: 'text/html' },
        { href: self, rel: 'self', type: FEED_TYPES.atom.split(';')[0] },
      ],
      entries: items.map((i) => ({
        id: i.url,
        title: { value: i.title },
        updated: i.sent,
        published: i.sent,
        links: [{ href: i.url, rel: 'alternate', type: 'text/html' }],
        summary: { value: i.summary },
      })),
    });
  }
  const json = generateJsonFeed({
    title: site.title,
    home_page_url: home,
    feed_url: self,
    description,
    items: items.map((i) => ({
      id: i.url,
      url: i.url,
      title: i.title,
      summary: i.summary,
      content_text: i.summary,
      date_published: i.sent,
    })),
  });
  return `${JSON.stringify(json, null, 2)}\n`;
}

/** The `<link rel="alternate">` tags that let feed readers find the three feeds from a page at `root`. */
export function feedLinks(site: string, root: string): string {
  return (Object.keys(FEED_PATHS) as FeedFormat[])
    .map((f) => {
      const label = { rss: 'RSS', atom: 'Atom', json: 'JSON Feed' }[f];
      return `<link rel="alternate" type="${FEED_TYPES[f].split(';')[0]}" title="${escapeHtml(`${site} (${label})`)}" href="${root}${FEED_PATHS[f].slice(1)}">`;
    })
    .join('\n');
}
