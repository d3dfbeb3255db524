/**
 * The data that flows through the pipeline: content -> select -> render -> deliver.
 * Everything here is plain JSON-serialisable data (times are epoch milliseconds),
 * so an Article can be cached in the content index and compared byte for byte.
 */

/** An image reference from front matter; width/height are pixels when known. */
export interface ImageRef {
  url: string;
  width?: number;
  height?: number;
}

/** The outlet that published an article. `domain` is lower-case, without `www.`. */
export interface Provider {
  name: string;
  domain: string;
  /** First usable logo/image URL from `provider.images`, if any. */
  imageUrl?: string;
}

/** Another outlet's article on the same story (front matter `related[]`). */
export interface RelatedArticle {
  title: string;
  excerpt: string;
  webUrl: string;
  /** The AMP page's address, when the entry gives an http(s) one. */
  ampWebUrl?: string;
  provider: Provider;
  /** Missing means 0. */
  quality: number;
  publishedMs?: number;
  image?: ImageRef;
}

/** One valid article file, normalised. */
export interface Article {
  /** Path relative to the content folder, with forward slashes. */
  path: string;
  title: string;
  /** Trimmed; stray escaped newlines (`\n` literals) removed; may be empty. */
  excerpt: string;
  /** The publish instant, epoch milliseconds (UTC). */
  publishedMs: number;
  webUrl: string;
  ampWebUrl?: string;
  /** Missing means 0. */
  quality: number;
  /** Missing means 0. */
  heat: number;
  /** Front matter `type`, default "article". */
  type: string;
  provider: Provider;
  topics: string[];
  /** Only http(s) images, in file order. */
  images: ImageRef[];
  /** Only entries with an http(s) webUrl and a title. */
  related: RelatedArticle[];
}

/** Why one file could not be used: reported as `path: field: message`. */
export interface ContentProblem {
  path: string;
  field: string;
  message: string;
  /** What the user should do about it. */
  hint?: string;
}

/** The half-open time window [since, until) of a digest. */
export interface DigestWindow {
  since: number;
  until: number;
  timeZone: string;
  /** `YYYY-MM-DD` when the window is a local calendar day; for a range, the local date of `since`. */
  date: string;
}

export type ConsideredStatus =
  | 'included'
  | 'merged'
  | 'overProviderCap'
  | 'belowTop'
  | 'outOfWindow'
  | 'invalid'
  | 'trimmedForSize'
  | 'excludedByTopic';

/** One file that the build looked at, with what became of it. */
export interface Considered {
  path: string;
  status: ConsideredStatus;
  reason: string;
  title?: string;
  webUrl?: string;
  quality?: number;
  heat?: number;
  /** ISO instant. */
  publishedAt?: string;
  providerDomain?: string;
  /** For `merged`: the webUrl of the item it was merged into. */
  mergedInto?: string;
}

/** One story in the digest: the best-ranked article leads, other coverage follows. */
export interface DigestItem {
  lead: Article;
  /** Other articles in the window on the same story, best first. */
  alsoCoveredBy: Article[];
  /** Related links chosen for this item (after caps and de-duplication). */
  related: RelatedArticle[];
  /** The signals that ranked the story, e.g. `6 outlets, quality 175, heat 235`. */
  rankedBy?: string;
}

/** Output of the select stage. Items are in final rank order. */
export interface Selection {
  window: DigestWindow;
  items: DigestItem[];
  /** Every file looked at, in a stable order (path). */
  considered: Considered[];
  /** Fields that were cut to be shown (the files are still used). */
  problems?: ContentProblem[];
}

/** Output of the render stage. Recipient parts are still placeholders (see render/_personalize). */
export interface RenderedDigest {
  subject: string;
  preheader: string;
  html: string;
  text: string;
  mjml: string;
}

/** The per-recipient values that are filled into a rendered digest. */
export interface RecipientParts {
  email: string;
  name: string;
  unsubscribeUrl: string;
  /** The preference page ("Manage subscription"); default: derived from unsubscribeUrl (see manageUrlOf). */
  manageUrl?: string;
}

/** One item as written to `digest.json` and printed by `--json`. */
export interface ReportItem {
  title: string;
  webUrl: string;
  quality: number;
  heat: number;
  /** ISO instant. */
  publishedAt: string;
  /** Provider domain. */
  provider: string;
  providerName: string;
  path: string;
  /** The signals that ranked the story (see DigestItem.rankedBy). */
  rankedBy?: string;
  alsoCoveredBy: { title: string; webUrl: string; provider: string; providerName: string; path: string }[];
  related: { title: string; webUrl: string; provider: string; quality: number }[];
}

/** The machine-readable account of one build (`digest.json`, `--json`). */
export interface DigestReport {
  window: { since: string; until: string; timeZone: string; date: string };
  subject: string;
  preheader: string;
  htmlBytes: number;
  textBytes: number;
  sizeBudget: number;
  items: ReportItem[];
  considered: Considered[];
  /** What the size budget removed, in the order removed, e.g. "related links of item 10". */
  trimmed: string[];
  counts: {
    files: number;
    inWindow: number;
    items: number;
    merged: number;
    overProviderCap: number;
    belowTop: number;
    invalid: number;
    excludedByTopic: number;
    trimmedForSize: number;
  };
}
