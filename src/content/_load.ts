import { realpath } from 'node:fs/promises';
import { sep } from 'node:path';
import type { Article, Considered, ContentProblem } from '../types.js';
import { classify, fromParsed, inWindow, type Outcome, outcomeOf } from './_classify.js';
import { foldersUnchanged, type Listing, listArticleFiles } from './_find.js';
import type { ContentIndex, IndexSession } from './_index.js';
import { OutsideWindow } from './_outside.js';
import { beginScan, type ParallelOptions, scanAll, scanThreads, startScanWorkers } from './_parallel.js';
import { readArticleFile } from './_read.js';
import { type ScanOutput, scanOutput, TOO_LARGE, UNCHANGED, UNREADABLE } from './_scan.js';

export interface LoadOptions {
  /** IANA zone for date-only and offset-less `publishedDateTime` values. */
  timeZone: string;
  /** Keep articles with since <= publishedMs < until (epoch ms). */
  window: { since: number; until: number };
  /** Unused since files are read synchronously in batches (see _read.ts); kept for callers. */
  concurrency?: number;
  /** The content index to consult and update (openContentIndex); without one every file is read. */
  index?: ContentIndex;
  /** Scan worker threads besides this one (see scanThreads). Default 0. */
  threads?: ParallelOptions['threads'];
  /** The compiled scan worker (tests running TS sources pass dist's). */
  workerScript?: ParallelOptions['workerScript'];
  /** Files to read below which no worker starts (see scanAll). */
  minFilesForWorkers?: number;
  /**
   * Called once the files are listed and matched with the index, before the scan: how many there
   * are and how many must be read. A cold build can start other slow work (loading MJML) now,
   * on this thread, while the scan workers read.
   */
  onScanStart?: (scan: { files: number; toRead: number; threads: number }) => void;
  /**
   * Return before the content index is written (its snapshot is deflated on a pool thread
   * meanwhile): `indexWritten` settles when it is. The caller must await that before closing the
   * index. Default false: the index is written when loadArticles returns.
   */
  deferIndexWrite?: boolean;
}

export interface LoadResult {
  /** Valid articles inside the window, in path order. */
  articles: Article[];
  /** The files dated outside the window, in path order, as columns (see OutsideWindow). */
  outside: OutsideWindow;
  /** The `invalid` entry of each file that could not be used, in path order. */
  invalid: Considered[];
  /**
   * Every file but the articles in the window: `outOfWindow` or `invalid`, in path order. Made
   * from `outside` and `invalid` each time it is read (100,000 objects in a large folder).
   */
  readonly considered: Considered[];
  /** Why each invalid file was skipped, in path order. */
  problems: ContentProblem[];
  /** Number of `.md` files found. */
  files: number;
  /**
   * How the files were decided: read from disk, parsed in full, known from the index by stat
   * alone; how many of them scan workers handled; whether the list of files came from the index
   * (no folder had changed) instead of reading the folders.
   */
  counts: { read: number; parsed: number; fromIndex: number; inWorkers: number; reusedListing: boolean };
  /** Notes about the content index (unavailable, rebuilt, damaged entries), one line each. */
  notes: string[];
  /** Settles once the content index is written (at once unless `deferIndexWrite`); never rejects. */
  indexWritten: Promise<void>;
}

/**
 * Read every article file under `dir` and keep those inside the window.
 * 1. find the `.md` files (sorted paths), or with an index whose last listing's folders all
 *    still have their stamps, take that listing's paths (see foldersUnchanged);
 * 2. with an index, line each file up with its index entry (the stamp it had when last read);
 * 3. scan, on this thread and worker threads together (see scanAll): a file whose stat matches
 *    its entry is not read; every other file is read and looked at cheaply, then parsed in full
 *    only when its date is in the window or unclear (see classify);
 * 4. decide each file in path order: an unchanged file from the index (its date, or its stored
 *    full parse when the date is in the window), the others from what the scan found;
 * 5. keep only in-window articles; every other file becomes a small `outOfWindow` or `invalid`
 *    entry at once, so memory follows the window, not the folder;
 * 6. write what changed back to the index (before returning, unless deferIndexWrite).
 * With or without the index and workers, the result is the same (tests/scale compares them).
 */
