import { IMAGE_SIZES, OUTLETS, type Outlet } from './_outlets.js';
import { Random } from './_random.js';
import { type Draft, type DraftImage, type DraftRelated, renderDraft } from './_render.js';
import { inventExcerpt, inventStory, retitle, slugify } from './_text.js';
import { BEATS, type Beat } from './_words.js';

/** Options of the sample generator; the defaults give the bundled `content/` folder. */
export interface SampleOptions {
  /** PRNG seed; the same options always give the same bytes. Default 1. */
  seed?: number;
  /** Number of article files. Default 60. */
  count?: number;
  /** First day (UTC), `YYYY-MM-DD` or a Date. Default 2026-11-20. */
  start?: string | Date;
  /** Days the articles are spread over, evenly. Default 5. */
  days?: number;
}

/** One generated file: a path relative to the output folder (with `/`) and its text. */
export interface SampleFile {
  path: string;
  text: string;
}

const DAY = 86_400_000;
const MINUTE = 60_000;

/**
 * Generate sample article files lazily, one at a time, so 100,000 of them never sit in memory.
 * Stories are invented on a random beat; about a quarter are covered by two or three outlets
 * with near-identical titles, and some outlets also publish a feed/AMP/`utm_` copy of a story.
 */
export function* sampleFiles(options: SampleOptions = {}): Generator<SampleFile> {
  const { seed, count, startMs, days } = resolveOptions(options);
  const rng = new Random(seed);
  const used = new Set<string>();
  let produced = 0;
  const emit = (draft: Draft, section: string, fileDay: number): SampleFile => {
    produced++;
    return { path: uniquePath(used, section, fileDay, draft.title), text: renderDraft(draft) };
  };
  while (produced < count) {
    const day = startMs + Math.floor((produced * days) / count) * DAY;
    const beat = rng.pick(BEATS);
    const story = inventStory(rng, beat);
    const excerpt = inventExcerpt(rng, story);
    const copies = Math.min(count - produced, rng.chance(0.72) ? 1 : rng.chance(0.65) ? 2 : 3);
    // 05:00 to 21:00 UTC, so same-story copies up to 2.5 hours later stay on the same UTC day.
    const firstMs = day + rng.int(5 * 60, 21 * 60) * MINUTE;
    for (const [k, outlet] of rng.sample(OUTLETS, copies).entries()) {
      const publishedMs = firstMs + (k === 0 ? 0 : rng.int(10, 150)) * MINUTE;
      const title = k === 0 ? story.title : retitle(rng, story.title);
      const text = k === 0 || rng.chance(0.5) ? excerpt : inventExcerpt(rng, story);
      const draft = makeDraft(rng, { beat, outlet, title, excerpt: text, publishedMs });
      yield emit(draft, beat.section, fileDay(rng, publishedMs));
      if (produced < count && rng.chance(0.08)) {
        // The same article again through a feed or AMP address, filed a day later.
        const copy = { ...draft, webUrl: variantUrl(rng, draft.webUrl, outlet), secured: secured(rng) };
        yield emit(copy, beat.section, Math.floor(publishedMs / DAY) * DAY + DAY);
      }
    }
  }
}

/** All sample files as an array: fine for tests and the bundled 60; use sampleFiles for more. */
export function generateArticles(options: SampleOptions = {}): SampleFile[] {
  return [...sampleFiles(options)];
}

function resolveOptions(options: SampleOptions) {
  const seed = options.seed ?? 1;
  const count = options.count ?? 60;
  const days = options.days ?? 5;
  const start = options.start ?? '2026-11-20';
  const startMs =
    start instanceof Date
      ? Math.floor(start.getTime() / DAY) * DAY
      : /^\d{4}-\d{2}-\d{2}$/.test(start)
        ? Date.parse(`${start}T00:00:00Z`)
        : Number.NaN;
  if (!Number.isInteger(seed)) throw new RangeError(`seed must be an integer, got ${seed}`);
  if (!Number.isInteger(count) || count < 0)
    throw new RangeError(`count must be a whole number, got ${count}`);
  if (!Number.isInteger(days) || days < 1) throw new RangeError(`days must be 1 or more, got ${days}`);
  if (Number.isNaN(startMs)) throw new RangeError(`start must be a date as YYYY-MM-DD, got ${String(start)}`);
  return { seed, count, days, startMs };
}

interface DraftInput {
  beat: Beat;
  outlet: Outlet;
  title: string;
  excerpt: string;
  publishedMs: number;
}

function makeDraft(rng: Random, input: DraftInput): Draft {
  const { beat, outlet, title, publishedMs } = input;
  const webUrl = articleUrl(rng, outlet, beat.section, title, publishedMs);
  const scored = outlet.quality !== undefined && !rng.chance(0.05);
  const topics = rng.chance(0.5) ? [...beat.topics, rng.pick(beat.extraTopics)] : [...beat.topics];
  const draft: Draft = {
    title,
    // A few feeds leave escaped newlines at the end of the excerpt; some have none at all.
    excerpt: rng.chance(0.05) ? '' : rng.chance(0.1) ? `${input.excerpt}\n    \n` : input.excerpt,
    dateText: dateText(rng, publishedMs, outlet.offset),
    outlet,
    webUrl,
    quality: scored ? clamp((outlet.quality ?? 0) + rng.int(-35, 40), 5, 200) : undefined,
    heat: scored ? (rng.chance(0.5) ? -1 : rng.int(0, 990)) : undefined,
    published: rng.chance(0.35),
    topics,
    images: rng.chance(0.15) ? [] : images(rng, outlet, title, publishedMs, rng.chance(0.2) ? 2 : 1),
    related: related(rng, beat, publishedMs),
    secured: secured(rng),
  };
  const amp = ampUrl(webUrl, outlet);
  if (amp) draft.ampWebUrl = amp;
  return draft;
}

