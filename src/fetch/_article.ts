import { cleanText, siteOf } from '../content/index.js';
import type { ImageRef } from '../types.js';
import { parseFeedDate, withOffset } from './_date.js';
import { cutExcerpt, EXCERPT_MAX, sentences } from './_excerpt.js';
import { htmlToText } from './_html.js';
import type { FeedInfo, FeedItem } from './_parse.js';

/** One feed to read, as configured (`feeds: [...]`) or given with `--feed URL`. */
export interface FeedSource {
  url: string;
  /** The outlet's name in the digest and the folder name; default the feed's own title. */
  name?: string;
  /** Topics added to every item's own categories. Default []. */
  topics?: string[];
  /** A fixed `quality` score for every item of this feed. Default none (0). */
  quality?: number;
}

/** An article file to write: where, its stable id and its text. */
export interface ArticleFile {
  /** guid, else the link: the same item is never written twice, even when its title changes. */
  id: string;
  /** `<feed-slug>/<date>-<slug>.md`, relative to the content folder, without a collision suffix. */
  path: string;
  text: string;
  /** The front matter as written, for reports and tests. */
  fields: ArticleFields;
}

export interface ArticleFields {
  title: string;
  excerpt: string;
  publishedDateTime: string;
  webUrl: string;
  provider: { name: string; domain: string; imageUrl?: string };
  topics: string[];
  images: ImageRef[];
  quality?: number;
  /** Set when the feed gave no usable date and the fetch time stands in. */
  note?: string;
}

export type MapResult = { file: ArticleFile } | { skipped: string };

/** Longest title made from the text of an untitled item (microblog posts, JSON Feed). */
const TITLE_FROM_TEXT_MAX = 100;

/**
 * Map one feed item to the article file the build reads (docs/content.md): HTML stripped from
 * title and excerpt, the excerpt cut at a sentence end, the date with its zone (the fetch time
 * and a note when the feed has none), provider from the feed, topics from categories plus the
 * feed's configured ones. Items without a link are skipped: an article needs a webUrl.
 */
export function itemToArticle(
  item: FeedItem,
  feed: FeedInfo,
  source: FeedSource,
  context: { now: Date; timeZone: string },
): MapResult {
  if (!item.link) return { skipped: `"${item.title || item.guid || '(untitled)'}" has no link` };
  const id = item.guid ?? item.link;
  const texts = item.summaries.map((s) => cleanText(htmlToText(s))).filter((t) => t !== '');
  const text = texts[0] ?? '';
  const title = cleanText(item.title) || titleFromText(texts.find((t) => t !== '') ?? '');
  if (title === '') return { skipped: `the item ${item.link} has neither a title nor any text` };
  const date = parseFeedDate(item.date);
  const domain = siteOf(new URL(item.link));
  const fields: ArticleFields = {
    title,
    excerpt: text === '' ? '' : cutExcerpt(text, EXCERPT_MAX),
    publishedDateTime: date?.text ?? withOffset(context.now.getTime(), 0),
    webUrl: item.link,
    provider: {
      name: cleanText(source.name ?? '') || cleanText(feed.title) || domain,
      domain,
      ...(feed.imageUrl ? { imageUrl: feed.imageUrl } : {}),
    },
    topics: uniqueTopics([...item.categories.map(cleanText), ...(source.topics ?? [])]),
    images: item.images,
  };
  if (source.quality !== undefined) fields.quality = source.quality;
  if (!date) {
    fields.note =
      item.date === undefined
        ? 'the feed gave no date; publishedDateTime is the time of the fetch'
        : `the feed's date ${JSON.stringify(item.date)} has no zone or is not a date; publishedDateTime is the time of the fetch`;
  }
  const day = localDay(date?.ms ?? context.now.getTime(), context.timeZone);
  const folder = slugify(source.name ?? '') || slugify(feed.title) || slugify(domain) || 'feed';
  const path = `${folder}/${day}-${slugify(title) || 'item'}.md`;
  return { file: { id, path, fields, text: renderArticle(fields, { feedUrl: source.url, id }) } };
}

/** The front matter of a fetched article; the fields after `images` are for people, the build ignores them. */
export function renderArticle(f: ArticleFields, origin: { feedUrl: string; id: string }): string {
  const lines = [
    '---',
    `title: ${q(f.title)}`,
    `excerpt: ${q(f.excerpt)}`,
    `publishedDateTime: ${q(f.publishedDateTime)}`,
    `webUrl: ${q(f.webUrl)}`,
    'type: article',
  ];
  if (f.quality !== undefined) lines.push(`quality: ${f.quality}`);
  lines.push('provider:', `  name: ${q(f.provider.name)}`, `  domain: ${q(f.provider.domain)}`);
  if (f.provider.imageUrl) lines.push('  images:', `    - url: ${q(f.provider.imageUrl)}`);
  lines.push(f.topics.length === 0 ? 'topics: []' : 'topics:', ...f.topics.map((t) => `  - ${q(t)}`));
  lines.push(f.images.length === 0 ? 'images: []' : 'images:');
  for (const image of f.images) {
    lines.push(`  - url: ${q(image.url)}`);
    if (image.width) lines.push(`    width: ${image.width}`);
    if (image.height) lines.push(`    height: ${image.height}`);
  }
  lines.push(`feed: ${q(origin.feedUrl)}`, `feedItemId: ${q(origin.id)}`);
  if (f.note) lines.push(`note: ${q(f.note)}`);
  lines.push('---', '');
  return lines.join('\n');
}

/** A file-name part: ASCII letters and digits in lower case, accents dropped, dashes between, at most 60 characters. */
export function slugify(text: string): string {
  const slug = text
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .replace(/ß/g, 'ss')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  if (slug.length <= 60) return slug;
  const cut = slug.slice(0, 61);
  return cut.slice(0, cut.lastIndexOf('-') > 30 ? cut.lastIndexOf('-') : 60).replace(/-+$/, '');
}

/** `YYYY-MM-DD` of an instant in an IANA zone. */
export function localDay(ms: number, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(ms);
}

/** The first sentence of an untitled item's text, cut at a word when long. */
function titleFromText(text: string): string {
  const first = (sentences(text)[0] ?? '').trim().replace(/[.!?]$/, '');
  if (first.length <= TITLE_FROM_TEXT_MAX) return first;
  return cutExcerpt(first, TITLE_FROM_TEXT_MAX);
}

/** Topics in order, the first spelling of each kept, case-insensitive duplicates and empties dropped. */
function uniqueTopics(topics: string[]): string[] {
  const seen = new Set<string>();
  return topics.filter((t) => t !== '' && !seen.has(t.toLowerCase()) && Boolean(seen.add(t.toLowerCase())));
}

/** A YAML double-quoted scalar: JSON string syntax is valid YAML and escapes what needs it. */
function q(text: string): string {
  return JSON.stringify(text);
}
