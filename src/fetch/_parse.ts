import { parseFeed } from 'feedsmith';
import { Parser } from 'htmlparser2';
import type { ImageRef } from '../types.js';
import { dimension, firstImage, htmlToText, resolveUrl } from './_html.js';

/** A feed's own description, what the articles' `provider` is made of. */
export interface FeedInfo {
  format: 'rss' | 'atom' | 'rdf' | 'json';
  /** Plain text; may be empty. */
  title: string;
  /** The site's home page, absolute, when the feed gives one. */
  link?: string;
  /** The feed's icon or logo, absolute. */
  imageUrl?: string;
}

/** One entry of a feed in the same shape whatever the format; links and images absolute. */
export interface FeedItem {
  /** guid, Atom id or JSON Feed id, as written. */
  guid?: string;
  /** The article's link (FeedBurner's origLink before its proxy link), absolute http(s). */
  link?: string;
  /** Plain text. */
  title: string;
  /** HTML (or text) of the summary, then of the full content; the excerpt's sources in order. */
  summaries: string[];
  /** The date text as written (`pubDate`, `published`, `updated`, `dc:date`, `date_published`). */
  date?: string;
  categories: string[];
  images: ImageRef[];
}

export interface ParsedFeed {
  feed: FeedInfo;
  items: FeedItem[];
}

// feedsmith's types are exact per format and namespace; this file reads a few fields of each,
// so it sees them through these loose shapes.
type Loose = Record<string, unknown>;
const rec = (v: unknown): Loose => (typeof v === 'object' && v !== null ? (v as Loose) : {});
const list = (v: unknown): Loose[] => (Array.isArray(v) ? v.map(rec) : []);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v : undefined);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((s) => typeof s === 'string') : []);

/**
 * Parse a feed document (RSS 2.0/0.9x, RSS 1.0 (RDF), Atom 1.0, JSON Feed 1.x) with feedsmith and
 * normalise its items. Relative links resolve against Atom's `xml:base`, else the feed's home page
 * link, else `feedUrl` (where it was fetched from). Throws when the text is not a feed.
 */
export function parseFeedText(text: string, feedUrl: string): ParsedFeed {
  const { format, feed } = parseFeed(text) as { format: FeedInfo['format']; feed: unknown };
  const f = rec(feed);
  const items = format === 'atom' ? list(f.entries) : list(f.items);
  const homeLink =
    format === 'atom' ? atomLink(list(f.links)) : format === 'json' ? str(f.home_page_url) : str(f.link);
  const home = resolveUrl(homeLink, feedUrl);
  const base = resolveUrl(str(rec(f.xml).base), feedUrl) ?? home ?? feedUrl;
  const imageHref =
    format === 'atom'
      ? (str(f.icon) ?? str(f.logo))
      : format === 'json'
        ? (str(f.icon) ?? str(f.favicon))
        : str(rec(f.image).url);
  const info: FeedInfo = { format, title: titleText(f.title, format) };
  if (home) info.link = home;
  const imageUrl = resolveUrl(imageHref, base);
  if (imageUrl) info.imageUrl = imageUrl;
  const origLinks = feedburnerOrigLinks(text, format === 'atom' ? 'entry' : 'item');
  return {
    feed: info,
    items: items.map((item, i) =>
      normalise(item, format, resolveUrl(str(rec(item.xml).base), base) ?? base, origLinks[i]),
    ),
  };
}

function normalise(item: Loose, format: FeedInfo['format'], base: string, origLink?: string): FeedItem {
  const read = READERS[format](item);
  const link = resolveUrl(origLink, base) ?? resolveUrl(read.link, base);
  const html = read.summaries.filter((s) => s.trim() !== '');
  const images = [
    ...read.imageRefs(base),
    ...html.map((h) => firstImage(h, base)).filter((i) => i !== undefined),
  ];
  const out: FeedItem = {
    title: titleText(item.title, format),
    summaries: html,
    categories: read.categories.map((c) => htmlToText(c)).filter((c) => c !== ''),
    images: unique(images),
  };
  if (read.guid) out.guid = read.guid.trim();
  if (link) out.link = link;
  if (read.date) out.date = read.date.trim();
  return out;
}

