import { existsSync } from 'node:fs';
import { ContentIndex } from '../content-index/index.js';
import { openDatabase, type SqliteDatabase } from '../store/index.js';
import { RenderCache } from './_render-cache.js';
import { StoryCache } from './_story-cache.js';

export interface BuildCacheOptions {
  /** Read the caches, never write them (a dry run leaves the database untouched). */
  readonly?: boolean;
  /** The wall clock. Default Date.now. */
  now?: () => number;
}

/** The caches of one build, in one open database: the content index, story groupings and rendered emails. */
export interface BuildCache {
  index: ContentIndex;
  /** Undefined when the database is not available. */
  render?: RenderCache;
  /** The day's story groupings; undefined when the database is not available. */
  stories?: StoryCache;
  /** Notes for stderr (the database could not be opened, the index was rebuilt, ...). */
  notes: string[];
  close(): void;
}

/**
 * Open the build caches in the SQLite database `file` (the one `--db` names, migrated like every
 * command does). Never throws: when the database can't be opened (read-only folder, damaged or
 * newer file) the build goes on without caches, with a note. Read-only on a missing file: no
 * caches and no note (a dry run must not create the database).
 */
export function openBuildCache(file: string, options: BuildCacheOptions = {}): BuildCache {
  let db: SqliteDatabase | undefined;
  const notes: string[] = [];
  if (!(options.readonly && !existsSync(file))) {
    try {
      db = openDatabase(file, { readonly: options.readonly, busyTimeoutMs: 2000 });
    } catch (error) {
      notes.push(
        `no build cache (${error instanceof Error ? error.message : String(error)}: ${file}); every file is read`,
      );
    }
  }
  const index = new ContentIndex(db, options);
  index.notes.push(...notes);
  return {
    index,
    render: db ? new RenderCache(db, options) : undefined,
    stories: db ? new StoryCache(db, options) : undefined,
    notes: index.notes,
    close: () => {
      if (db?.open) db.close();
    },
  };
}
