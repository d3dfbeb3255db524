export { type CheapDate, cheapPublished } from './_cheap.js';
export {
  AFTER_WINDOW,
  BEFORE_WINDOW,
  type Classified,
  classify,
  type Outcome,
  outOfWindow,
} from './_classify.js';
export { isoTime } from './_dates.js';
export { findArticleFiles } from './_find.js';
export { parserFingerprint } from './_fingerprint.js';
export {
  ContentIndex,
  type ContentIndexOptions,
  IndexSession,
  openContentIndex,
} from './_index.js';
export { type LoadOptions, type LoadResult, loadArticles } from './_load.js';
export { OutsideWindow } from './_outside.js';
export { type ParseOptions, type ParseResult, parseArticle } from './_parse.js';
export { formatProblem, MAX_ARTICLE_BYTES } from './_problem.js';
