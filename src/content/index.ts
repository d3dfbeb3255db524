export { findArticleFiles } from './_find.js';
export { type LoadOptions, type LoadResult, loadArticles } from './_load.js';
export { type ParseOptions, type ParseResult, parseArticle } from './_parse.js';
export { formatProblem, MAX_ARTICLE_BYTES } from './_problem.js';
