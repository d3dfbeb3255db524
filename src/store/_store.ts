import { DigestError } from '../errors.js';
import { type OpenOptions, openDatabase, type SqliteDatabase } from './_db.js';
import type { Ledger } from './_ledger.js';
import { SqliteLedger, type SqliteLedgerOptions } from './_sqlite-ledger.js';
import { SqliteSubscriberStore } from './_sqlite-subscribers.js';
import type { SubscriberStore } from './_subscribers.js';
import type { PgLedgerOptions } from './pg/_ledger.js';
import type { PgMigration } from './pg/_migrations.js';
import type { PgPool } from './pg/_pool.js';

/**
 * What a store keeps its rows in: a SQLite file (one machine) or a PostgreSQL database (any number).
 * Features with tables of their own (runs, the archive, bounce events, fetch state) pick their
 * implementation from this, the way a factory picks a transport.
 */
export type StoreBackend =
  | { readonly kind: 'sqlite'; readonly db: SqliteDatabase; readonly file: string }
  | { readonly kind: 'postgres'; readonly pool: PgPool; readonly url: string };

/** An open database with its subscriber store and send ledger. */
export interface Store {
  readonly backend: StoreBackend;
  /** The file, or the URL without its password: for messages. */
  readonly description: string;
  /** The SQLite handle, for features not yet on `backend`; E_DB on a PostgreSQL store. */
  readonly db: SqliteDatabase;
  subscribers: SubscriberStore;
  ledger: Ledger;
  /** Close the file or end the pool (a SQLite store is closed before this resolves). */
  close(): Promise<void>;
}

export type StoreOptions = OpenOptions &
  SqliteLedgerOptions &
  PgLedgerOptions & {
    /** The PostgreSQL schema steps; default PG_MIGRATIONS (tests may pass a longer list). */
    pgMigrations?: PgMigration[];
  };

/** Open the SQLite file at `file` (migrated; see openDatabase) with its subscriber store and ledger. */
export function openStore(file: string, options: StoreOptions = {}): Store {
  const db = openDatabase(file, options);
  return {
    backend: { kind: 'sqlite', db, file },
    description: file,
    db,
    subscribers: new SqliteSubscriberStore(db, { now: options.now }),
    ledger: new SqliteLedger(db, options),
    close: async () => {
      if (db.open) db.close();
    },
  };
}

/** The SQLite handle of a store, or E_DB naming `feature` for a PostgreSQL one. */
export function sqliteOf(backend: StoreBackend, feature: string): SqliteDatabase {
  if (backend.kind === 'sqlite') return backend.db;
  throw new DigestError('E_DB', `${feature} does not work on a PostgreSQL store yet`, {
    field: 'DIGEST_DB',
    hint: 'use a SQLite file for --db / DIGEST_DB for this command',
  });
}
