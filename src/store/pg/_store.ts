import { DigestError } from '../../errors.js';
import type { Store, StoreOptions } from '../_store.js';
import { PgLedger } from './_ledger.js';
import { migratePg, PG_MIGRATIONS, pgSchemaVersion } from './_migrations.js';
import { checkPg, openPgPool, redactUrl } from './_pool.js';
import { PgSubscriberStore } from './_subscribers.js';

/**
 * Open the PostgreSQL store at `url`: connect, then bring the schema up to date (one transaction,
 * under an advisory lock), as openDatabase does for a file. `mustExist` (what sends use) refuses a
 * database that holds no news-digest schema instead of creating one; `readonly` never migrates
 * and refuses an older schema, naming `digest db migrate`.
 */
export async function openPgStore(url: string, options: StoreOptions = {}): Promise<Store> {
  const pool = openPgPool(url);
  const shown = redactUrl(url);
  try {
    await checkPg(pool, url);
    const version = await pgSchemaVersion(pool);
    const known = (options.pgMigrations ?? PG_MIGRATIONS).length;
    const mustExist = options.mustExist === true || options.readonly === true;
    if (mustExist && version === 0) {
      throw new DigestError('E_DB', `the PostgreSQL database ${shown} holds no news-digest schema`, {
        field: 'DIGEST_DB',
        hint: 'check --db / DIGEST_DB; a new list is created by `digest db migrate`, `digest subscribers import` or `digest migrate-store`',
      });
    }
    if (options.readonly === true && version < known && version > 0) {
      throw new DigestError(
        'E_DB',
        `the PostgreSQL database ${shown} has schema version ${version} and needs ${known}`,
        { field: 'DIGEST_DB', hint: 'run `digest db migrate` once' },
      );
    }
    if (options.readonly !== true || version > known) await migratePg(pool, url, options.pgMigrations);
  } catch (error) {
    await pool.end().catch(() => {});
    throw error;
  }
  const backend = { kind: 'postgres' as const, pool, url };
  let closed = false;
  return {
    backend,
    description: shown,
    get db(): never {
      throw new DigestError('E_DB', 'this feature does not work on a PostgreSQL store yet', {
        field: 'DIGEST_DB',
        hint: 'use a SQLite file for --db / DIGEST_DB for this command',
      });
    },
    subscribers: new PgSubscriberStore(pool, { now: options.now }),
    ledger: new PgLedger(pool, options),
    close: async () => {
      if (closed) return;
      closed = true;
      await pool.end();
    },
  };
}
