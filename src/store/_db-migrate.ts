import { existsSync, statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { openDatabase, userVersion } from './_db.js';
import { migratePg } from './pg/_migrations.js';
import { checkPg, isPostgresUrl, openPgPool, redactUrl } from './pg/_pool.js';

/** What `digest db migrate` did: the schema version before and after. */
export interface MigrateReport {
  store: 'sqlite' | 'postgres';
  /** The file, or the URL without its password. */
  description: string;
  from: number;
  to: number;
}

/**
 * Bring the store `target` (a SQLite path or a PostgreSQL URL) up to this build's schema, creating
 * it when empty; a schema newer than this build is refused with E_DB_VERSION and left alone.
 * The same steps every command runs when it opens a store, on their own: the way to upgrade a
 * PostgreSQL store once, before senders that only read it (`readonly`) start.
 */
export async function migrateTarget(target: string): Promise<MigrateReport> {
  if (isPostgresUrl(target)) {
    const pool = openPgPool(target, { max: 1 });
    try {
      await checkPg(pool, target);
      const { from, to } = await migratePg(pool, target);
      return { store: 'postgres', description: redactUrl(target), from, to };
    } finally {
      await pool.end();
    }
  }
  const from = sqliteVersion(target);
  const db = openDatabase(target);
  try {
    return { store: 'sqlite', description: target, from, to: userVersion(db) };
  } finally {
    db.close();
  }
}

/** The schema version of a SQLite file without opening it for writing; 0 when there is none yet. */
function sqliteVersion(file: string): number {
  if (!existsSync(file) || statSync(file).size === 0) return 0;
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return userVersion(db);
  } finally {
    db.close();
  }
}
