import { statSync } from 'node:fs';
import type { ContentProblem } from '../types.js';
import { examine, type Window } from './_classify.js';
import type { ParseResult } from './_parse.js';
import { readArticleFile } from './_read.js';

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
  timeZone: string;
  window: Window;
  /** size, mtimeMs, ctimeMs, ino of the index entry of each path (4 per path). */
  known: Float64Array;
  /** Only stat: a file whose stat does not match is left undecided (NOT_DONE), not read. */
  statOnly?: boolean;
}

/** The numeric results, in shared memory: what happened, the stamp, the cheap date. */
export interface ScanOutput {
  kind: Uint8Array;
  /** size, mtimeMs, ctimeMs, ino of each read file (4 per path). */
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
  for (let i = from; i < to; i++) {
    // Already decided (a build that statted the index's paths first, see loadArticles).
    if (out.kind[i] !== NOT_DONE) continue;
    const path = input.paths[i] as string;
    const fullPath = input.prefix + path;
    const k = 4 * i;
    if (!Number.isNaN(known[k] as number)) {
      const stats = statSync(fullPath, { throwIfNoEntry: false });
      if (
        stats &&
        stats.size === known[k] &&
        stats.mtimeMs === known[k + 1] &&
        stats.ctimeMs === known[k + 2] &&
        stats.ino === known[k + 3]
      ) {
        out.kind[i] = UNCHANGED;
        continue;
      }
    }
    if (input.statOnly) continue;
    const read = readArticleFile(fullPath, path);
    if ('problem' in read) {
      if (read.stamp) {
        setStamp(out, i, read.stamp);
        out.kind[i] = TOO_LARGE;
      } else out.kind[i] = UNREADABLE;
      extras.set(i, { problem: read.problem });
      continue;
    }
    setStamp(out, i, read.stamp);
    const { cheap, parsed } = examine(path, read.bytes, input.timeZone, input.window);
    out.cheapMs[i] = cheap ? cheap.ms : Number.NaN;
    out.cheapZoned[i] = cheap?.zoned ? 1 : 0;
    if (cheap?.zoned || parsed) extras.set(i, { cheapText: cheap?.zoned ? cheap.text : undefined, parsed });
    out.kind[i] = READ;
  }
}

function setStamp(
  out: ScanOutput,
  i: number,
  s: { size: number; mtimeMs: number; ctimeMs: number; ino: number },
) {
  out.stamp[4 * i] = s.size;
  out.stamp[4 * i + 1] = s.mtimeMs;
  out.stamp[4 * i + 2] = s.ctimeMs;
  out.stamp[4 * i + 3] = s.ino;
}
