export { type CheapDate, cheapPublished } from './_cheap.js';
export {
  type Classified,
  classify,
  examine,
  fromParsed,
  type Outcome,
  outcomeOf,
  outOfWindow,
} from './_classify.js';
export { Collected } from './_collect.js';
export { isoTime, parsePublished } from './_dates.js';
export { cleanText, siteOf } from './_fields.js';
export { type FolderStamp, findArticleFiles, type Listing, listArticleFiles } from './_find.js';
export { loadArticles, plainSource } from './_load.js';
export { OutsideWindow } from './_outside.js';
export { type ParseOptions, type ParseResult, parseArticle } from './_parse.js';
export { formatProblem, MAX_ARTICLE_BYTES, tooLargeProblem } from './_problem.js';
export { readArticleFile } from './_read.js';
export type { ContentSource, LoadResult } from './_source.js';
export { type FileStamp, sameStamp, stampOf } from './_stamp.js';
export {
  AFTER_WINDOW,
  allTime,
  BEFORE_WINDOW,
  type ContentWindow,
  inWindow,
  outsideReason,
} from './_window.js';
