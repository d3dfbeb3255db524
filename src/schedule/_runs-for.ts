import type { StoreBackend } from '../store/index.js';
import { type RunStore, type RunStoreOptions, SqliteRunStore } from './_runs.js';
import { PgRunStore } from './_runs-pg.js';

/** The runs table of the store's database: SQLite (one machine) or PostgreSQL (any number). */
export function runStoreFor(backend: StoreBackend, options: RunStoreOptions): RunStore {
  return backend.kind === 'postgres'
    ? new PgRunStore(backend.pool, options)
    : new SqliteRunStore(backend.db, options);
}
