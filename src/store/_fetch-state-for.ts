import { type FetchStateStore, SqliteFetchState } from './_fetch-state.js';
import type { StoreBackend } from './_store.js';
import { PgFetchState } from './pg/_fetch-state.js';

/** The fetch state of the store's database: SQLite (one machine) or PostgreSQL (any number). */
export function fetchStateFor(backend: StoreBackend): FetchStateStore {
  return backend.kind === 'postgres' ? new PgFetchState(backend.pool) : new SqliteFetchState(backend.db);
}
