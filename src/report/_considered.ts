import { isoTime, type OutsideWindow, outsideReason } from '../content/index.js';
import type { Considered, ConsideredStatus } from '../types.js';

/**
 * A report's `considered` list: the files outside the window as the columns the load left
 * (OutsideWindow) and the few other entries (invalid files, the window's articles) as objects,
 * both in path order. A large folder's 100,000 out-of-window files become objects only when a
 * reader asks for the array (`toArray`: the preview, tests); the report file is written from
 * the columns, one line per entry (`lines`).
 */
export class ConsideredList {
  private readonly outside: OutsideWindow;
  private readonly others: readonly Considered[];
  private array: Considered[] | undefined;

  /** `others` must be in path order. */
  constructor(outside: OutsideWindow, others: readonly Considered[]) {
    this.outside = outside;
    this.others = others;
  }

  get length(): number {
    return this.outside.length + this.others.length;
  }

  /** How many entries have `status`. */
  count(status: ConsideredStatus): number {
    let n = status === 'outOfWindow' ? this.outside.length : 0;
    for (const c of this.others) if (c.status === status) n++;
    return n;
  }

  /** Every entry as an object, in path order (made once). */
  toArray(): Considered[] {
    this.array ??= this.outside.entries(this.others);
    return this.array;
  }

  /**
   * Each entry's `JSON.stringify`, in path order, `size` entries at a time joined by `separator`:
   * one flat string per chunk instead of a generator step and a concatenation per entry.
   */
  *chunks(separator: string, size = CHUNK_ENTRIES): Generator<string> {
    const { outside, others } = this;
    const batch: string[] = [];
    let j = 0;
    for (let k = 0; k < outside.length; k++) {
      const path = outside.paths[k] as string;
      while (j < others.length && (others[j] as Considered).path < path)
        batch.push(JSON.stringify(others[j++]));
      batch.push(outOfWindowJson(path, outside.publishedMs(k), outside.window));
      if (batch.length >= size) {
        yield batch.join(separator);
        batch.length = 0;
      }
    }
    while (j < others.length) batch.push(JSON.stringify(others[j++]));
    if (batch.length > 0) yield batch.join(separator);
  }
}

// Entries per chunk: about half a megabyte of text.
const CHUNK_ENTRIES = 4096;

/**
 * `JSON.stringify(outOfWindow(path, ms, window))` without making the entry: at 100,000 files
 * this text takes half the time of stringifying an object per file (tests/scale checks that
 * the two are the same text).
 */
export function outOfWindowJson(path: string, ms: number, window: { since: number; until: number }): string {
  const quoted = NEEDS_ESCAPE.test(path) ? JSON.stringify(path) : `"${path}"`;
  return `{"path":${quoted},"status":"outOfWindow","reason":"${outsideReason(ms, window)}","publishedAt":"${isoTime(ms)}"}`;
}

// What JSON.stringify escapes in a string: controls, quote, backslash, any surrogate.
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are exactly the characters JSON must escape
const NEEDS_ESCAPE = /[\u0000-\u001f"\\\ud800-\udfff]/;
