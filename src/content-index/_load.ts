import { statSync } from 'node:fs';
import { realpath } from 'node:fs/promises';
import {
  Collected,
  type ContentWindow,
  classify,
  type FolderStamp,
  fromParsed,
  inWindow,
  type Listing,
  type LoadResult,
  listArticleFiles,
  type Outcome,
  outcomeOf,
  readArticleFile,
  sameStamp,
} from '../content/index.js';
import type { ContentProblem } from '../types.js';
import type { ContentIndex, IndexSession } from './_index.js';
import { beginScan, type ParallelOptions, scanAll, scanThreads, startScanWorkers } from './_parallel.js';
import { type ScanOutput, scanOutput, stampAt, TOO_LARGE, UNCHANGED, UNREADABLE } from './_scan.js';

/** How the indexed source scans (see indexedSource). */
export interface ScanOptions extends ParallelOptions {
  /**
   * Called once the files are listed and matched with the index, before the scan: how many there
   * are, how many must be read, and how many worker threads will read. A build that must read
   * most files can start other slow work (loading MJML) then, on this thread, while workers read.
   */
  onScanStart?: (scan: { files: number; toRead: number; threads: number }) => void;
}

/**
 * loadArticles (src/content/_load.ts) through the content index, with the same result:
 * 1. find the `.md` files (sorted paths), or with an index whose last listing's folders all
 *    still have their stamps, take that listing's paths (see foldersUnchanged);
 * 2. line each file up with its index entry (the stamp it had when last read);
 * 3. scan, on this thread and worker threads together (see scanAll): a file whose stat matches
 *    its entry is not read; every other file is read and classified;
 * 4. decide each file in path order: an unchanged file from the index (its date, or its stored
 *    full parse when the date is in the window), the others from what the scan found;
 * 5. start writing what changed back to the index: `written` settles when it is written.
 * `inWorkers`: how many files scan workers handled.
 */
export async function loadThroughIndex(
  dir: string,
  window: ContentWindow,
  index: ContentIndex,
  options: ScanOptions,
): Promise<{ result: LoadResult; inWorkers: number; written: Promise<void> }> {
  const root = await realpath(dir).catch(() => undefined);
  const session = root === undefined ? undefined : index.begin(root, window);
  const previous = session?.previousListing();
  // Workers start as soon as the folder is known to be large enough to want them anyway, so
  // that their start-up overlaps the listing and the matching with the index.
  let early = previous ? startScanWorkers(previous.files, options) : undefined;
  // Not path.join: it normalises every path again, a measurable cost in a large folder.
  const prefix = dir.endsWith('/') ? dir : `${dir}/`;
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
          { prefix, paths: oldPaths, window, known, statOnly: true },
          options,
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
  if (!prestat) early ??= startScanWorkers(paths.length, options);
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
      session.copyStamp(at, known, i);
    }
  }
  const input = { prefix, paths, window, known };
  if (options.onScanStart) {
    let toRead = 0;
    for (let i = 0; i < n; i++) if (entry[i] === -1) toRead++;
    options.onScanStart({ files: n, toRead, threads: scanThreads(input, options) });
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
    given ? { ...options, threads: 0 } : options,
    early,
    reused ? previous?.bytes : undefined,
    given,
  );
  const { output, extras } = scanned;

  const found = new Collected(window, listing.problems);
  for (let i = 0; i < n; i++) {
    const path = paths[i] as string;
    const kind = output.kind[i];
    if (kind === UNCHANGED && session) {
      const at = entry[i] as number;
      // The common case of a large folder: unchanged, dated outside the window. No object made.
      const ms = session.dateOf(at);
      if (ms !== undefined && !inWindow(ms, window)) {
        session.keep(at);
        found.outside.push(path, ms);
        continue;
      }
      const known = fromStoredParse(session, at, path, window);
      if (known) {
        found.add(path, known);
        continue;
      }
      // In the window (or undated) without a stored full parse: read it here.
      found.add(path, readHere(prefix, path, at, window, session));
      continue;
    }
    const extra = extras.get(i);
    if (kind === UNREADABLE) {
      session?.forget(path);
      found.add(path, extra?.problem as ContentProblem);
      continue;
    }
    const stamp = stampAt(output.stamp, i);
    if (kind === TOO_LARGE) {
      const problem = extra?.problem as ContentProblem;
      session?.record(path, stamp, { parsed: { problem } }, entry[i]);
      found.add(path, problem);
      continue;
    }
    const ms = output.cheapMs[i] as number;
    const cheap = Number.isNaN(ms)
      ? undefined
      : { ms, zoned: output.cheapZoned[i] === 1, text: extra?.cheapText ?? '' };
    const parsed = extra?.parsed;
    session?.record(path, stamp, { cheap, parsed }, entry[i]);
    if (cheap && !inWindow(cheap.ms, window)) found.outside.push(path, cheap.ms);
    else found.add(path, outcomeOf(path, cheap, parsed, window));
  }
  const written = session?.finish() ?? Promise.resolve();
  return { result: found.result(n, index.notes), inWorkers: scanned.inWorkers + statted, written };
}

/**
 * Whether every folder of a listing still has its stamp: then no entry was added, removed or
 * renamed in any of them, and listing again would give the same files. One stat per folder.
 */
function foldersUnchanged(dir: string, folders: readonly FolderStamp[]): boolean {
  const prefix = dir.endsWith('/') ? dir : `${dir}/`;
  for (const folder of folders) {
    const now = statSync(folder.path === '' ? dir : prefix + folder.path, { throwIfNoEntry: false });
    if (!now?.isDirectory() || !sameStamp(now, folder)) return false;
  }
  return folders.length > 0;
}

/**
 * The outcome of an unchanged file (not known to be outside the window) from its stored full
 * parse; undefined when there is none (the file is read).
 */
function fromStoredParse(session: IndexSession, i: number, path: string, window: ContentWindow) {
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
  window: ContentWindow,
  session: IndexSession,
): Outcome {
  const read = readArticleFile(prefix + path, path);
  if ('problem' in read) {
    if (read.stamp) session.record(path, read.stamp, { parsed: { problem: read.problem } }, at);
    else session.forget(path);
    return read.problem;
  }
  const classified = classify(path, read.bytes, window);
  session.record(path, read.stamp, classified, at);
  return classified.outcome;
}
