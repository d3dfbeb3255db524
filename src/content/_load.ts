import { classify } from './_classify.js';
import { Collected } from './_collect.js';
import { listArticleFiles } from './_find.js';
import { readArticleFile } from './_read.js';
import type { ContentSource, LoadResult } from './_source.js';
import type { ContentWindow } from './_window.js';

/**
 * Read every article file under `dir` and keep those inside the window. The steps:
 * 1. list the `.md` files, as sorted paths (see listArticleFiles);
 * 2. read each file (see readArticleFile);
 * 3. decide it: a cheap first look at its date, then a full parse when that date is in the
 *    window or unclear (see classify);
 * 4. keep the articles in the window; every other file becomes a small `outOfWindow` or
 *    `invalid` entry at once, so memory follows the window, not the folder.
 */
export async function loadArticles(dir: string, window: ContentWindow): Promise<LoadResult> {
  const listing = await listArticleFiles(dir);
  const found = new Collected(window, listing.problems);
  const prefix = dir.endsWith('/') ? dir : `${dir}/`;
  for (const [i, path] of listing.files.entries()) {
    const read = readArticleFile(prefix + path, path);
    found.add(path, 'problem' in read ? read.problem : classify(path, read.bytes, window).outcome);
    // The reads are synchronous (see readArticleFile): let other work run now and then.
    if (i % 1024 === 1023) await new Promise((resolve) => setImmediate(resolve));
  }
  return found.result(listing.files.length);
}

/** The plain source: every file is read on every load, nothing is kept. */
export const plainSource: ContentSource = {
  load: loadArticles,
  flush: async () => {},
};
