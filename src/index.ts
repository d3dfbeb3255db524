export * from './config/index.js';
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
export type * from './types.js';
