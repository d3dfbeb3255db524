export {
  type AddressCheck,
  addressKey,
  hasControlChars,
  normalizeEmail,
  normalizeName,
  parseTopics,
} from './_address.js';
export { connectStore } from './_connect.js';
export { type CsvRecord, parseCsv, parseSubscriberCsv, type RowProblem, type SubscriberRow } from './_csv.js';
export {
  migrate,
  type OpenOptions,
  openDatabase,
  SCHEMA_VERSION,
  type SqliteDatabase,
  userVersion,
} from './_db.js';
export {
  type FeedState,
  type FetchFailure,
  type FetchStateStore,
  type FetchSuccess,
  SqliteFetchState,
} from './_fetch-state.js';
export { fetchStateFor } from './_fetch-state-for.js';
export {
  type ClaimScope,
  DELIVERY_STATES,
  type DeliveryEntry,
  type DeliveryRecord,
  type DeliveryResult,
  type DeliveryState,
  type DigestInfo,
  type DigestParts,
  type DigestRecord,
  digestPartsSha256,
  emptyCounts,
  type Ledger,
  type Outstanding,
  type ResultEntry,
  type SendLock,
  type StoredCopy,
} from './_ledger.js';
export { MemoryLedger } from './_memory-ledger.js';
export { MIGRATIONS, type Migration } from './_migrations.js';
export { pidIsAlive, SqliteLedger, type SqliteLedgerOptions } from './_sqlite-ledger.js';
export { SqliteSubscriberStore } from './_sqlite-subscribers.js';
export { openStore, type Store, type StoreBackend, type StoreOptions, sqliteOf } from './_store.js';
export {
  type AddOutcome,
  type ConfirmOutcome,
  FREQUENCIES,
  type Frequency,
  type ImportCounts,
  type Preferences,
  type ResubscribeOutcome,
  type SignupDecision,
  type SignupOptions,
  type Subscriber,
  type SubscriberInput,
  type SubscriberStatus,
  type SubscriberStore,
  subscriberInput,
} from './_subscribers.js';
export { PgFetchState } from './pg/_fetch-state.js';
export { PgLedger, type PgLedgerOptions } from './pg/_ledger.js';
export {
  migratePg,
  PG_MIGRATIONS,
  PG_SCHEMA_VERSION,
  type PgMigration,
  pgSchemaVersion,
} from './pg/_migrations.js';
export {
  checkPg,
  inTransaction,
  isPostgresUrl,
  openPgPool,
  type PgClient,
  type PgPool,
  redactUrl,
} from './pg/_pool.js';
