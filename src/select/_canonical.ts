/**
 * Canonical URLs for same-story detection. The result is a comparison key, not a link to show:
 * two URLs that a reader would consider the same page should give the same string.
 */

/** Query keys that only track the click. `utm_*` is handled by prefix. */
const TRACKERS = new Set([
  'fbclid',
  'gclid',
  'dclid',
  'gbraid',
  'wbraid',
  'msclkid',
  'yclid',
  'twclid',
  'igshid',
  'mc_cid',
  'mc_eid',
  '_ga',
  '_gl',
  'ocid',
  'smid',
  'cmpid',
  'ncid',
]);

/** Query keys that select the AMP rendering of the same article. */
function isAmpParam(key: string, value: string): boolean {
  const k = key.toLowerCase();
  const v = value.toLowerCase();
  if (k === 'amp') return true; // ?amp, ?amp=1, ?amp=true
  return (k === 'outputtype' || k === 'output' || k === 'format') && v === 'amp';
}

function isTracker(key: string): boolean {
  const k = key.toLowerCase();
  return k.startsWith('utm_') || TRACKERS.has(k);
}

/** `www.`, `amp.` and `m.` are the same site; keep at least a two-label host. */
function canonicalHost(host: string): string {
  let h = host.toLowerCase().replace(/\.$/, '');
  for (let i = 0; i < 3; i++) {
    const m = /^(www\d?|amp|m)\.(.+\..+)$/.exec(h);
    if (!m?.[2]) break;
    h = m[2];
  }
  return h;
}

/** `https://<x>.cdn.ampproject.org/c/s/<host>/<path>` (also `/v/`, and without `s/` for http). */
function unwrapAmpCache(url: URL): URL {
  const host = url.hostname.toLowerCase();
  if (host !== 'cdn.ampproject.org' && !host.endsWith('.cdn.ampproject.org')) return url;
  const m = /^\/[cv]\/(s\/)?([^/]+)(\/.*)?$/.exec(url.pathname);
  if (!m?.[2]) return url;
  try {
    return new URL(`${m[1] ? 'https' : 'http'}://${m[2]}${m[3] ?? '/'}${url.search}`);
  } catch {
    return url;
  }
}

function canonicalPath(pathname: string): string {
  const segments = pathname
    .split('/')
    .filter((s) => s !== '' && s.toLowerCase() !== 'amp')
    .map((s) => s.replace(/\.amp(\.html?)?$/i, (_all, ext: string | undefined) => ext ?? ''));
  return segments.length === 0 ? '' : `/${segments.join('/')}`;
}

/**
 * The comparison key of a URL: scheme ignored (always https), lower-case host without
 * `www.`/`amp.`/`m.`, no fragment, no trailing slash, no tracking or AMP parameters, AMP paths and
 * AMP-cache wrappers undone, remaining query parameters sorted. Non-http(s) input is returned trimmed.
 */
export function canonicalUrl(url: string): string {
  const raw = url.trim();
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    return raw;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return raw;
  parsed = unwrapAmpCache(parsed);
  const params = [...parsed.searchParams.entries()]
    .filter(([k, v]) => !isTracker(k) && !isAmpParam(k, v))
    .sort(([ak, av], [bk, bv]) => (ak < bk ? -1 : ak > bk ? 1 : av < bv ? -1 : av > bv ? 1 : 0));
  const query = params.length === 0 ? '' : `?${new URLSearchParams(params).toString()}`;
  const port = parsed.port && parsed.port !== '80' && parsed.port !== '443' ? `:${parsed.port}` : '';
  return `https://${canonicalHost(parsed.hostname)}${port}${canonicalPath(parsed.pathname)}${query}`;
}

/** True for an absolute http or https URL: the only links a digest may show. */
export function isHttpUrl(url: string): boolean {
  try {
    const parsed = new URL(url.trim());
    return (parsed.protocol === 'http:' || parsed.protocol === 'https:') && parsed.hostname !== '';
  } catch {
    return false;
  }
}
