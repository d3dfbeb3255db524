import { statSync } from 'node:fs';
// The modules themselves, not src/content's index: a scan worker loads this file, and every
// module it loads delays its start (see ScanWorkers).
import {
  type ContentWindow,
  examine,
  type FileStamp,
  type ParseResult,
  readArticleFile,
  sameStamp,
} from '../content/index.js';
import type { ContentProblem } from '../types.js';

/** What scanning one file found, by position; kept in shared memory so threads can fill it. */
export const NOT_DONE = 0;
/** The stat matched the index entry: nothing was read. */
export const UNCHANGED = 1;
/** Read and classified: stamp, cheap date and (in `extras`) text and full parse are set. */
export const READ = 2;
/** Could not be read (no stamp); the problem is in `extras`. */
export const UNREADABLE = 3;
/** Over the size limit (stamp set, not read); the problem is in `extras`. */
export const TOO_LARGE = 4;

/**
 * The work of one scan, shared by the main thread and the scan workers: every path, the window,
 * and the index's stamp of each file (aligned with `paths`; NaN size when the index has none).
 */
export interface ScanInput {
  /** The content folder with a trailing `/`. */
  prefix: string;
  paths: string[];
  window: ContentWindow;
  /** The stamp of the index entry of each path, 4 numbers per path (see stampAt); NaN size when none. */
  known: Float64Array;
  /** Only stat: a file whose stat does not match is left undecided (NOT_DONE), not read. */
  statOnly?: boolean;
}

/** The numeric results, in shared memory: what happened, the stamp, the cheap date. */
export interface ScanOutput {
  kind: Uint8Array;
  /** The stamp of each read file, 4 numbers per path (see stampAt). */
  stamp: Float64Array;
  /** The cheap look's instant; NaN when it found none. */
  cheapMs: Float64Array;
  cheapZoned: Uint8Array;
}

/** What does not fit in numbers: the zone-dependent cheap text, the full parse, a problem. */
export interface ScanExtra {
  cheapText?: string;
  parsed?: ParseResult;
  problem?: ContentProblem;
}

/** Shared buffers for the results of `n` files (a SharedArrayBuffer each, so workers can write). */
export function scanOutput(n: number): ScanOutput {
  return {
    kind: new Uint8Array(new SharedArrayBuffer(Math.max(1, n))),
    stamp: new Float64Array(new SharedArrayBuffer(Math.max(8, 32 * n))),
    cheapMs: new Float64Array(new SharedArrayBuffer(Math.max(8, 8 * n))),
    cheapZoned: new Uint8Array(new SharedArrayBuffer(Math.max(1, n))),
  };
}

/**
 * Scan files `from` to `to` (exclusive): a file the index knows is statted, and if its stamp is
 * the index's it is UNCHANGED; every other file is read and classified (cheap look, then a full
 * parse when the date is in the window or unclear). Synchronous: see readArticleFile.
 */
export function scanRange(
  input: ScanInput,
  out: ScanOutput,
  extras: Map<number, ScanExtra>,
  from: number,
  to: number,
): void {
  const { known } = input;
  // One object for the index's stamp, filled per file: no garbage per stat.
  const wanted = { size: 0, mtimeMs: 0, ctimeMs: 0, ino: 0 };
  for (let i = from; i < to; i++) {
    // Already decided (a build that statted the index's paths first, see loadArticles).
    if (out.kind[i] !== NOT_DONE) continue;
    const path = input.paths[i] as string;
    const fullPath = input.prefix + path;
    if (!Number.isNaN(known[4 * i] as number)) {
      const stats = statSync(fullPath, { throwIfNoEntry: false });
      if (stats && sameStamp(stats, stampAt(known, i, wanted))) {
        out.kind[i] = UNCHANGED;
        continue;
      }
    }
    if (input.statOnly) continue;
    const read = readArticleFile(fullPath, path);
    if ('problem' in read) {
      if (read.stamp) {
        setStampAt(out.stamp, i, read.stamp);
        out.kind[i] = TOO_LARGE;
      } else out.kind[i] = UNREADABLE;
      extras.set(i, { problem: read.problem });
      continue;
    }
    setStampAt(out.stamp, i, read.stamp);
    const { cheap, parsed } = examine(path, read.bytes, input.window);
    out.cheapMs[i] = cheap ? cheap.ms : Number.NaN;
    out.cheapZoned[i] = cheap?.zoned ? 1 : 0;
    if (cheap?.zoned || parsed) extras.set(i, { cheapText: cheap?.zoned ? cheap.text : undefined, parsed });
    out.kind[i] = READ;
  }
}

/**
 * The i-th stamp of a column of stamps: 4 numbers per file (size, mtimeMs, ctimeMs, ino), the
 * layout the scan threads share (numbers in a SharedArrayBuffer, no object per file). `into`:
 * an object to fill instead of a new one (in a loop over a large folder).
 */
export function stampAt(
  column: Float64Array,
  i: number,
  into: FileStamp = { size: 0, mtimeMs: 0, ctimeMs: 0, ino: 0 },
): FileStamp {
  into.size = column[4 * i] as number;
  into.mtimeMs = column[4 * i + 1] as number;
  into.ctimeMs = column[4 * i + 2] as number;
  into.ino = column[4 * i + 3] as number;
  return into;
}

/** Write `stamp` as the i-th of a column of stamps (see stampAt). */
export function setStampAt(column: Float64Array, i: number, stamp: FileStamp): void {
  column[4 * i] = stamp.size;
  column[4 * i + 1] = stamp.mtimeMs;
  column[4 * i + 2] = stamp.ctimeMs;
  column[4 * i + 3] = stamp.ino;
}
