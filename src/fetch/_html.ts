import { Parser } from 'htmlparser2';
import type { ImageRef } from '../types.js';

/** Elements whose text is never shown (scripts, styles, embedded documents). */
const HIDDEN = new Set(['script', 'style', 'noscript', 'template', 'iframe', 'object', 'svg', 'head']);
/** Elements that end a line of text: their edges become spaces, so words do not run together. */
const BLOCK = new Set([
  'p',
  'br',
  'div',
  'li',
  'ul',
  'ol',
  'tr',
  'td',
  'th',
  'table',
  'blockquote',
  'figure',
  'figcaption',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'hr',
  'section',
  'article',
  'header',
  'footer',
  'pre',
  'dd',
  'dt',
]);

/**
 * The plain text of an HTML fragment: tags gone, entities decoded once (by htmlparser2, as a
 * browser would), scripts and styles dropped, block edges as spaces, whitespace collapsed.
 */
export function htmlToText(html: string): string {
  const parts: string[] = [];
  let hidden = 0;
  const parser = new Parser(
    {
      onopentag(name) {
        if (HIDDEN.has(name)) hidden++;
        else if (BLOCK.has(name)) parts.push(' ');
      },
      onclosetag(name, isImplied) {
        if (HIDDEN.has(name)) hidden = Math.max(0, hidden - 1);
        else if (BLOCK.has(name) && !isImplied) parts.push(' ');
      },
      ontext(text) {
        if (hidden === 0) parts.push(text);
      },
    },
    { decodeEntities: true, lowerCaseTags: true },
  );
  parser.write(html);
  parser.end();
  return parts.join('').replace(/\s+/g, ' ').trim();
}

/**
 * The first `<img>` of an HTML fragment that is a real picture, its `src` resolved against
 * `base`; tracking pixels (1×1, FeedBurner's `~4/` beacons) are passed over.
 */
export function firstImage(html: string, base: string): ImageRef | undefined {
  let found: ImageRef | undefined;
  const parser = new Parser(
    {
      onopentag(name, attrs) {
        if (found || name !== 'img') return;
        const src = attrs.src ?? attrs['data-src'];
        const width = dimension(attrs.width);
        const height = dimension(attrs.height);
        if (!src || (width !== undefined && width <= 2) || (height !== undefined && height <= 2)) return;
        const url = resolveUrl(src, base);
        if (!url) return;
        found = { url, ...(width ? { width } : {}), ...(height ? { height } : {}) };
      },
    },
    { decodeEntities: true, lowerCaseTags: true },
  );
  parser.write(html);
  parser.end();
  return found;
}

/** A width or height attribute as a positive whole number of pixels (`"1024"`, `1024px`), else undefined. */
export function dimension(value: unknown): number | undefined {
  const n = typeof value === 'number' ? value : Number.parseInt(String(value ?? ''), 10);
  return Number.isFinite(n) && n > 0 ? Math.round(n) : undefined;
}

/** `href` as an absolute http(s) URL, resolved against `base`; undefined for anything else. */
export function resolveUrl(href: string | undefined, base: string | undefined): string | undefined {
  if (typeof href !== 'string' || href.trim() === '') return undefined;
  try {
    const url = new URL(href.trim(), base);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : undefined;
  } catch {
    return undefined;
  }
}