export async function loadArticles(dir: string, opts: LoadOptions): Promise<LoadResult> {
  const { timeZone, window } = opts;
  const parallel = {
    threads: opts.threads,
    workerScript: opts.workerScript,
    minFilesForWorkers: opts.minFilesForWorkers,
  };
  const root = opts.index ? await realpath(dir).catch(() => undefined) : undefined;
  const session = root === undefined ? undefined : opts.index?.begin(root, timeZone, window);
  const previous = session?.previousListing();
  // Workers start as soon as the folder is known to be large enough to want them anyway, so
  // that their start-up overlaps the listing and the matching with the index.
  let early = previous ? startScanWorkers(previous.files, parallel) : undefined;
  // Not path.join: it normalises every path again, a measurable cost at 100,000 files.
  const prefix = dir.endsWith(sep) || dir.endsWith('/') ? dir : `${dir}/`;
  let listing: Listing;
  let reused = false;
  let prestat: ReturnType<typeof beginScan> | undefined;
  try {
    if (previous && foldersUnchanged(dir, previous.folders)) {
      // No folder changed since the last listing: the same files, without reading any folder.
      listing = { files: previous.paths(), folders: previous.folders, problems: [] };
      reused = true;
    } else {
      if (previous && early && session) {
        // A folder changed, but most files the index knows are still there and unchanged: the
        // worker stats them while this thread lists the folders again (see the scan below).
        const known = session.oldStamps();
        // Decoded from the index's bytes only for the chunks this thread stats (see beginScan).
        const oldPaths: string[] = new Array(previous.files);
        prestat = beginScan(
          { prefix, paths: oldPaths, timeZone, window, known, statOnly: true },
          parallel,
          early,
          previous.bytes,
        );
        early = undefined;
      }
      listing = await listArticleFiles(dir);
    }
  } catch (error) {
    early?.cancel();
    await prestat?.join();
    throw error;
  }
  const paths = listing.files;
  // After a stat of the index's paths, the few changed and new files are read on this thread:
  // a second worker would only compete for the CPUs while it starts.
  if (!prestat) early ??= startScanWorkers(paths.length, parallel);
  session?.setListing(paths.length, listing.folders, reused);
  const n = paths.length;

  const entry = new Int32Array(n).fill(-1);
  // Shared, so that scan workers read it without a copy.
  const known = new Float64Array(new SharedArrayBuffer(32 * n)).fill(Number.NaN);
  if (session) {
    for (let i = 0; i < n; i++) {
      const at = session.match(paths[i] as string);
      if (at === undefined) continue;
      entry[i] = at;
      session.copyStamp(at, known, 4 * i);
    }
  }
  const input = { prefix, paths, timeZone, window, known };
  if (opts.onScanStart) {
    let toRead = 0;
    for (let i = 0; i < n; i++) if (entry[i] === -1) toRead++;
    opts.onScanStart({ files: n, toRead, threads: scanThreads(input, parallel) });
  }
  // After a stat of the index's paths (above): what it found unchanged is decided; this thread
  // scans the rest (changed and new files) alone.
  let given: ScanOutput | undefined;
  let statted = 0;
  if (prestat) {
    const pre = await prestat.join();
    statted = pre.inWorkers;
    given = scanOutput(n);
    for (let i = 0; i < n; i++) {
      const at = entry[i] as number;
      if (at >= 0 && pre.output.kind[at] === UNCHANGED) given.kind[i] = UNCHANGED;
    }
  }
  const scanned = await scanAll(
    input,
    given ? { ...parallel, threads: 0 } : parallel,
    early,
    reused ? previous?.bytes : undefined,
    given,
  );
  const { output, extras } = scanned;
  const inWorkers = scanned.inWorkers + statted;

  const counts = { read: 0, parsed: 0, fromIndex: 0, inWorkers, reusedListing: reused };
  const outside = new OutsideWindow(window);
  const articles: Article[] = [];
  const problems: ContentProblem[] = [...listing.problems];
  const invalid: Considered[] = [];
  // Every file lands in one list, in path order, as it is decided.
  const settle = (path: string, outcome: Outcome) => {
    if ('publishedMs' in outcome) articles.push(outcome);
    else if ('status' in outcome) {
      if (outcome.status === 'outOfWindow') outside.push(path, Date.parse(outcome.publishedAt as string));
      else invalid.push(outcome);
    } else {
      problems.push(outcome);
      invalid.push({ path: outcome.path, status: 'invalid', reason: `${outcome.field}: ${outcome.message}` });
    }
  };
  for (let i = 0; i < n; i++) {
    const path = paths[i] as string;
    const kind = output.kind[i];
    if (kind === UNCHANGED && session) {
      const at = entry[i] as number;
      // The common case of a large folder: unchanged, dated outside the window. No object made.
      const ms = session.dateOf(at);
      if (ms !== undefined && !inWindow(ms, window)) {
        session.keep(at);
        counts.fromIndex++;
        outside.push(path, ms);
        continue;
      }
      const known = fromStoredParse(session, at, path, window);
      if (known) {
        counts.fromIndex++;
        settle(path, known);
        continue;
      }
      // In the window (or undated) without a stored full parse: read it here.
      settle(path, readHere(prefix, path, at, timeZone, window, session, counts));
      continue;
    }
    counts.read++;
    const extra = extras.get(i);
    if (kind === UNREADABLE) {
      session?.forget(path);
      settle(path, extra?.problem as ContentProblem);
      continue;
    }
    const stamp = stampAt(output.stamp, i);
    if (kind === TOO_LARGE) {
      const problem = extra?.problem as ContentProblem;
      session?.record(path, stamp, { parsed: { problem } }, entry[i]);
      settle(path, problem);
      continue;
    }
    const ms = output.cheapMs[i] as number;
    const cheap = Number.isNaN(ms)
      ? undefined
      : { ms, zoned: output.cheapZoned[i] === 1, text: extra?.cheapText ?? '' };
    const parsed = extra?.parsed;
    if (parsed) counts.parsed++;
    session?.record(path, stamp, { cheap, parsed }, entry[i]);
    if (cheap && !inWindow(cheap.ms, window)) outside.push(path, cheap.ms);
    else settle(path, outcomeOf(path, cheap, parsed, window));
  }
  const indexWritten = session?.finish() ?? Promise.resolve();
  if (!opts.deferIndexWrite) await indexWritten;

  return {
    articles,
    outside,
    invalid,
    // Made only when asked for: the entries of the files outside the window are columns until then.
    get considered() {
      return outside.entries(invalid);
    },
    problems,
    files: n,
    counts,
    notes: opts.index?.notes ?? [],
    indexWritten,
  };
}