interface Read {
  guid?: string;
  link?: string;
  summaries: string[];
  date?: string;
  categories: string[];
  imageRefs(base: string): ImageRef[];
}

const READERS: Record<FeedInfo['format'], (item: Loose) => Read> = {
  rss: (item) => ({
    guid: str(rec(item.guid).value),
    link: str(item.link) ?? atomLink(list(rec(item.atom).links)) ?? guidLink(item),
    summaries: [str(item.description), str(rec(item.content).encoded)].filter((s) => s !== undefined),
    date: str(item.pubDate) ?? strings(rec(item.dc).dates)[0] ?? str(rec(item.atom).updated),
    categories: [
      ...list(item.categories).map((c) => String(c.name ?? '')),
      ...strings(rec(item.dc).subjects),
    ],
    imageRefs: (base) => [
      ...mediaImages(rec(item.media), base),
      ...enclosureImages(list(item.enclosures), base),
    ],
  }),
  rdf: (item) => ({
    guid: str(rec(item.rdf).about),
    link: str(item.link),
    summaries: [str(item.description), str(rec(item.content).encoded)].filter((s) => s !== undefined),
    date: strings(rec(item.dc).dates)[0],
    categories: strings(rec(item.dc).subjects),
    imageRefs: (base) => mediaImages(rec(item.media), base),
  }),
  atom: (item) => ({
    guid: str(item.id),
    link: atomLink(list(item.links)),
    summaries: [textOf(item.summary), textOf(item.content)].filter((s) => s !== undefined),
    date: str(item.published) ?? str(item.updated),
    categories: list(item.categories).map((c) => String(c.label ?? c.term ?? '')),
    imageRefs: (base) => [
      ...mediaImages(rec(item.media), base),
      ...enclosureImages(
        list(item.links)
          .filter((l) => l.rel === 'enclosure')
          .map((l) => ({ url: l.href, type: l.type })),
        base,
      ),
    ],
  }),
  json: (item) => ({
    guid: str(item.id) ?? (typeof item.id === 'number' ? String(item.id) : undefined),
    link: str(item.url) ?? str(item.external_url),
    summaries: [
      escapeText(str(item.summary)),
      str(item.content_html),
      escapeText(str(item.content_text)),
    ].filter((s) => s !== undefined),
    date: str(item.date_published) ?? str(item.date_modified),
    categories: strings(item.tags),
    imageRefs: (base) =>
      [str(item.image), str(item.banner_image)]
        .map((u) => resolveUrl(u, base))
        .filter((u) => u !== undefined)
        .map((url) => ({ url }))
        .concat(
          enclosureImages(
            list(item.attachments).map((a) => ({ url: a.url, type: a.mime_type })),
            base,
          ),
        ),
  }),
};

/** A title as plain text: HTML-typed ones (RSS in practice, Atom `type="html"`) through htmlToText. */
function titleText(value: unknown, format: FeedInfo['format']): string {
  if (format === 'atom') {
    const t = rec(value);
    const text = str(t.value) ?? '';
    return t.type === 'html' || t.type === 'xhtml' ? htmlToText(text) : text.replace(/\s+/g, ' ').trim();
  }
  if (format === 'json') return (str(value) ?? '').replace(/\s+/g, ' ').trim();
  return htmlToText(str(value) ?? '');
}

/** The HTML of an Atom text construct (a plain-text one escaped, so it reads as the same text). */
function textOf(value: unknown): string | undefined {
  const t = rec(value);
  const text = str(t.value);
  return t.type === 'html' || t.type === 'xhtml' ? text : escapeText(text);
}

function escapeText(text: string | undefined): string | undefined {
  return text?.replace(/&/g, '&amp;').replace(/</g, '&lt;');
}

