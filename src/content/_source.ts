import type { Article, Considered, ContentProblem } from '../types.js';
import type { OutsideWindow } from './_outside.js';
import type { ContentWindow } from './_window.js';

/**
 * Where a build's articles come from, the way a nodemailer transport is where its mail goes:
 * the plain source reads every file (src/content/_load.ts); the indexed one (src/content-index)
 * reads only the files changed since the last build. Both give the same result.
 */
export interface ContentSource {
  /** Every article file under `dir`, decided for `window` (see loadArticles). */
  load(dir: string, window: ContentWindow): Promise<LoadResult>;
  /** Settles once what the source still writes after a load is written. Never rejects. */
  flush(): Promise<void>;
}

/** What a load found, every file in exactly one list. */
export interface LoadResult {
  /** Valid articles inside the window, in path order. */
  articles: Article[];
  /** The files dated outside the window, in path order, as columns (see OutsideWindow). */
  outside: OutsideWindow;
  /** The `invalid` entry of each file that could not be used, in path order. */
  invalid: Considered[];
  /** Every file but the articles in the window (`outOfWindow` or `invalid`), in path order; made when read. */
  readonly considered: Considered[];
  /** Why each invalid file was skipped, in path order. */
  problems: ContentProblem[];
  /** Number of `.md` files found. */
  files: number;
  /** What the user should know about the source (e.g. the content index was rebuilt), one line each. */
  notes: string[];
}
