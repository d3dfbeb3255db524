import { type Edition, editionId } from '../editions/index.js';
import type { BuildResult } from '../pipeline.js';

/** One day's build as the preview shows it: the pipeline result and the web copy of the email. */
export interface DayBuild {
  result: BuildResult;
  /** The email with recipient parts filled with generic values; absent for an empty day. */
  web?: { html: string; text: string };
}

/** A build attempt at one sources version: a template error is an outcome too, not a crash. */
export type DayOutcome =
  | { ok: true; version: number; build: DayBuild }
  | { ok: false; version: number; error: unknown };

/** What the index shows of a day's build: small enough to keep for every day. */
export type DaySummary = { ok: true; items: number; headline?: string } | { ok: false; error: unknown };

/** A day that has articles, newest first in lists. */
export interface ArticleDay {
  date: string;
  articles: number;
}

/** How the cache gets its data: the pipeline in the server, stand-ins in unit tests. */
export interface BuildSource {
  /** `edition`: a topic or weekly edition of the day (docs/editions.md); absent: the daily. */
  buildDay(date: string, timeZone: string, top: number, edition?: Edition): Promise<DayBuild>;
  listDays(timeZone: string): Promise<ArticleDay[]>;
}

/**
 * Builds keyed by day, zone, top N and the sources version. The watcher bumps the version; nothing
 * is rebuilt until a page asks for it, so only open pages pay for a change. Concurrent requests for
 * the same day (the page, then its iframe) share one promise.
 */
export class BuildCache {
  private current = 0;
  private readonly builds = new Map<string, Promise<DayOutcome>>();
  private readonly summaries = new Map<string, DaySummary>();
  private readonly dayLists = new Map<string, Promise<ArticleDay[]>>();
  private readonly warming = new Map<string, Promise<number>>();

  constructor(
    private readonly source: BuildSource,
    /** Full builds kept (html, text, report); summaries of every day are kept regardless. */
    private readonly maxBuilds = 16,
  ) {}

  /** The sources version: bumped on every change the watcher reports. */
  get version(): number {
    return this.current;
  }

  /**
   * Sources changed: forget every build. Returns the new version. The list of days depends only
   * on the articles, so a template edit keeps it (`contentChanged: false`) and saves a folder scan.
   */
  invalidate(options: { contentChanged?: boolean } = {}): number {
    this.current += 1;
    this.builds.clear();
    this.summaries.clear();
    if (options.contentChanged !== false) this.dayLists.clear();
    this.warming.clear();
    return this.current;
  }

  /** The build of one day (or one edition of it) at the current version. Never rejects. */
  day(date: string, timeZone: string, top: number, edition?: Edition): Promise<DayOutcome> {
    // The daily's key is the one summaries use; an edition's names the edition too.
    const key = `${date}|${timeZone}|${top}${edition ? `|${editionId(edition)}` : ''}`;
    const cached = this.builds.get(key);
    if (cached) return cached;
    const version = this.current;
    const pending = this.source.buildDay(date, timeZone, top, edition).then(
      (build): DayOutcome => ({ ok: true, version, build }),
      (error: unknown): DayOutcome => ({ ok: false, version, error }),
    );
    this.builds.set(key, pending);
    void pending.then((outcome) => {
      if (this.current === version) this.summaries.set(key, summarize(outcome));
    });
    // Oldest first out: a long session of clicking through days must not grow without bound.
    while (this.builds.size > this.maxBuilds) {
      this.builds.delete(this.builds.keys().next().value as string);
    }
    return pending;
  }

  /** What the index shows of a day, if it has been built at the current version; never builds. */
  summary(date: string, timeZone: string, top: number): DaySummary | undefined {
    return this.summaries.get(`${date}|${timeZone}|${top}`);
  }

  /**
   * Build the days that have no summary yet, one after another (one MJML render at a time leaves
   * the machine usable for the editor). Resolves with the version they were built at. A second
   * call for the same zone and top N while the first runs shares it.
   */
  warm(dates: string[], timeZone: string, top: number): Promise<number> {
    const key = `${timeZone}|${top}`;
    const running = this.warming.get(key);
    if (running) return running;
    const version = this.current;
    const job = (async () => {
      for (const date of dates) {
        if (this.current !== version) break;
        if (!this.summary(date, timeZone, top)) await this.day(date, timeZone, top);
      }
      return version;
    })();
    this.warming.set(key, job);
    void job.then(() => {
      if (this.warming.get(key) === job) this.warming.delete(key);
    });
    return job;
  }

  /** Every day with articles in `timeZone`, newest first. Rejects when the folder cannot be read. */
  days(timeZone: string): Promise<ArticleDay[]> {
    const cached = this.dayLists.get(timeZone);
    if (cached) return cached;
    const pending = this.source.listDays(timeZone);
    this.dayLists.set(timeZone, pending);
    // A failed listing (folder missing) must be retried on the next request, not remembered.
    pending.catch(() => {
      if (this.dayLists.get(timeZone) === pending) this.dayLists.delete(timeZone);
    });
    return pending;
  }
}

function summarize(outcome: DayOutcome): DaySummary {
  if (!outcome.ok) return { ok: false, error: outcome.error };
  const { items } = outcome.build.result.report;
  return { ok: true, items: items.length, headline: items[0]?.title };
}
