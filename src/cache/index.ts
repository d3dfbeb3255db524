export { type BuildCache, type BuildCacheOptions, openBuildCache } from './_build-cache.js';
export { renderFingerprint, selectFingerprint } from './_fingerprint.js';
export { type CachedRender, RenderCache, renderKey } from './_render-cache.js';
export { StoryCache, storyKey } from './_story-cache.js';
