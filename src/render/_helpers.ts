// The function's own module: the date-fns index loads all of date-fns (about 0.2 s at start-up).

import type Handlebars from 'handlebars';
import type { HelperOptions } from 'handlebars';
import { formatDate } from './_date-format.js';
import { truncate, wrap } from './_text.js';
import { host, safeUrl } from './_url.js';

/** The default `formatDate` pattern, e.g. `Sep 13, 2020, 4:05 PM`. */
export const DEFAULT_DATE_FORMAT = 'MMM d, yyyy, h:mm a';

type Hb = typeof Handlebars;

// Handlebars passes its options object as the last argument of every helper call.
function isOptions(value: unknown): value is HelperOptions {
  return typeof value === 'object' && value !== null && 'hash' in value && 'data' in value;
}

/** `formatDate ms [pattern] [tz="Zone"]`: a date-fns pattern, in the digest's time zone by default. */
export function formatDateHelper(value: unknown, ...rest: unknown[]): string {
  const options = rest.at(-1);
  const pattern = typeof rest[0] === 'string' ? rest[0] : DEFAULT_DATE_FORMAT;
  const hash = isOptions(options) ? (options.hash as Record<string, unknown>) : {};
  const root = isOptions(options) ? (options.data?.root as { timeZone?: unknown } | undefined) : undefined;
  const zone =
    typeof hash.tz === 'string' ? hash.tz : typeof root?.timeZone === 'string' ? root.timeZone : 'UTC';
  const ms = typeof value === 'number' ? value : typeof value === 'string' ? Date.parse(value) : Number.NaN;
  if (!Number.isFinite(ms)) return '';
  return formatDate(ms, pattern, zone);
}

/** Register the template helpers on one isolated Handlebars instance. */
export function registerHelpers(hb: Hb): void {
  hb.registerHelper('formatDate', formatDateHelper);
  hb.registerHelper('host', (url: unknown) => host(url));
  hb.registerHelper('safeUrl', (url: unknown) => safeUrl(url));
  // Always at a word (a number such as 1,234,567 is one word): prose is never cut mid-word.
  hb.registerHelper('truncate', (value: unknown, max: unknown) =>
    truncate(String(value ?? ''), typeof max === 'number' ? max : 100, { atWord: true }),
  );
  hb.registerHelper('wrap', (value: unknown, options: HelperOptions) => {
    const hash = options.hash as { width?: number; indent?: string; first?: string };
    const indent = hash.indent ?? '';
    return wrap(String(value ?? ''), hash.width ?? 76, indent, hash.first ?? indent);
  });
  hb.registerHelper('add', (a: unknown, b: unknown) => Number(a) + Number(b));
  hb.registerHelper('eq', (a: unknown, b: unknown) => a === b);
  hb.registerHelper('concat', (...args: unknown[]) =>
    args
      .slice(0, -1)
      .map((a) => String(a ?? ''))
      .join(''),
  );
  hb.registerHelper('slice', (list: unknown, start: unknown, end: unknown) => {
    if (!Array.isArray(list)) return [];
    return list.slice(Number(start) || 0, typeof end === 'number' ? end : undefined);
  });
  hb.registerHelper('plural', pluralHelper);
  hb.registerHelper('outletRefs', outletRefs);
  hb.registerHelper('join', (list: unknown, sep: unknown) =>
    Array.isArray(list) ? list.map((v) => String(v ?? '')).join(typeof sep === 'string' ? sep : ', ') : '',
  );
}

/** `plural n "story" ["stories"]`: the word for `n` (the plural form defaults to the word + "s"). */
export function pluralHelper(n: unknown, one: unknown, ...rest: unknown[]): string {
  const many = typeof rest[0] === 'string' ? rest[0] : `${String(one)}s`;
  return Number(n) === 1 ? String(one) : many;
}

/** `outletRefs links`: "Fox News [2], CNN [3]", the outlets with their plain-text reference numbers. */
export function outletRefs(list: unknown): string {
  if (!Array.isArray(list)) return '';
  return list
    .map(
      (l: { outlet?: { name?: unknown }; ref?: unknown }) =>
        `${String(l.outlet?.name ?? '')} [${String(l.ref)}]`,
    )
    .join(', ');
}
