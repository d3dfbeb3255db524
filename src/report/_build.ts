import type { OutsideWindow } from '../content/index.js';
import { isoTime } from '../content/index.js';
import type {
  Considered,
  DigestReport,
  DigestWindow,
  RenderedDigest,
  ReportItem,
  Selection,
} from '../types.js';
import { ConsideredList } from './_considered.js';

/** What a build hands the report: its window, selection and rendering, and the files it loaded. */
export interface ReportInput {
  window: DigestWindow;
  selection: Selection;
  rendered?: RenderedDigest;
  /** What the size budget removed, in the order removed. */
  trimmed: string[];
  /** The load's files dated outside the window, in path order. */
  outside: OutsideWindow;
  /** The load's invalid files, in path order. */
  invalid: Considered[];
  /** Number of `.md` files found. */
  files: number;
  sizeBudget: number;
}

/**
 * The account of one build (`digest.json`, `--json`). Every field is plain data except
 * `considered`, which stays the load's columns (`consideredList`) until it is read: the report
 * file is written from the columns (see writeReportFile), so a 100,000-file build never holds
 * 100,000 entry objects.
 */
export class Report implements DigestReport {
  readonly window: DigestReport['window'];
  readonly subject: string;
  readonly preheader: string;
  readonly htmlBytes: number;
  readonly textBytes: number;
  readonly sizeBudget: number;
  readonly items: ReportItem[];
  readonly trimmed: string[];
  readonly counts: DigestReport['counts'];
  /** Every file looked at and what became of it, in path order. */
  readonly consideredList: ConsideredList;

  constructor(fields: Omit<DigestReport, 'considered'>, considered: ConsideredList) {
    this.window = fields.window;
    this.subject = fields.subject;
    this.preheader = fields.preheader;
    this.htmlBytes = fields.htmlBytes;
    this.textBytes = fields.textBytes;
    this.sizeBudget = fields.sizeBudget;
    this.items = fields.items;
    this.trimmed = fields.trimmed;
    this.counts = fields.counts;
    this.consideredList = considered;
  }

  /** The considered entries as objects (made on first read, then kept). */
  get considered(): Considered[] {
    return this.consideredList.toArray();
  }

  /** The report as one plain object, in the file's key order. */
  toJSON(): DigestReport {
    return {
      window: this.window,
      subject: this.subject,
      preheader: this.preheader,
      htmlBytes: this.htmlBytes,
      textBytes: this.textBytes,
      sizeBudget: this.sizeBudget,
      items: this.items,
      considered: this.considered,
      trimmed: this.trimmed,
      counts: this.counts,
    };
  }
}

/** The report of a build: its items, every file's status (in path order) and the counts. */
export function buildReport(input: ReportInput): Report {
  const { window, selection, rendered } = input;
  // All in path order (the loaded entries as listed): merged, not 100,000 entries sorted again.
  const considered = new ConsideredList(
    input.outside,
    mergeByPath(input.invalid, [...selection.considered].sort(byPath)),
  );
  const count = (status: Considered['status']) => considered.count(status);
  const items = selection.items.map(reportItem);
  return new Report(
    {
      window: {
        since: isoTime(window.since),
        until: isoTime(window.until),
        timeZone: window.timeZone,
        date: window.date,
      },
      subject: rendered?.subject ?? '',
      preheader: rendered?.preheader ?? '',
      htmlBytes: rendered ? Buffer.byteLength(rendered.html) : 0,
      textBytes: rendered ? Buffer.byteLength(rendered.text) : 0,
      sizeBudget: input.sizeBudget,
      items,
      trimmed: input.trimmed,
      counts: {
        files: input.files,
        inWindow: considered.length - count('outOfWindow') - count('invalid'),
        items: items.length,
        merged: count('merged'),
        overProviderCap: count('overProviderCap'),
        belowTop: count('belowTop'),
        invalid: count('invalid'),
        excludedByTopic: count('excludedByTopic'),
        trimmedForSize: count('trimmedForSize'),
      },
    },
    considered,
  );
}

function reportItem({ lead, alsoCoveredBy, related, rankedBy }: Selection['items'][number]): ReportItem {
  return {
    title: lead.title,
    webUrl: lead.webUrl,
    quality: lead.quality,
    heat: lead.heat,
    publishedAt: isoTime(lead.publishedMs),
    provider: lead.provider.domain,
    providerName: lead.provider.name,
    path: lead.path,
    ...(rankedBy === undefined ? {} : { rankedBy }),
    alsoCoveredBy: alsoCoveredBy.map((a) => ({
      title: a.title,
      webUrl: a.webUrl,
      provider: a.provider.domain,
      providerName: a.provider.name,
      path: a.path,
    })),
    related: related.map((r) => ({
      title: r.title,
      webUrl: r.webUrl,
      provider: r.provider.domain,
      quality: r.quality,
    })),
  };
}

const byPath = (a: Considered, b: Considered) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);

/** Two lists sorted by path as one (stable: on equal paths, `a`'s entry first). */
function mergeByPath(a: Considered[], b: Considered[]): Considered[] {
  const out: Considered[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    out.push(
      byPath(b[j] as Considered, a[i] as Considered) < 0 ? (b[j++] as Considered) : (a[i++] as Considered),
    );
  }
  while (i < a.length) out.push(a[i++] as Considered);
  while (j < b.length) out.push(b[j++] as Considered);
  return out;
}
