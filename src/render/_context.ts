import type { Article, ImageRef, Provider, RecipientParts, RelatedArticle, Selection } from '../types.js';
import { type BrandContext, DEFAULT_BRAND } from './_brand.js';
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
  /** Logo, accent, postal address, intro, sections and subject prefix (brandContext(config)). Default DEFAULT_BRAND. */
  brand?: BrandContext;
}

/** Width in px of the content inside the 600px column (24px padding each side). */
export const CONTENT_WIDTH = 552;

/** Narrower images (logos, thumbnails) look broken as a lead image; the item shows none. */
export const MIN_IMAGE_WIDTH = 200;

/** The thumbnail box of a compact story: always this wide, at most this tall (CSS px). */
export const THUMB_WIDTH = 96;
export const THUMB_MAX_HEIGHT = 96;

/** An outlet as templates see it. */
export interface OutletView {
  name: string;
  domain: string;
  /** The outlet's logo (`provider.images`), an http(s) URL, or null. */
  logo: string | null;
}

/** A lead image scaled to the column; `height` is null when the file does not give both sizes. */
export interface ImageView {
  url: string;
  /** Empty: the picture illustrates the headline next to it, which a screen reader reads already. */
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
  /** The number of this link in the plain text's references (`[3] https://…`), counted through the digest. */
  ref: number;
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
  /** The anchor of the story in the HTML (`story-3`), the target of "In this issue". */
  id: string;
  /** The name of the section this story opens (config `sections`), else empty. */
  section: string;
  lead: LeadView;
  /** The lead's picture as a fixed-size thumbnail (compact stories), or null. */
  thumb: ImageView | null;
  alsoCoveredBy: LinkView[];
  /** alsoCoveredBy with each outlet once, never the lead's own outlet. */
  otherOutlets: LinkView[];
  /** Distinct outlets that covered the story, the lead's included. */
  outletCount: number;
  related: LinkView[];
  /** Every link of the item in reference order: lead, other outlets, related. */
  refs: { n: number; url: string }[];
}

/** A group of stories under a heading (config `sections`); `name` is empty when sections are off. */
export interface SectionView {
  name: string;
  items: ItemView[];
}

/** The brand as templates see it. */
export interface BrandView {
  name: string;
  logo: { url: string; width: number; height: number } | null;
  accentColor: string;
  accentColorDark: string;
}

/** The object every template is rendered with. See docs/email.md. */
export interface TemplateContext {
  title: string;
  brand: BrandView;
  /** The postal address, a line each; empty when not configured. */
  postalAddress: string[];
  /** The line under the masthead: config `intro` rendered, else e.g. "10 stories from 14 outlets". */
  intro: string;
  /** Stories, distinct outlets among their articles, and articles (leads and other coverage). */
  storyCount: number;
  outletCount: number;
  articleCount: number;
  /** Text before the top story in the subject ("" for none). */
  subjectPrefix: string;
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
  /** The stories in the order shown: rank order, or with sections on, section by section. */
  items: ItemView[];
  /** The first item (shown large), or null for an empty digest. */
  topItem: ItemView | null;
  /** The items after the first, grouped (config `sections`); one unnamed section when off. */
  sections: SectionView[];
  /** Placeholder markers in the layout and text; empty strings in the subject and preheader. */
  recipient: RecipientParts;
}

/** The template context of a selection: content cleaned (one line, no markers) and links made safe. */
export function buildContext(
  selection: Selection,
  ctx: RenderContext,
  recipient: RecipientParts,
): TemplateContext {
  const brand = ctx.brand ?? DEFAULT_BRAND;
  // With sections on, the stories are shown (and numbered, and listed) in their sections' order.
  const [first, ...rest] = selection.items;
  const groups = sectionsOf(rest, brand.sections, (it) => text(it.lead.topics[0] ?? ''));
  const ordered = [
    ...(first ? [{ item: first, section: '' }] : []),
    ...groups.flatMap((g) => g.items.map((item, k) => ({ item, section: k === 0 ? g.name : '' }))),
  ];
  let ref = 0;
  const items = ordered.map(({ item, section }, i): ItemView => {
    const lead = leadView(item.lead, ++ref);
    const alsoCoveredBy = item.alsoCoveredBy.map((a) => linkView(a, 0));
    const otherOutlets = distinctOutlets(lead, alsoCoveredBy);
    for (const link of otherOutlets) link.ref = ++ref;
    const related = item.related.map((a) => linkView(a, ++ref));
    const linked = [lead, ...otherOutlets, ...related];
    return {
      rank: i + 1,
      id: `story-${i + 1}`,
      section,
      lead,
      thumb: thumbView(lead.image),
      alsoCoveredBy,
      otherOutlets,
      outletCount: 1 + otherOutlets.length,
      related,
      refs: linked.map((l) => ({ n: l.ref, url: l.url })),
    };
  });
  let offset = 1;
  const sections = groups.map((g): SectionView => {
    const view = { name: g.name, items: items.slice(offset, offset + g.items.length) };
    offset += g.items.length;
    return view;
  });
  const headlines = items.map((item) => item.lead.title);
  const outlets = new Set(items.flatMap((it) => [it.lead, ...it.alsoCoveredBy].map(outletKey)));
  const articleCount = items.reduce((n, it) => n + 1 + it.alsoCoveredBy.length, 0);
  const title = text(ctx.title);
  return {
    title,
    brand: {
      name: title,
      logo: brand.logo ? { ...brand.logo, url: url(brand.logo.url) } : null,
      accentColor: brand.accentColor,
      accentColorDark: brand.accentColorDark,
    },
    postalAddress: brand.postalAddress.map(text),
    intro: defaultIntro(items.length, outlets.size),
    storyCount: items.length,
    outletCount: outlets.size,
    articleCount,
    subjectPrefix: text(brand.subjectPrefix ?? ctx.title),
    date: selection.window.date,
    dateLabel: dateLabel(selection.window, ctx.timeZone),
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
    topItem: items[0] ?? null,
    sections,
    recipient,
  };
}

