import type { Article } from '../types.js';

/** Code-unit comparison: unlike localeCompare it cannot change with the ICU version. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Rank order of articles (negative when `a` ranks first): quality desc, heat desc, newer first,
 * then title and path, so the same input always gives the same order.
 */
export function compareArticles(a: Article, b: Article): number {
  return (
    b.quality - a.quality ||
    b.heat - a.heat ||
    b.publishedMs - a.publishedMs ||
    compareText(a.title, b.title) ||
    compareText(a.path, b.path)
  );
}

/** The provider domain an article counts against for the per-provider cap. */
export function providerDomain(article: Pick<Article, 'provider' | 'webUrl'>): string {
  const domain = article.provider.domain
    .trim()
    .toLowerCase()
    .replace(/^www\./, '');
  if (domain) return domain;
  // No domain in front matter: the site the link points at is the best stand-in.
  try {
    return new URL(article.webUrl).hostname.toLowerCase().replace(/^www\./, '');
  } catch {
    return '';
  }
}

/** Press-release wires by default (config `pressWires` replaces the list). */
export const DEFAULT_PRESS_WIRES = [
  'prnewswire.com',
  'globenewswire.com',
  'businesswire.com',
  'accesswire.com',
  'newswire.com',
  'einpresswire.com',
  'prweb.com',
  'newsfilecorp.com',
  'openpr.com',
  'prlog.org',
  'issuewire.com',
];

// A wire's dateline near the start of the text: `DUBLIN--(BUSINESS WIRE)--`, `/PRNewswire/`,
// `(GLOBE NEWSWIRE) --`, `/ACCESSWIRE/`: a release reprinted anywhere still says where it came from.
const WIRE_DATELINE =
  /(?:--|\/|\()\s*(?:BUSINESS WIRE|PR ?Newswire(?:-[A-Za-z]+)?|GLOBE NEWSWIRE|ACCESSWIRE|Newsfile Corp\.?|EIN ?Presswire|PRWEB)\s*(?:--|\/|\))/i;
// Release sections of news sites and wires: `/press-release/`, `/news-releases/`, `/mediareleases/`.
const RELEASE_PATH = /\/(?:press|news|media)-?releases?\//i;

/**
 * A press release rather than reporting: published by a wire on the list (the domain or a
 * subdomain of it), reprinted at an address that says so (MarketWatch's and AP's
 * `/press-release/`), or carrying a wire's dateline at the start of its excerpt.
 */
export function isPressRelease(
  article: Pick<Article, 'provider' | 'webUrl'> & { excerpt?: string },
  wires: readonly string[],
): boolean {
  const domain = providerDomain(article);
  if (wires.some((w) => domain === w || domain.endsWith(`.${w}`))) return true;
  let path = '';
  try {
    path = new URL(article.webUrl).pathname;
  } catch {
    // Not a URL: nothing to learn from it.
  }
  return RELEASE_PATH.test(path) || WIRE_DATELINE.test((article.excerpt ?? '').slice(0, 200));
}

/** What ranks a story, as computed once per story. */
export interface StorySignals {
  /** Distinct outlets (provider domains) whose reporting is in the story. */
  outlets: number;
  /** Every article of the story is a press release. */
  pressRelease: boolean;
  quality: number;
  heat: number;
  /** The newest article's time. */
  newestMs: number;
}

/**
 * Rank order of stories: the number of outlets that covered it first (what news aggregators
 * rank by), press releases below reporting with as many outlets, then the lead's quality and
 * heat, then the newest; `tie` (the leads' own order) settles the rest.
 */
export function compareStories(a: StorySignals, b: StorySignals, tie: number): number {
  return (
    b.outlets - a.outlets ||
    Number(a.pressRelease) - Number(b.pressRelease) ||
    b.quality - a.quality ||
    b.heat - a.heat ||
    b.newestMs - a.newestMs ||
    tie
  );
}

/** The signals that ranked a story, for the report: `3 outlets, quality 175, heat 235`. */
export function signalsText(s: StorySignals): string {
  const parts = [`${s.outlets} ${s.outlets === 1 ? 'outlet' : 'outlets'}`];
  if (s.pressRelease) parts.push('press release');
  if (s.quality !== 0) parts.push(`quality ${s.quality}`);
  if (s.heat !== 0) parts.push(`heat ${s.heat}`);
  if (s.quality === 0 && s.heat === 0)
    parts.push(`newest ${new Date(s.newestMs).toISOString().slice(0, 16)}Z`);
  return parts.join(', ');
}
