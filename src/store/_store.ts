import { type OpenOptions, openDatabase, type SqliteDatabase } from './_db.js';
import type { Ledger } from './_ledger.js';
import { SqliteLedger, type SqliteLedgerOptions } from './_sqlite-ledger.js';
import { SqliteSubscriberStore, type SubscriberStore } from './_subscribers.js';

/** An open database with its subscriber store and send ledger. */
export interface Store {
  /** The underlying SQLite handle, for other features' own tables. */
  db: SqliteDatabase;
  subscribers: SubscriberStore;
  ledger: Ledger;
  close(): void;
}

/** Open the SQLite file at `file` (migrated; see openDatabase) with its subscriber store and ledger. */
export function openStore(file: string, options: OpenOptions & SqliteLedgerOptions = {}): Store {
  const db = openDatabase(file, options);
  return {
    db,
    subscribers: new SqliteSubscriberStore(db, { now: options.now }),
    ledger: new SqliteLedger(db, options),
    close: () => {
      if (db.open) db.close();
    },
  };
}
