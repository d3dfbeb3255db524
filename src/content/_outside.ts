import { needsJsonEscape } from '../json-stream.js';
import type { Considered } from '../types.js';
import { AFTER_WINDOW, BEFORE_WINDOW, outOfWindow, type Window } from './_classify.js';
import { ISO_MAX_BYTES, writeIsoTime } from './_dates.js';

/**
 * The files of a load whose date is outside the window, in path order, as two columns instead of
 * an object per file: at 100,000 files the objects, and the collector's work to keep them until
 * the report is written, cost a warm build more than statting half the folder (measured).
 * `entry` gives the same `outOfWindow` entry a file would otherwise have had; `jsonText` its
 * one-line JSON, without making it.
 */
export class OutsideWindow {
  readonly paths: string[] = [];
  private readonly ms: number[] = [];
  private readonly window: Window;

  constructor(window: Window) {
    this.window = window;
  }

  get length(): number {
    return this.paths.length;
  }

  push(path: string, publishedMs: number): void {
    this.paths.push(path);
    this.ms.push(publishedMs);
  }

  /** The k-th file's `considered` entry. */
  entry(k: number): Considered {
    return outOfWindow(this.paths[k] as string, this.ms[k] as number, this.window);
  }

  /**
   * Walk these files and `others` (in path order too) together, in path order: `outside(k)` for
   * the k-th file here, `other(entry)` for each of the others.
   */
  merge(
    others: readonly Considered[],
    outside: (k: number) => void,
    other: (entry: Considered) => void,
  ): void {
    let j = 0;
    for (let k = 0; k < this.paths.length; k++) {
      const path = this.paths[k] as string;
      while (j < others.length && (others[j] as Considered).path < path) other(others[j++] as Considered);
      outside(k);
    }
    while (j < others.length) other(others[j++] as Considered);
  }

  /** Every entry of `merge`, as one array of objects. */
  entries(others: readonly Considered[]): Considered[] {
    const out: Considered[] = [];
    this.merge(
      others,
      (k) => out.push(this.entry(k)),
      (entry) => out.push(entry),
    );
    return out;
  }

  /** `JSON.stringify(this.entry(k))`, made without the entry. */
  jsonText(k: number): string {
    const need = this.maxJsonBytes(k);
    if (scratch.length < need) scratch = Buffer.allocUnsafe(2 * need);
    const out = { buffer: scratch, at: 0 };
    this.writeJson(k, out);
    return scratch.toString('utf8', 0, out.at);
  }

  /**
   * jsonText(k) written as UTF-8 into `out.buffer` from `out.at` (moved past it), without making
   * the text; `out.buffer` must have room for maxJsonBytes(k) bytes from there.
   */
  writeJson(k: number, out: { buffer: Buffer; at: number }): void {
    const path = this.paths[k] as string;
    const ms = this.ms[k] as number;
    const b = out.buffer;
    let at = out.at;
    b.set(PATH_START, at);
    at += PATH_START.length;
    // The path as JSON.stringify quotes it, without the quotes (which are in the parts around it).
    at += b.write(needsJsonEscape(path) ? JSON.stringify(path).slice(1, -1) : path, at);
    const middle = ms < this.window.since ? BEFORE_MIDDLE : AFTER_MIDDLE;
    b.set(middle, at);
    at = writeIsoTime(ms, b, at + middle.length);
    b[at++] = QUOTE;
    b[at++] = CLOSE;
    out.at = at;
  }

  /** The most bytes writeJson(k) can take. */
  maxJsonBytes(k: number): number {
    // At most 6 bytes per UTF-16 unit of the path: an escape (\uXXXX), or UTF-8's at most 3.
    return 6 * (this.paths[k] as string).length + JSON_FIXED_BYTES;
  }
}

// The parts of an entry's JSON around the path and the time, as bytes.
const PATH_START = Buffer.from('{"path":"');
const middle = (reason: string) =>
  Buffer.from(`","status":"outOfWindow","reason":${JSON.stringify(reason)},"publishedAt":"`);
const BEFORE_MIDDLE = middle(BEFORE_WINDOW);
const AFTER_MIDDLE = middle(AFTER_WINDOW);
const [QUOTE, CLOSE] = [34, 125];
// Everything but the path: the parts above, the longest time, `"}`.
const JSON_FIXED_BYTES =
  PATH_START.length + Math.max(BEFORE_MIDDLE.length, AFTER_MIDDLE.length) + ISO_MAX_BYTES + 2;
// jsonText's buffer, grown for a long path.
let scratch = Buffer.allocUnsafe(4096);
