import type { SqliteDatabase } from './_db.js';
import type { StoreBackend } from './_store.js';

/**
 * The backend of a store, or of a bare SQLite handle: what the features with tables of their own
 * (archive, bounce events, delivery stats) accept, so that callers and tests that hold only the
 * SQLite handle of a file keep working.
 */
export type BackendLike = StoreBackend | SqliteDatabase;

/** The StoreBackend of `where` (a SQLite handle is the file it opened). */
export function backendOf(where: BackendLike): StoreBackend {
  return 'kind' in where ? where : { kind: 'sqlite', db: where, file: where.name };
}
