export { ContentIndex, type ContentIndexOptions, openContentIndex } from './_index.js';
export type { ScanOptions } from './_load.js';
export { type IndexedSource, indexedSource } from './_source.js';
