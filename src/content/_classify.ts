import type { Article, Considered, ContentProblem } from '../types.js';
import { cheapPublished } from './_cheap.js';
import { isoTime } from './_dates.js';
import { type ParseResult, parseArticle } from './_parse.js';
import { type ContentWindow, inWindow, outsideReason } from './_window.js';

/** What became of one file: an article in the window, an `outOfWindow` entry, or a problem. */
export type Outcome = Article | Considered | ContentProblem;

/** How a file was decided: by the cheap first look alone, or by a full parse. */
export interface Classified {
  outcome: Outcome;
  /** The cheap look's date, undefined when it could not tell (stored in the content index). */
  cheap?: { text: string; ms: number; zoned: boolean };
  /** The full parse, when one ran (stored in the content index). */
  parsed?: ParseResult;
}

/**
 * Decide one file from its bytes; the same rules with and without the content index:
 * 1. the cheap first look finds the top-level `publishedDateTime` without a YAML parse; a file
 *    whose date is outside the window is `outOfWindow` and is not validated further (a broken
 *    file from last year is not reported by every daily build; `digest check` validates all);
 * 2. every other file (date in the window, or none the look could be sure of) is parsed in full,
 *    so an invalid file in the window is reported exactly as before.
 */
export function classify(path: string, bytes: Uint8Array, window: ContentWindow): Classified {
  const { cheap, parsed } = examine(path, bytes, window);
  return { outcome: outcomeOf(path, cheap, parsed, window), cheap, parsed };
}

/** Steps 1 and 2 of `classify` without making the outcome: the cheap date, and the full parse if needed. */
export function examine(path: string, bytes: Uint8Array, window: ContentWindow): Omit<Classified, 'outcome'> {
  const cheap = cheapPublished(bytes, window.timeZone);
  if (cheap && !inWindow(cheap.ms, window)) return { cheap };
  return { cheap, parsed: parseArticle(path, bytes, { timeZone: window.timeZone }) };
}

/** The outcome of what `examine` found (a full parse is there whenever the cheap date does not decide). */
export function outcomeOf(
  path: string,
  cheap: Classified['cheap'],
  parsed: ParseResult | undefined,
  window: ContentWindow,
): Outcome {
  if (cheap && !inWindow(cheap.ms, window)) return outOfWindow(path, cheap.ms, window);
  if (!parsed) throw new Error(`${path}: no full parse for a file the cheap look did not decide`);
  return fromParsed(parsed, window);
}

/** The outcome of a full parse: the article when it is in the window, else its short entry. */
export function fromParsed(parsed: ParseResult, window: ContentWindow): Outcome {
  if ('problem' in parsed) return parsed.problem;
  const { article } = parsed;
  return inWindow(article.publishedMs, window)
    ? article
    : outOfWindow(article.path, article.publishedMs, window);
}

/**
 * The entry of a file outside the window: path, status, the publish instant and why. Nothing
 * else is kept, so memory follows the window, not the folder, and both sources give the same entry.
 */
export function outOfWindow(path: string, ms: number, window: { since: number; until: number }): Considered {
  return {
    path,
    status: 'outOfWindow',
    // One of two constant strings (the window is in the report, the time in publishedAt), not
    // a string per file: a large folder's report holds one entry per file.
    reason: outsideReason(ms, window) as string,
    publishedAt: isoTime(ms),
  };
}
