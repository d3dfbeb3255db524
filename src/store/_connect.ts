import { openStore, type Store, type StoreOptions } from './_store.js';
import { isPostgresUrl } from './pg/_pool.js';
import { openPgStore } from './pg/_store.js';

/**
 * Open the store that `target` names: a `postgres://` / `postgresql://` URL opens the PostgreSQL
 * store (migrated, as a SQLite file is), anything else is a SQLite file path. `target` is what the
 * user gave (--db / DIGEST_DB / config `db`); a path is used as given (resolve it first).
 */
export async function connectStore(target: string, options: StoreOptions = {}): Promise<Store> {
  if (isPostgresUrl(target)) return openPgStore(target, options);
  return openStore(target, options);
}
