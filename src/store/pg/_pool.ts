import { createRequire } from 'node:module';
import type pg from 'pg';
import { DigestError } from '../../errors.js';

/** A connection pool to one PostgreSQL database. */
export type PgPool = pg.Pool;
/** One connection of a pool (for a transaction). */
export type PgClient = pg.PoolClient;

/** Whether `target` (a --db / DIGEST_DB value) names a PostgreSQL database rather than a SQLite file. */
export function isPostgresUrl(target: string): boolean {
  return /^postgres(ql)?:\/\//i.test(target.trim());
}

/** The URL without its password (in the user part or a `password=` parameter), for messages and `--json` output. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    if (parsed.searchParams.has('password')) parsed.searchParams.set('password', '***');
    return parsed.toString();
  } catch {
    return url.replace(/:\/\/([^:@/]+):[^@/]*@/, '://$1:***@');
  }
}

let loaded: typeof pg | undefined;

/**
 * The `pg` package, loaded on first use: it takes ~60 ms to load, which every command on a SQLite
 * store (most of them, and every build) would otherwise pay at start.
 */
export function pgModule(): typeof pg {
  if (loaded) return loaded;
  const module = createRequire(import.meta.url)('pg') as typeof pg;
  // BIGINT (epoch milliseconds, ids) and COUNT(*) come back as JavaScript numbers, as from SQLite:
  // every such value here stays far below 2^53.
  module.types.setTypeParser(module.types.builtins.INT8, (value) => Number(value));
  module.types.setTypeParser(module.types.builtins.NUMERIC, (value) => Number(value));
  loaded = module;
  return module;
}

export interface PgPoolOptions {
  /** Most connections at once. Default 10. */
  max?: number;
  /** Shown in pg_stat_activity. Default `news-digest`. */
  applicationName?: string;
}

/**
 * A pool for `url` (`postgres://` or `postgresql://`). What the URL leaves out comes from the usual
 * PG* variables (PGHOST, PGUSER, PGPASSWORD, PGSSLMODE, ...), and `?sslmode=require` or
 * `?sslmode=verify-full&sslrootcert=...` in the URL turn on TLS, as with psql. Nothing connects
 * until the first query; see checkPg for a first query with a clear error.
 */
export function openPgPool(url: string, options: PgPoolOptions = {}): PgPool {
  const pool = new (pgModule().Pool)({
    connectionString: url,
    max: options.max ?? 10,
    application_name: options.applicationName ?? 'news-digest',
    connectionTimeoutMillis: 10_000,
  });
  // An idle connection the server closed (a restart, a failover) must not crash the process:
  // the next query gets a new connection or a clear error.
  pool.on('error', () => {});
  return pool;
}

/** Run a first query, turning a refused connection or a bad password into E_DB naming the URL. */
export async function checkPg(pool: PgPool, url: string): Promise<void> {
  try {
    await pool.query('SELECT 1');
  } catch (cause) {
    throw new DigestError('E_DB', `can't connect to the PostgreSQL database ${redactUrl(url)}`, {
      field: 'DIGEST_DB',
      hint: 'check the host, port, user, password and database name in --db / DIGEST_DB (or the PG* variables), and that the server runs',
      cause,
    });
  }
}

/**
 * Run `work` in one transaction on one connection: COMMIT when it resolves, ROLLBACK when it throws.
 * `isolation` is for the few steps that need more than READ COMMITTED.
 */
export async function inTransaction<T>(
  pool: PgPool,
  work: (client: PgClient) => Promise<T>,
  isolation?: 'SERIALIZABLE' | 'REPEATABLE READ',
): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query(isolation === undefined ? 'BEGIN' : `BEGIN ISOLATION LEVEL ${isolation}`);
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}
