import { resolve } from 'node:path';
import { isPostgresUrl } from '../store/index.js';
import type { OptionSpec } from './_command.js';

/** The --db flag of every command that opens the store. */
export const DB_OPTION: OptionSpec = {
  type: 'string',
  valueName: 'FILE|URL',
  description: 'SQLite file or postgres:// URL (default data/digest.db, or DIGEST_DB)',
};

/** Where the build caches go when the store is a PostgreSQL database (they stay on each machine). */
export const DEFAULT_CACHE_DB = 'data/cache.db';

/**
 * What `connectStore` opens for --db / DIGEST_DB / config `db`: a `postgres://` or `postgresql://`
 * URL with what it leaves out taken from libpq's variables in `env` (see withPgEnvironment), a
 * SQLite path resolved against `cwd`.
 */
export function storeTarget(cwd: string, db: string, env: Record<string, string | undefined> = {}): string {
  return isPostgresUrl(db) ? withPgEnvironment(db, env) : resolve(cwd, db);
}

/** libpq's TLS variables and the URL parameters node-postgres reads for them. */
const PG_TLS_VARIABLES: Record<string, string> = {
  PGSSLMODE: 'sslmode',
  PGSSLROOTCERT: 'sslrootcert',
  PGSSLCERT: 'sslcert',
  PGSSLKEY: 'sslkey',
};

/**
 * `url` with each part it leaves out taken from PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE and
 * the PGSSL* variables of `env`, as libpq does (what the URL says wins). node-postgres reads most
 * of these itself, but from the process environment only: through `env` they also come from
 * `.env`, and PGSSLROOTCERT, PGSSLCERT and PGSSLKEY (which it does not read) work too.
 */
export function withPgEnvironment(url: string, env: Record<string, string | undefined>): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return url;
  }
  const given = (name: string) => {
    const value = env[name];
    return value === undefined || value === '' ? undefined : value;
  };
  const query = parsed.searchParams;
  const host = given('PGHOST');
  if (parsed.hostname === '' && !query.has('host') && host !== undefined) {
    // A socket folder is a parameter; a host name goes where a URL has it.
    if (host.startsWith('/')) query.set('host', host);
    else parsed.hostname = host;
  }
  const fill = (part: 'port' | 'username' | 'password', param: string, name: string) => {
    const value = given(name);
    if (value === undefined || parsed[part] !== '' || query.has(param)) return;
    // A URL with no host has no user part: the parameter (node-postgres reads both) holds it.
    if (parsed.hostname !== '') parsed[part] = value;
    else query.set(param, value);
  };
  fill('port', 'port', 'PGPORT');
  fill('username', 'user', 'PGUSER');
  fill('password', 'password', 'PGPASSWORD');
  const database = given('PGDATABASE');
  if ((parsed.pathname === '' || parsed.pathname === '/') && database !== undefined) {
    parsed.pathname = `/${encodeURIComponent(database)}`;
  }
  for (const [name, param] of Object.entries(PG_TLS_VARIABLES)) {
    const value = given(name);
    if (value !== undefined && !query.has(param)) query.set(param, value);
  }
  // Nothing taken from `env`: the URL exactly as given, not as URL writes it back.
  const filled = parsed.toString();
  return filled === new URL(url).toString() ? url : filled;
}

/**
 * The SQLite file of the build caches (content index, render cache), resolved against `cwd`:
 * `cacheDb` (--cache-db / config `cacheDb`) when given, else the --db file when that is SQLite
 * (one file, as before), else `data/cache.db` (a PostgreSQL store holds no build cache).
 */
export function cacheDbFile(cwd: string, config: { db: string; cacheDb?: string }): string {
  if (config.cacheDb !== undefined && config.cacheDb !== '') return resolve(cwd, config.cacheDb);
  return resolve(cwd, isPostgresUrl(config.db) ? DEFAULT_CACHE_DB : config.db);
}
