import type { Article, Considered, ContentProblem } from '../types.js';
import type { Outcome } from './_classify.js';
import { OutsideWindow } from './_outside.js';
import type { LoadResult } from './_source.js';
import type { ContentWindow } from './_window.js';

/** A load's result, built one file at a time in path order (both sources use it). */
export class Collected {
  readonly articles: Article[] = [];
  readonly outside: OutsideWindow;
  readonly invalid: Considered[] = [];
  readonly problems: ContentProblem[];

  /** `problems`: those found before any file was decided (folders that could not be listed). */
  constructor(window: ContentWindow, problems: readonly ContentProblem[] = []) {
    this.outside = new OutsideWindow(window);
    this.problems = [...problems];
  }

  /** File `path` was decided: it lands in exactly one list. */
  add(path: string, outcome: Outcome): void {
    if ('publishedMs' in outcome) this.articles.push(outcome);
    else if ('status' in outcome) {
      if (outcome.status === 'outOfWindow')
        this.outside.push(path, Date.parse(outcome.publishedAt as string));
      else this.invalid.push(outcome);
    } else {
      this.problems.push(outcome);
      this.invalid.push({
        path: outcome.path,
        status: 'invalid',
        reason: `${outcome.field}: ${outcome.message}`,
      });
    }
  }

  result(files: number, notes: string[] = []): LoadResult {
    const { articles, outside, invalid, problems } = this;
    return {
      articles,
      outside,
      invalid,
      // Made only when asked for: the files outside the window are columns until then.
      get considered() {
        return outside.entries(invalid);
      },
      problems,
      files,
      notes,
    };
  }
}