/** "10 stories from 14 outlets", "1 story from 1 outlet". */
export function defaultIntro(stories: number, outlets: number): string {
  return `${stories} ${stories === 1 ? 'story' : 'stories'} from ${outlets} ${outlets === 1 ? 'outlet' : 'outlets'}`;
}

/** The heading of stories whose topic no other story shares. */
export const OTHER_SECTION = 'More stories';

/**
 * The stories after the first grouped by topic (`topicOf`: the lead's first topic), groups in the
 * order of their best story and stories in rank order inside each; a topic only one story has
 * goes to OTHER_SECTION, last. Sections off: one unnamed group of all of them.
 */
export function sectionsOf<T>(
  items: T[],
  mode: 'off' | 'topics',
  topicOf: (item: T) => string,
): { name: string; items: T[] }[] {
  if (items.length === 0) return [];
  if (mode === 'off') return [{ name: '', items }];
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const topic = topicOf(item);
    groups.set(topic, [...(groups.get(topic) ?? []), item]);
  }
  const named: { name: string; items: T[] }[] = [];
  const other: T[] = [];
  for (const [name, group] of groups) {
    if (name && group.length > 1) named.push({ name, items: group });
    else other.push(...group);
  }
  // Back in rank order: the groups were collected topic by topic.
  other.sort((a, b) => items.indexOf(a) - items.indexOf(b));
  return other.length ? [...named, { name: OTHER_SECTION, items: other }] : named;
}

function text(value: string | undefined): string {
  return neutralizeText(singleLine(value ?? ''));
}

function url(value: string): string {
  return neutralizeUrl(safeUrl(value));
}

function outlet(provider: Provider, webUrl: string): OutletView {
  const domain = text(provider.domain) || host(webUrl);
  const logo = httpUrl(provider.imageUrl);
  return { name: text(provider.name) || domain, domain, logo: logo ? neutralizeUrl(logo) : null };
}

// One outlet is one domain (or, without one, one name): "covered by N outlets" counts these.
function outletKey(link: LinkView): string {
  return (link.outlet.domain || link.outlet.name).toLowerCase();
}

/** The other outlets of a story, each once and never the lead's own, in the order given (best first). */
export function distinctOutlets(lead: LinkView, others: LinkView[]): LinkView[] {
  const seen = new Set([outletKey(lead)]);
  return others.filter((link) => {
    const key = outletKey(link);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function linkView(a: Article | RelatedArticle, ref: number): LinkView {
  return {
    title: text(a.title),
    url: url(a.webUrl),
    host: host(a.webUrl),
    excerpt: text(a.excerpt),
    publishedMs: typeof a.publishedMs === 'number' && Number.isFinite(a.publishedMs) ? a.publishedMs : null,
    outlet: outlet(a.provider, a.webUrl),
    ref,
  };
}

function leadView(a: Article, ref: number): LeadView {
  const link = linkView(a, ref);
  return {
    ...link,
    publishedMs: a.publishedMs,
    image: imageView(a.images, ''),
    topics: a.topics.map(text),
  };
}

/**
 * The picture as a thumbnail: THUMB_WIDTH wide, its aspect kept up to a square (a taller picture
 * is cropped where the client supports object-fit), 3:2 when the file gives no size.
 */
export function thumbView(image: ImageView | null): ImageView | null {
  if (!image) return null;
  const height = image.height
    ? Math.min(THUMB_MAX_HEIGHT, Math.max(1, Math.round((image.height * THUMB_WIDTH) / image.width)))
    : Math.round((THUMB_WIDTH * 2) / 3);
  return { url: image.url, alt: '', width: THUMB_WIDTH, height };
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

const DAY_MS = 24 * 3600 * 1000;

/** `Sunday, September 13, 2020`; a window of several days (a weekly edition): `September 7 – September 13, 2020`. */
function dateLabel(window: Selection['window'], zone: string): string {
  // Over 25 hours: longer than any one local day, DST days included.
  if (window.until - window.since <= DAY_MS + 3600 * 1000) {
    return formatDate(window.since, 'EEEE, MMMM d, yyyy', zone);
  }
  return `${formatDate(window.since, 'MMMM d', zone)} – ${formatDate(window.until - 1, 'MMMM d, yyyy', zone)}`;
}
