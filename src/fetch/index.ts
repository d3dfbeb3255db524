export {
  type ArticleFields,
  type ArticleFile,
  type FeedSource,
  itemToArticle,
  renderArticle,
  slugify,
} from './_article.js';
export { type FeedDate, parseFeedDate } from './_date.js';
export { type Decoded, decodeFeed } from './_decode.js';
export { cutExcerpt, EXCERPT_MAX, sentences } from './_excerpt.js';
export { type FeedReport, type FetchReport, type FetchRequest, fetchFeeds } from './_fetch.js';
export { firstImage, htmlToText, resolveUrl } from './_html.js';
export {
  getFeed,
  HTTP_DEFAULTS,
  type HttpOptions,
  type HttpResult,
  MAX_REDIRECTS,
  retryAfterMs,
} from './_http.js';
export {
  type FeedInfo,
  type FeedItem,
  feedburnerOrigLinks,
  type ParsedFeed,
  parseFeedText,
} from './_parse.js';
