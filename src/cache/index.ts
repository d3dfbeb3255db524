export { type BuildCache, type BuildCacheOptions, openBuildCache } from './_build-cache.js';
export { renderFingerprint } from './_fingerprint.js';
export { type CachedRender, RenderCache, renderKey } from './_render-cache.js';
export { StoryCache } from './_story-cache.js';
