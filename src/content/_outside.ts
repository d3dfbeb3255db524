import type { Considered } from '../types.js';
import { AFTER_WINDOW, BEFORE_WINDOW, outOfWindow, type Window } from './_classify.js';
import { isoTime } from './_dates.js';

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
    const ms = this.ms[k] as number;
    const reason = ms < this.window.since ? BEFORE_JSON : AFTER_JSON;
    return `{"path":${JSON.stringify(this.paths[k])},"status":"outOfWindow","reason":${reason},"publishedAt":"${isoTime(ms)}"}`;
  }
}

const BEFORE_JSON = JSON.stringify(BEFORE_WINDOW);
const AFTER_JSON = JSON.stringify(AFTER_WINDOW);
