import { resolve } from 'node:path';
import { isPostgresUrl } from '../store/index.js';
import type { OptionSpec } from './_command.js';

/** The --db flag of every command that opens the store. */
export const DB_OPTION: OptionSpec = {
  type: 'string',
  valueName: 'FILE|URL',
  description: 'SQLite file or postgres:// URL (default data/digest.db, or DIGEST_DB)',
};

/** Where the build caches go when the store is a PostgreSQL database (they stay on each machine). */
export const DEFAULT_CACHE_DB = 'data/cache.db';

/**
 * What `connectStore` opens for --db / DIGEST_DB / config `db`: a `postgres://` or `postgresql://`
 * URL as given, a SQLite path resolved against `cwd`.
 */
export function storeTarget(cwd: string, db: string): string {
  return isPostgresUrl(db) ? db : resolve(cwd, db);
}

/**
 * The SQLite file of the build caches (content index, render cache), resolved against `cwd`:
 * `cacheDb` (--cache-db / config `cacheDb`) when given, else the --db file when that is SQLite
 * (one file, as before), else `data/cache.db` (a PostgreSQL store holds no build cache).
 */
export function cacheDbFile(cwd: string, config: { db: string; cacheDb?: string }): string {
  if (config.cacheDb !== undefined && config.cacheDb !== '') return resolve(cwd, config.cacheDb);
  return resolve(cwd, isPostgresUrl(config.db) ? DEFAULT_CACHE_DB : config.db);
}