/**
 * The outcome of an unchanged file (not known to be outside the window) from its stored full
 * parse; undefined when there is none (the file is read).
 */
function fromStoredParse(session: IndexSession, i: number, path: string, window: LoadOptions['window']) {
  const parsed = session.parsed(path, i);
  if (!parsed) return undefined;
  session.keep(i);
  return fromParsed(parsed, window);
}

/** Read and decide one file on this thread (an unchanged file whose full parse is not stored). */
function readHere(
  prefix: string,
  path: string,
  at: number,
  timeZone: string,
  window: LoadOptions['window'],
  session: IndexSession,
  counts: LoadResult['counts'],
): Outcome {
  counts.read++;
  const read = readArticleFile(prefix + path, path);
  if ('problem' in read) {
    if (read.stamp) session.record(path, read.stamp, { parsed: { problem: read.problem } }, at);
    else session.forget(path);
    return read.problem;
  }
  const classified = classify(path, read.bytes, timeZone, window);
  if (classified.parsed) counts.parsed++;
  session.record(path, read.stamp, classified, at);
  return classified.outcome;
}

function stampAt(stamps: Float64Array, i: number) {
  return {
    size: stamps[4 * i] as number,
    mtimeMs: stamps[4 * i + 1] as number,
    ctimeMs: stamps[4 * i + 2] as number,
    ino: stamps[4 * i + 3] as number,
  };
}
