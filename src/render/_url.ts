/** What `safeUrl` returns for anything that is not an http(s) URL: a link to nowhere. */
export const UNSAFE_URL = '#';

/**
 * The URL when it is an absolute http or https URL, else `#`. The content stage filters links
 * too; this is the second fence, so `javascript:`, `data:`, `vbscript:` and relative or
 * malformed links never reach an `href` or `src`.
 */
export function safeUrl(value: unknown): string {
  const url = httpUrl(value);
  return url ?? UNSAFE_URL;
}

/** The parsed URL when `value` is an absolute http(s) URL; undefined otherwise. */
export function httpUrl(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  if (!/^https?:\/\//i.test(trimmed)) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(trimmed);
  } catch {
    return undefined;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return undefined;
  // Keep the author's spelling unless it holds whitespace or quotes; then use the parser's encoding.
  return /[\s"'<>`\\]/.test(trimmed) ? parsed.href : trimmed;
}

/** The host of a link without `www.`, e.g. `nytimes.com`; empty for anything but http(s). */
export function host(value: unknown): string {
  const url = httpUrl(value);
  if (!url) return '';
  return new URL(url).hostname.replace(/^www\./i, '');
}
