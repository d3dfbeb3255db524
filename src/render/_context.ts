import type { Article, ImageRef, Provider, RecipientParts, RelatedArticle, Selection } from '../types.js';
import { formatDate } from './_date-format.js';
import { neutralizeText, neutralizeUrl } from './_placeholders.js';
import { singleLine } from './_text.js';
import { host, httpUrl, safeUrl } from './_url.js';

/** What the render stage needs besides the selection. */
export interface RenderContext {
  /** The newsletter's name, shown in the header and the subject. */
  title: string;
  /** IANA zone for every date and time shown. */
  timeZone: string;
  /** Public base URL of the subscriber web, without a trailing slash. */
  publicUrl: string;
  /** The "view in browser" link of this digest. */
  archiveUrl: string;
  /** A Handlebars subject line from config; overrides subject.hbs when set. */
  subjectTemplate?: string;
}

/** Width in px of the content inside the 600px column (24px padding each side). */
export const CONTENT_WIDTH = 552;

/** Narrower images (logos, thumbnails) look broken as a lead image; the item shows none. */
export const MIN_IMAGE_WIDTH = 200;

/** An outlet as templates see it. */
export interface OutletView {
  name: string;
  domain: string;
}

/** A lead image scaled to the column; `height` is null when the file does not give both sizes. */
export interface ImageView {
  url: string;
  alt: string;
  width: number;
  height: number | null;
}

/** A linked article (also-covered or related) as templates see it. */
export interface LinkView {
  title: string;
  /** An http(s) URL, or `#` when the content held anything else. */
  url: string;
  /** The link's host without `www.`. */
  host: string;
  excerpt: string;
  /** Epoch ms, or null when unknown. */
  publishedMs: number | null;
  outlet: OutletView;
}

/** The article that leads an item. */
export interface LeadView extends LinkView {
  publishedMs: number;
  image: ImageView | null;
  topics: string[];
}

/** One item (story) of the digest. */
export interface ItemView {
  /** 1-based position. */
  rank: number;
  lead: LeadView;
  alsoCoveredBy: LinkView[];
  related: LinkView[];
}

/** The object every template is rendered with. See "Templates and rendering" in README.md. */
export interface TemplateContext {
  title: string;
  /** `YYYY-MM-DD`, the local date of the digest. */
  date: string;
  /** e.g. `Sunday, September 13, 2020`. */
  dateLabel: string;
  /** e.g. `Sep 13, 2020`. */
  dateShort: string;
  timeZone: string;
  since: number;
  until: number;
  publicUrl: string;
  archiveUrl: string;
  /** Filled for the layout and text; empty while the subject and preheader themselves render. */
  subject: string;
  preheader: string;
  /** Title of the first item, or empty. */
  topHeadline: string;
  /** Titles of all items in order. */
  headlines: string[];
  itemCount: number;
  items: ItemView[];
  /** Placeholder markers in the layout and text; empty strings in the subject and preheader. */
  recipient: RecipientParts;
}

/** The template context of a selection: content cleaned (one line, no markers) and links made safe. */
export function buildContext(
  selection: Selection,
  ctx: RenderContext,
  recipient: RecipientParts,
): TemplateContext {
  const items = selection.items.map(
    (item, i): ItemView => ({
      rank: i + 1,
      lead: leadView(item.lead),
      alsoCoveredBy: item.alsoCoveredBy.map(linkView),
      related: item.related.map(linkView),
    }),
  );
  const headlines = items.map((item) => item.lead.title);
  return {
    title: text(ctx.title),
    date: selection.window.date,
    dateLabel: formatDate(selection.window.since, 'EEEE, MMMM d, yyyy', ctx.timeZone),
    dateShort: formatDate(selection.window.since, 'MMM d, yyyy', ctx.timeZone),
    timeZone: ctx.timeZone,
    since: selection.window.since,
    until: selection.window.until,
    publicUrl: safeUrl(ctx.publicUrl),
    archiveUrl: safeUrl(ctx.archiveUrl),
    subject: '',
    preheader: '',
    topHeadline: headlines[0] ?? '',
    headlines,
    itemCount: items.length,
    items,
    recipient,
  };
}

function text(value: string | undefined): string {
  return neutralizeText(singleLine(value ?? ''));
}

function url(value: string): string {
  return neutralizeUrl(safeUrl(value));
}

function outlet(provider: Provider, webUrl: string): OutletView {
  const domain = text(provider.domain) || host(webUrl);
  return { name: text(provider.name) || domain, domain };
}

function linkView(a: Article | RelatedArticle): LinkView {
  return {
    title: text(a.title),
    url: url(a.webUrl),
    host: host(a.webUrl),
    excerpt: text(a.excerpt),
    publishedMs: typeof a.publishedMs === 'number' && Number.isFinite(a.publishedMs) ? a.publishedMs : null,
    outlet: outlet(a.provider, a.webUrl),
  };
}

function leadView(a: Article): LeadView {
  const link = linkView(a);
  return {
    ...link,
    publishedMs: a.publishedMs,
    image: imageView(a.images, link.title),
    topics: a.topics.map(text),
  };
}

/** The first usable http(s) image, scaled down (never up) to the column, keeping its aspect ratio. */
export function imageView(images: ImageRef[], alt: string): ImageView | null {
  for (const image of images) {
    const src = httpUrl(image.url);
    if (!src) continue;
    const w = positive(image.width);
    const h = positive(image.height);
    if (!w) return { url: neutralizeUrl(src), alt, width: CONTENT_WIDTH, height: null };
    if (w < MIN_IMAGE_WIDTH) continue;
    const width = Math.min(w, CONTENT_WIDTH);
    return {
      url: neutralizeUrl(src),
      alt,
      width,
      height: h ? Math.max(1, Math.round((h * width) / w)) : null,
    };
  }
  return null;
}

function positive(n: number | undefined): number | undefined {
  return typeof n === 'number' && Number.isFinite(n) && n > 0 ? n : undefined;
}
