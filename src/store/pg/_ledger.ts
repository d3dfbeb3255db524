import type { SqliteLedgerOptions } from '../_sqlite-ledger.js';
import type { PgPool } from './_pool.js';

// SCAFFOLD (lead, 2026-12-02 15:55): H18c replaces this file with the real PgLedger.
export class PgLedger {
  constructor(pool: PgPool, options: SqliteLedgerOptions = {}) {
    void pool;
    void options;
    throw new Error('PgLedger: not built yet');
  }
}