/** Atom's link to the page: rel="alternate" (or no rel), the HTML one first. */
function atomLink(links: Loose[]): string | undefined {
  const pages = links.filter((l) => l.rel === undefined || l.rel === 'alternate');
  const html = pages.find((l) => typeof l.type !== 'string' || /html/.test(l.type));
  return str((html ?? pages[0])?.href);
}

/** An RSS guid that is a permalink (the default) and looks like a URL. */
function guidLink(item: Loose): string | undefined {
  const guid = rec(item.guid);
  return guid.isPermaLink !== false && /^https?:\/\//i.test(String(guid.value ?? ''))
    ? str(guid.value)
    : undefined;
}

/** Images of the Media RSS namespace: `media:content` that is an image, then `media:thumbnail`. */
function mediaImages(media: Loose, base: string): ImageRef[] {
  const contents = [...list(media.contents), ...list(media.groups).flatMap((g) => list(g.contents))];
  const pictures = contents.filter(
    (c) =>
      c.medium === 'image' ||
      (typeof c.type === 'string' && c.type.startsWith('image/')) ||
      (c.medium === undefined &&
        c.type === undefined &&
        /\.(jpe?g|png|gif|webp|avif)(\?|$)/i.test(String(c.url))),
  );
  const thumbnails = [...list(media.thumbnails), ...contents.flatMap((c) => list(c.thumbnails))];
  return [...pictures, ...thumbnails]
    .map((m) => imageRef(m.url, m.width, m.height, base))
    .filter((i) => i !== undefined);
}

/** RSS `<enclosure>`s (and Atom/JSON Feed equivalents) of an image type. */
function enclosureImages(enclosures: Loose[], base: string): ImageRef[] {
  return enclosures
    .filter((e) => typeof e.type === 'string' && e.type.startsWith('image/'))
    .map((e) => imageRef(e.url, undefined, undefined, base))
    .filter((i) => i !== undefined);
}

function imageRef(href: unknown, width: unknown, height: unknown, base: string): ImageRef | undefined {
  const url = resolveUrl(str(href), base);
  if (!url) return undefined;
  const w = dimension(width);
  const h = dimension(height);
  return { url, ...(w ? { width: w } : {}), ...(h ? { height: h } : {}) };
}

function unique(images: ImageRef[]): ImageRef[] {
  const seen = new Set<string>();
  return images.filter((i) => !seen.has(i.url) && Boolean(seen.add(i.url)));
}

const FEEDBURNER_NS = 'http://rssnamespace.org/feedburner/ext/1.0';

/**
 * FeedBurner's `<feedburner:origLink>` of each item, by item position. feedsmith drops namespaces
 * it does not know, so this reads the document a second time (only when it declares FeedBurner's).
 */
export function feedburnerOrigLinks(xml: string, itemTag: 'item' | 'entry'): (string | undefined)[] {
  if (!xml.includes(FEEDBURNER_NS)) return [];
  const prefix = new RegExp(
    `xmlns:([\\w.-]+)\\s*=\\s*["']${FEEDBURNER_NS.replace(/[./]/g, '\\$&')}["']`,
  ).exec(xml)?.[1];
  if (!prefix) return [];
  const wanted = `${prefix}:origlink`.toLowerCase();
  const links: (string | undefined)[] = [];
  let index = -1;
  let inside = false;
  let text = '';
  const parser = new Parser(
    {
      onopentag(name) {
        const n = name.toLowerCase();
        if (n === itemTag) index++;
        else if (n === wanted && index >= 0) {
          inside = true;
          text = '';
        }
      },
      ontext(t) {
        if (inside) text += t;
      },
      onclosetag(name) {
        if (name.toLowerCase() === wanted && inside) {
          inside = false;
          links[index] = text.trim() || undefined;
        }
      },
    },
    { xmlMode: true, decodeEntities: true },
  );
  parser.write(xml);
  parser.end();
  return links;
}
