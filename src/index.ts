export * from './config/index.js';
// Each pipeline stage and service as a namespace, so names stay unambiguous across stages.
export * as content from './content/index.js';
export * as contentIndex from './content-index/index.js';
export * as deliver from './deliver/index.js';
export * as editions from './editions/index.js';
export * from './errors.js';
export {
  articleDays,
  type BuildRequest,
  type BuildResult,
  buildDigest,
  latestDay,
  renderContext,
  writeDigest,
} from './pipeline.js';
export * as preview from './preview/index.js';
export * as render from './render/index.js';
export * as sample from './sample/index.js';
export * as schedule from './schedule/index.js';
export * as select from './select/index.js';
export * as store from './store/index.js';
export type * from './types.js';
export * as web from './web/index.js';
