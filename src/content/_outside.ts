import type { Considered } from '../types.js';
import { outOfWindow } from './_classify.js';
import type { ContentWindow } from './_window.js';

/**
 * The files of a load whose date is outside the window, in path order, as two columns instead of
 * an object per file: in a large folder the objects, and the collector's work to keep them until
 * the report is written, cost a warm build more than statting half the folder. `entry` gives the
 * `outOfWindow` entry a file would otherwise have had.
 */
export class OutsideWindow {
  readonly paths: string[] = [];
  private readonly ms: number[] = [];
  readonly window: ContentWindow;

  constructor(window: ContentWindow) {
    this.window = window;
  }

  get length(): number {
    return this.paths.length;
  }

  push(path: string, publishedMs: number): void {
    this.paths.push(path);
    this.ms.push(publishedMs);
  }

  /** The k-th file's publish instant, epoch ms. */
  publishedMs(k: number): number {
    return this.ms[k] as number;
  }

  /** The k-th file's `considered` entry. */
  entry(k: number): Considered {
    return outOfWindow(this.paths[k] as string, this.ms[k] as number, this.window);
  }

  /** These entries and `others` (in path order too) as one array, in path order. */
  entries(others: readonly Considered[]): Considered[] {
    const out: Considered[] = [];
    let j = 0;
    for (let k = 0; k < this.paths.length; k++) {
      const path = this.paths[k] as string;
      while (j < others.length && (others[j] as Considered).path < path) out.push(others[j++] as Considered);
      out.push(this.entry(k));
    }
    while (j < others.length) out.push(others[j++] as Considered);
    return out;
  }
}