/** Mostly none or a handful; now and then a long list (50-120), as in the real feeds. */
function related(rng: Random, beat: Beat, publishedMs: number): DraftRelated[] {
  const roll = rng.next();
  const n = roll < 0.3 ? 0 : roll < 0.89 ? rng.int(1, 6) : roll < 0.97 ? rng.int(8, 16) : rng.int(50, 120);
  const items: DraftRelated[] = [];
  for (let i = 0; i < n; i++) {
    const itemBeat = rng.chance(0.6) ? beat : rng.pick(BEATS);
    const story = inventStory(rng, itemBeat);
    const outlet = rng.pick(OUTLETS);
    // Related coverage is mostly newer than the article: up to 30 days later, at most 2 days before.
    const when = publishedMs + rng.int(-2 * 24 * 60, 30 * 24 * 60) * MINUTE;
    const webUrl = articleUrl(rng, outlet, itemBeat.section, story.title, when);
    const item: DraftRelated = {
      title: story.title,
      excerpt: rng.chance(0.1) ? '' : inventExcerpt(rng, story),
      dateText: isoSeconds(when),
      webUrl,
      outlet,
    };
    const amp = ampUrl(webUrl, outlet);
    if (amp) item.ampWebUrl = amp;
    if (outlet.quality !== undefined) item.quality = clamp(outlet.quality + rng.int(-35, 40), 5, 200);
    if (rng.chance(0.8)) item.image = images(rng, outlet, story.title, when, 1)[0];
    items.push(item);
  }
  return items;
}

function articleUrl(rng: Random, outlet: Outlet, section: string, title: string, ms: number): string {
  const base = `https://${outlet.www ? 'www.' : ''}${outlet.domain}`;
  const slug = slugify(title);
  if (outlet.urlStyle === 'dated')
    return `${base}/${isoSeconds(ms).slice(0, 10).replace(/-/g, '/')}/${slug}/`;
  if (outlet.urlStyle === 'id') return `${base}/news/${slug}-${rng.int(100_000, 999_999)}`;
  return `${base}/${section}/${slug}.html`;
}

function ampUrl(webUrl: string, outlet: Outlet): string | undefined {
  if (outlet.amp === 'path') return webUrl.endsWith('/') ? `${webUrl}amp/` : `${webUrl}/amp`;
  if (outlet.amp === 'query') return `${webUrl}?outputType=amp`;
  return undefined;
}

function variantUrl(rng: Random, webUrl: string, outlet: Outlet): string {
  const amp = ampUrl(webUrl, outlet);
  if (amp && rng.chance(0.5)) return amp;
  return `${webUrl}?utm_source=${rng.pick(['feed', 'rss', 'partner'])}&utm_medium=${rng.pick(['rss', 'referral'])}`;
}

function images(rng: Random, outlet: Outlet, title: string, ms: number, n: number): DraftImage[] {
  const folder = `${outlet.domain.split('.')[0]}/${isoSeconds(ms).slice(0, 7).replace('-', '/')}`;
  return Array.from({ length: n }, (_, i) => {
    const [width, height] = rng.pick(IMAGE_SIZES);
    return {
      url: `https://images.example.com/${folder}/${slugify(title)}${i ? `-${i + 1}` : ''}.jpg`,
      width,
      height,
    };
  });
}

/**
 * publishedDateTime in the mix of forms readers must accept: mostly unquoted `...Z`, then
 * quoted, with the outlet's offset, with milliseconds, the YAML space form, and date-only.
 */
function dateText(rng: Random, ms: number, offset: number): string {
  const roll = rng.next();
  if (roll < 0.62) return isoSeconds(ms);
  if (roll < 0.72) return `"${isoSeconds(ms)}"`;
  if (roll < 0.87) return rng.chance(0.5) ? withOffset(ms, offset) : `"${withOffset(ms, offset)}"`;
  if (roll < 0.91) return new Date(ms).toISOString();
  if (roll < 0.96)
    return withOffset(ms, offset)
      .replace('T', ' ')
      .replace(/([+-]\d\d:\d\d)$/, ' $1');
  return isoSeconds(ms).slice(0, 10);
}

/** The file name's date: usually the publish day (UTC), sometimes the day after or before. */
function fileDay(rng: Random, ms: number): number {
  const day = Math.floor(ms / DAY) * DAY;
  const roll = rng.next();
  return roll < 0.75 ? day : roll < 0.93 ? day + DAY : day - DAY;
}

function uniquePath(used: Set<string>, section: string, dayMs: number, title: string): string {
  const stem = `${section}/${isoSeconds(dayMs).slice(0, 10)}-${slugify(title)}`;
  let path = `${stem}.md`;
  for (let n = 2; used.has(path); n++) path = `${stem}-${n}.md`;
  used.add(path);
  return path;
}

/** `2026-11-20T09:30:00Z` */
function isoSeconds(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}Z`;
}

/** The local wall time at `offset` minutes from UTC: `2026-11-20T04:30:00-05:00`. */
function withOffset(ms: number, offset: number): string {
  const local = new Date(ms + offset * MINUTE).toISOString().slice(0, 19);
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

const BASE64 = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'];

/** An opaque token like the feeds' `secured` field (ignored by the reader). */
function secured(rng: Random): string {
  return `${Array.from({ length: 4 * rng.int(16, 28) }, () => rng.pick(BASE64)).join('')}=`;
}

function clamp(n: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, n));
}
