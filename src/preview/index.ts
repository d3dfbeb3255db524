export { isCalendarDate } from '../http/index.js';
export { escapeHtml } from '../render/index.js';
export {
  type ArticleDay,
  BuildCache,
  type BuildSource,
  type DayBuild,
  type DayOutcome,
  type DaySummary,
} from './_builds.js';
export { emulateDarkScheme, hasDarkStyles } from './_dark.js';
export { describeError, type ErrorView } from './_error-view.js';
export { parseHeaderBlock, SAMPLE_READER, sendHeaders } from './_headers.js';
export { html, SafeHtml, safeHref } from './_html.js';
export {
  isLoopbackHost,
  type ParsedRequest,
  type PreviewQuery,
  parseRequest,
  type Route,
} from './_request.js';
export { DATA_CSP, EMAIL_CSP, PAGE_CSP } from './_respond.js';
export { type PreviewOptions, type PreviewServer, startPreview } from './_server.js';
export { pipelineSource } from './_source.js';
export { type SourceWatch, watchSources } from './_watch.js';
