import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type ContentWindow,
  cheapPublished,
  findArticleFiles,
  MAX_ARTICLE_BYTES,
  parseArticle,
} from '../../src/content/index.js';
import { type ContentIndex, indexedSource, type ScanOptions } from '../../src/content-index/index.js';
import type { Article, ContentProblem } from '../../src/types.js';

/** Temp dirs made by a test file; `cleanup` (in afterAll) removes them. */
export function tempDirs() {
  const made: string[] = [];
  return {
    make(prefix: string): string {
      const dir = mkdtempSync(join(tmpdir(), prefix));
      made.push(dir);
      return dir;
    },
    cleanup(): void {
      for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
    },
  };
}

export type Window = { since: number; until: number };

/** One load through the content index, its write awaited (as a build does before closing the database). */
export async function loadIndexed(
  dir: string,
  window: ContentWindow,
  index: ContentIndex,
  options?: ScanOptions,
) {
  const source = indexedSource(index, options);
  try {
    return await source.load(dir, window);
  } finally {
    await source.flush();
  }
}

/** What the reference makes of one file: every file parsed in full, no shortcut. */
export interface ReferenceFile {
  path: string;
  result: { article: Article } | { problem: ContentProblem };
  /** The cheap first look's instant, to tell which invalid files a build may leave unvalidated. */
  cheapMs?: number;
}

/** Parse every `.md` file under `dir` with parseArticle (the reference for the fast paths). */
export async function referenceParse(dir: string, timeZone: string): Promise<ReferenceFile[]> {
  const out: ReferenceFile[] = [];
  for (const path of await findArticleFiles(dir)) {
    let bytes: Buffer;
    try {
      bytes = readFileSync(join(dir, path));
    } catch {
      continue;
    }
    // A file over the size limit is refused before it is read, so it never gets the cheap look.
    const cheapMs = bytes.length > MAX_ARTICLE_BYTES ? undefined : cheapPublished(bytes, timeZone)?.ms;
    out.push({ path, result: parseArticle(path, bytes, { timeZone }), cheapMs });
  }
  return out;
}

/** The reference's articles in the window, in path order. */
export function referenceArticles(files: ReferenceFile[], window: Window): Article[] {
  return files
    .flatMap((f) => ('article' in f.result ? [f.result.article] : []))
    .filter((a) => a.publishedMs >= window.since && a.publishedMs < window.until);
}

/**
 * The problems a build must report for the window: every invalid file except those whose cheap
 * first look puts them outside the window (a build does not validate those; `check` does).
 */
export function referenceProblems(files: ReferenceFile[], window: Window): ContentProblem[] {
  return files.flatMap((f) => {
    if (!('problem' in f.result)) return [];
    const skipped = f.cheapMs !== undefined && (f.cheapMs < window.since || f.cheapMs >= window.until);
    return skipped ? [] : [f.result.problem];
  });
}

/** Byte-for-byte form of a value, for comparisons whose failures should show the text. */
export const bytes = (value: unknown): string => JSON.stringify(value);
