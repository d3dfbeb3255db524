import type { ContentSource, ContentWindow, LoadResult } from '../content/index.js';
import type { ContentIndex } from './_index.js';
import { loadThroughIndex, type ScanOptions } from './_load.js';

/** The indexed source: a load's result, with how many files scan worker threads handled. */
export interface IndexedSource extends ContentSource {
  load(dir: string, window: ContentWindow): Promise<LoadResult & { inWorkers: number }>;
}

/**
 * The content source behind the content index (see ContentIndex): a load stats each file and
 * reads only those whose stat changed since they were last read, and gives what the plain
 * source would (tests/scale compares them). The index is written behind the load (its snapshot
 * is deflated on a pool thread while the build goes on): `flush` settles once it is written,
 * and a second load waits for the first one's write.
 */
export function indexedSource(index: ContentIndex, options: ScanOptions = {}): IndexedSource {
  let writing: Promise<void> = Promise.resolve();
  return {
    async load(dir, window) {
      await writing;
      const { result, inWorkers, written } = await loadThroughIndex(dir, window, index, options);
      writing = written;
      // Not a spread: it would make `considered` (an entry per file) at once.
      return Object.assign(result, { inWorkers });
    },
    flush: () => writing,
  };
}
