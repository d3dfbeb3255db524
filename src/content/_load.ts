import { statSync } from 'node:fs';
import { realpath } from 'node:fs/promises';
import { sep } from 'node:path';
import type { Article, Considered, ContentProblem } from '../types.js';
import { classify, fromParsed, inWindow, type Outcome, outOfWindow } from './_classify.js';
import { findArticleFiles } from './_find.js';
import type { ContentIndex, IndexSession } from './_index.js';
import { readArticleFile } from './_read.js';

export interface LoadOptions {
  /** IANA zone for date-only and offset-less `publishedDateTime` values. */
  timeZone: string;
  /** Keep articles with since <= publishedMs < until (epoch ms). */
  window: { since: number; until: number };
  /** Unused since files are read synchronously in batches (see _read.ts); kept for callers. */
  concurrency?: number;
  /** The content index to consult and update (openContentIndex); without one every file is read. */
  index?: ContentIndex;
}

export interface LoadResult {
  /** Valid articles inside the window, in path order. */
  articles: Article[];
  /** Every other file: `outOfWindow` or `invalid`, in path order. */
  considered: Considered[];
  /** Why each invalid file was skipped, in path order. */
  problems: ContentProblem[];
  /** Number of `.md` files found. */
  files: number;
  /** How the files were decided: read from disk, parsed in full, known from the index by stat alone. */
  counts: { read: number; parsed: number; fromIndex: number };
  /** Notes about the content index (unavailable, rebuilt, damaged entries), one line each. */
  notes: string[];
}

// Files decided between two yields to the event loop: long enough to keep the synchronous
// reads fast, short enough (a few ms) that a preview server stays responsive during a build.
const BATCH = 256;

/**
 * Read every article file under `dir` and keep those inside the window.
 * 1. find the `.md` files (sorted paths);
 * 2. with an index, stat each file: an unchanged file is decided from the index (its cheap date,
 *    or its stored full parse when its date is in the window), without reading it;
 * 3. read every other file and decide it with `classify`: the cheap first look, then a full
 *    parse only for files whose date is in the window or unclear;
 * 4. keep only in-window articles; every other file becomes a small `outOfWindow` or `invalid`
 *    entry at once, so memory follows the window, not the folder;
 * 5. write what changed back to the index.
 * With or without the index, the result is the same (tests/scale compares them).
 */
export async function loadArticles(dir: string, opts: LoadOptions): Promise<LoadResult> {
  const paths = await findArticleFiles(dir);
  const { timeZone, window } = opts;
  const session = opts.index?.begin(await realpath(dir), timeZone);
  const counts = { read: 0, parsed: 0, fromIndex: 0 };
  const slots: Outcome[] = new Array(paths.length);
  // Not path.join: it normalises every path again, a measurable cost at 100,000 files.
  const prefix = dir.endsWith(sep) || dir.endsWith('/') ? dir : `${dir}/`;

  const decide = (path: string): Outcome => {
    const fullPath = prefix + path;
    const known = session && fromIndex(session, fullPath, path, window);
    if (known) {
      counts.fromIndex++;
      return known;
    }
    counts.read++;
    const read = readArticleFile(fullPath, path);
    if ('problem' in read) {
      // A file over the size limit has a stamp and the same problem until it changes; an
      // unreadable one is forgotten and tried again next time.
      if (read.stamp)
        session?.record(path, read.stamp, { outcome: read.problem, parsed: { problem: read.problem } });
      else session?.forget(path);
      return read.problem;
    }
    const classified = classify(path, read.bytes, timeZone, window);
    if (classified.parsed) counts.parsed++;
    session?.record(path, read.stamp, classified);
    return classified.outcome;
  };

  for (let start = 0; start < paths.length; start += BATCH) {
    const end = Math.min(paths.length, start + BATCH);
    for (let i = start; i < end; i++) slots[i] = decide(paths[i] as string);
    if (end < paths.length) await new Promise((resolve) => setImmediate(resolve));
  }
  session?.finish();

  const out: LoadResult = {
    articles: [],
    considered: [],
    problems: [],
    files: paths.length,
    counts,
    notes: opts.index?.notes ?? [],
  };
  for (const slot of slots) {
    if ('status' in slot) out.considered.push(slot);
    else if ('publishedMs' in slot) out.articles.push(slot);
    else {
      out.problems.push(slot);
      out.considered.push({ path: slot.path, status: 'invalid', reason: `${slot.field}: ${slot.message}` });
    }
  }
  return out;
}

/**
 * The outcome of an unchanged file from the index alone, or undefined when the file must be
 * read: not in the index, changed (any of size, mtime, ctime, inode), gone, or with a date in
 * the window (or none) and no stored full parse for this zone.
 */
function fromIndex(
  session: IndexSession,
  fullPath: string,
  path: string,
  window: LoadOptions['window'],
): Outcome | undefined {
  const i = session.match(path);
  if (i === undefined) return undefined;
  const stats = statSync(fullPath, { throwIfNoEntry: false });
  if (!stats || !session.unchanged(i, stats)) return undefined;
  const ms = session.dateOf(i);
  if (ms !== undefined && !inWindow(ms, window)) {
    session.keep(i, path);
    return outOfWindow(path, ms, window);
  }
  const parsed = session.parsed(path, i);
  if (!parsed) return undefined;
  session.keep(i, path);
  return fromParsed(parsed, window);
}
