import { migratePg, openPgPool, PgLedger, type PgLedgerOptions, type PgPool } from '../../src/store/index.js';
import { freshPgDatabase } from './pg.js';

/**
 * A fresh, migrated PostgreSQL database whose subscribers table lists `subscribers` (active, ids
 * from 1), and a way to open ledgers on it, each on a pool of its own as another process would.
 * `close()` ends every pool it opened (releasing nothing: call that first) and drops the database.
 */
export async function pgLedgers(subscribers: number) {
  const database = await freshPgDatabase();
  const admin = openPgPool(database.url, { max: 2 });
  await migratePg(admin, database.url);
  const ids = Array.from({ length: subscribers }, (_, i) => i + 1);
  await admin.query(
    `INSERT INTO subscribers (id, email, created_at, updated_at)
     SELECT id, 's' || id || '@example.com', 0, 0 FROM unnest($1::bigint[]) AS id`,
    [ids],
  );
  const pools: PgPool[] = [admin];
  return {
    url: database.url,
    /** A pool for direct looks and changes (as an operator or another tool would make them). */
    admin,
    /** The entries of every subscriber, as a send enqueues them. */
    entries: ids.map((id) => ({ subscriberId: id, email: `s${id}@example.com`, messageId: `<m${id}@x>` })),
    /** A ledger on a new pool (`pool` is that pool, for a test that ends it to play a dead process). */
    open(options: PgLedgerOptions = {}): { ledger: PgLedger; pool: PgPool } {
      const pool = openPgPool(database.url, { max: 4 });
      pools.push(pool);
      return { ledger: new PgLedger(pool, options), pool };
    },
    async close(): Promise<void> {
      for (const pool of pools.splice(0)) if (!pool.ended) await pool.end().catch(() => {});
      await database.drop();
    },
  };
}
