import { open } from 'node:fs/promises';
import { join } from 'node:path';
import type { Article, Considered, ContentProblem } from '../types.js';
import { findArticleFiles } from './_find.js';
import { type ParseResult, parseArticle } from './_parse.js';
import { fileProblem, MAX_ARTICLE_BYTES, tooLargeProblem } from './_problem.js';

export interface LoadOptions {
  /** IANA zone for date-only and offset-less `publishedDateTime` values. */
  timeZone: string;
  /** Keep articles with since <= publishedMs < until (epoch ms). */
  window: { since: number; until: number };
  /** Files read at the same time. Default 32. */
  concurrency?: number;
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
}

/**
 * Read and parse every article file under `dir` and keep those inside the window.
 * 1. find the `.md` files (sorted paths);
 * 2. read them a bounded number at a time, refusing files over 1 MB before reading them;
 * 3. parse each; an invalid file becomes a problem and an `invalid` entry, the run goes on;
 * 4. keep only in-window articles; the others are reduced to a small `outOfWindow` entry at
 *    once, so memory follows the window, not the folder.
 */
export async function loadArticles(dir: string, opts: LoadOptions): Promise<LoadResult> {
  const paths = await findArticleFiles(dir);
  const slots: (Article | Considered | ContentProblem)[] = new Array(paths.length);
  let next = 0;
  const worker = async () => {
    while (next < paths.length) {
      const index = next++;
      const path = paths[index] as string;
      const result = await readArticle(dir, path, opts.timeZone);
      slots[index] = 'problem' in result ? result.problem : keepOrSummarise(result.article, opts.window);
    }
  };
  const workers = Math.max(1, Math.min(opts.concurrency ?? 32, paths.length));
  await Promise.all(Array.from({ length: workers }, worker));

  const out: LoadResult = { articles: [], considered: [], problems: [], files: paths.length };
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

async function readArticle(dir: string, path: string, timeZone: string): Promise<ParseResult> {
  let bytes: Buffer;
  try {
    const handle = await open(join(dir, path), 'r');
    try {
      const { size } = await handle.stat();
      if (size > MAX_ARTICLE_BYTES) return { problem: tooLargeProblem(path, size) };
      bytes = await handle.readFile();
    } finally {
      await handle.close();
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
    return {
      problem: fileProblem(path, `cannot be read (${code})`, 'check that the file exists and is readable'),
    };
  }
  return parseArticle(path, bytes, { timeZone });
}

function keepOrSummarise(article: Article, window: LoadOptions['window']): Article | Considered {
  if (article.publishedMs >= window.since && article.publishedMs < window.until) return article;
  const publishedAt = new Date(article.publishedMs).toISOString();
  return {
    path: article.path,
    status: 'outOfWindow',
    reason: `published ${publishedAt}, outside ${iso(window.since)} .. ${iso(window.until)}`,
    title: article.title,
    webUrl: article.webUrl,
    quality: article.quality,
    heat: article.heat,
    publishedAt,
    providerDomain: article.provider.domain,
  };
}

/** ISO form of a window edge; the open-ended edges used for "all time" have no ISO form. */
function iso(ms: number): string {
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? String(ms) : date.toISOString();
}
