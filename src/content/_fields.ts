import { decodeHTML } from 'entities';
import type { ImageRef, Provider, RelatedArticle } from '../types.js';
import { parsePublished } from './_dates.js';

/**
 * Text as it should be shown: HTML entities that feeds leave in (`monitor &amp; analyze`,
 * `&#8217;`) decoded once, escaped newlines (the two characters `\n`, left over from feeds) and
 * control characters become spaces, zero-width characters go, runs of whitespace collapse.
 */
export function cleanText(value: string): string {
  return decodeHTML(value)
    .replace(/\\[nrt]/g, ' ')
    .replace(/\p{Cc}/gu, ' ')
    .replace(/[\u200B\u2060\uFEFF]/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

/** The value as a URL when it is an absolute http(s) address with a host, else undefined. */
export function httpUrl(value: unknown): URL | undefined {
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  // The prefix check rules out forms the URL parser would repair, such as `https:host/path`.
  if (!/^https?:\/\//i.test(text)) return undefined;
  try {
    const url = new URL(text);
    return url.hostname ? url : undefined;
  } catch {
    return undefined;
  }
}

/** Lower-case host without `www.` and without a trailing dot. */
export function siteOf(url: URL): string {
  return url.hostname.replace(/\.$/, '').replace(/^www\./, '');
}

/** A provider domain as written (`www.CNN.com`, `https://cnn.com/`) reduced to `cnn.com`. */
export function normaliseDomain(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  const text = value.trim();
  try {
    return siteOf(new URL(text.includes('://') ? text : `http://${text}`)) || undefined;
  } catch {
    return undefined;
  }
}

/** The outlet: name and domain from front matter, else both from the article's host. */
export function readProvider(value: unknown, articleUrl: URL): Provider {
  const host = siteOf(articleUrl);
  const raw = isRecord(value) ? value : typeof value === 'string' ? { name: value } : {};
  const domain = normaliseDomain(raw.domain) ?? host;
  const name = typeof raw.name === 'string' && cleanText(raw.name) !== '' ? cleanText(raw.name) : domain;
  const imageUrl = readImages(raw.images)[0]?.url;
  return imageUrl === undefined ? { name, domain } : { name, domain, imageUrl };
}

/** Only http(s) images, in file order; width/height kept when they are positive numbers. */
export function readImages(value: unknown): ImageRef[] {
  if (!Array.isArray(value)) return [];
  const images: ImageRef[] = [];
  for (const entry of value) {
    const raw: Record<string, unknown> = isRecord(entry) ? entry : { url: entry };
    const url = httpUrl(raw.url);
    if (!url) continue;
    const image: ImageRef = { url: String(raw.url).trim() };
    if (isPositive(raw.width)) image.width = raw.width;
    if (isPositive(raw.height)) image.height = raw.height;
    images.push(image);
  }
  return images;
}

/** Topic names: strings only, trimmed, empty ones dropped; a single string counts as one topic. */
export function readTopics(value: unknown): string[] {
  const list = Array.isArray(value) ? value : [value];
  return list
    .filter((t): t is string => typeof t === 'string')
    .map(cleanText)
    .filter((t) => t !== '');
}

/**
 * Related links worth showing: a title and an http(s) webUrl are needed; anything else about
 * an entry is optional. Bad entries are dropped quietly: they describe other articles, not this file.
 */
export function readRelated(value: unknown, timeZone: string): RelatedArticle[] {
  if (!Array.isArray(value)) return [];
  const related: RelatedArticle[] = [];
  for (const entry of value) {
    if (!isRecord(entry)) continue;
    const title = typeof entry.title === 'string' ? cleanText(entry.title) : '';
    const url = httpUrl(entry.webUrl);
    if (title === '' || !url) continue;
    const item: RelatedArticle = {
      title,
      excerpt: typeof entry.excerpt === 'string' ? cleanText(entry.excerpt) : '',
      webUrl: String(entry.webUrl).trim(),
      provider: readProvider(entry.provider, url),
      quality: isFiniteNumber(entry.quality) ? entry.quality : 0,
    };
    if (httpUrl(entry.ampWebUrl)) item.ampWebUrl = String(entry.ampWebUrl).trim();
    const publishedMs = parsePublished(entry.publishedDateTime, timeZone);
    if (publishedMs !== undefined) item.publishedMs = publishedMs;
    const image = readImages(entry.images)[0];
    if (image) item.image = image;
    related.push(item);
  }
  return related;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

export function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function isPositive(value: unknown): value is number {
  return isFiniteNumber(value) && value > 0;
}
