import type { Considered } from '../types.js';
import { AFTER_WINDOW, BEFORE_WINDOW, outOfWindow, type Window } from './_classify.js';

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

  /** `JSON.stringify(this.entry(k))`, made without the entry. */
  jsonText(k: number): string {
    const ms = this.ms[k] as number;
    const reason = ms < this.window.since ? BEFORE_JSON : AFTER_JSON;
    return `{"path":${JSON.stringify(this.paths[k])},"status":"outOfWindow","reason":${reason},"publishedAt":"${isoTime(ms)}"}`;
  }
}

const BEFORE_JSON = JSON.stringify(BEFORE_WINDOW);
const AFTER_JSON = JSON.stringify(AFTER_WINDOW);
const DAY = 86_400_000;
const days = new Map<number, string>();
const TWO = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0'));

/**
 * `new Date(ms).toISOString()` for a whole number of ms, from a per-day prefix and integer
 * arithmetic: 100,000 of them took 70-150 ms through Date here.
 */
export function isoTime(ms: number): string {
  if (!Number.isInteger(ms)) return new Date(ms).toISOString();
  const day = Math.floor(ms / DAY);
  let prefix = days.get(day);
  if (prefix === undefined) {
    prefix = new Date(day * DAY).toISOString().slice(0, -13);
    if (days.size < 100_000) days.set(day, prefix);
  }
  const t = ms - day * DAY;
  const milli = t % 1000;
  return `${prefix}${TWO[Math.floor(t / 3_600_000)]}:${TWO[Math.floor(t / 60_000) % 60]}:${TWO[Math.floor(t / 1000) % 60]}.${milli < 10 ? '00' : milli < 100 ? '0' : ''}${milli}Z`;
}
