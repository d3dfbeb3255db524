import { existsSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import Database from 'better-sqlite3';
import { DigestError } from '../errors.js';
import { SCHEMA_VERSION, type SqliteDatabase, userVersion } from './_db.js';
import { DELIVERY_STATES, type DeliveryState, emptyCounts } from './_ledger.js';
import { pidIsAlive, SQLITE_LOCK_STALE_MS } from './_sqlite-ledger.js';
import { PG_SCHEMA_VERSION, pgSchemaVersion } from './pg/_migrations.js';
import { checkPg, isPostgresUrl, openPgPool, redactUrl } from './pg/_pool.js';

/** A digest with recipients still to send or to decide (pending, sending, failed_temp, unknown). */
export interface DigestInFlight {
  digestKey: string;
  /** Rows of the ledger by state, every state present (0 when none). */
  counts: Record<DeliveryState, number>;
}

/** A sender of a digest as the store records it: `send_workers` on PostgreSQL, `send_locks` on SQLite. */
export interface SenderStatus {
  workerId: string;
  digestKey: string;
  pid: number;
  host: string;
  startedAt: number;
  heartbeatAt: number;
  /** How long its lease still runs, ms; 0 or less once it ran out (a dead sender: others take over). */
  leaseLeftMs: number;
  live: boolean;
}

/** What `digest db status` reports. */
export interface DbStatus {
  store: 'sqlite' | 'postgres';
  /** The file, or the URL without its password. */
  description: string;
  /** The schema version in the store (0: no news-digest schema yet). */
  schemaVersion: number;
  /** The schema version this build writes. */
  knownVersion: number;
  inFlight: DigestInFlight[];
  senders: SenderStatus[];
}

/** The ledger states that leave a digest unfinished. */
const OPEN_STATES: DeliveryState[] = ['pending', 'sending', 'failed_temp', 'unknown'];
const OPEN_LIST = OPEN_STATES.map((s) => `'${s}'`).join(', ');
const IN_FLIGHT_SQL = `SELECT digest_key, state, COUNT(*) AS n FROM deliveries
  WHERE digest_key IN (SELECT DISTINCT digest_key FROM deliveries WHERE state IN (${OPEN_LIST}))
  GROUP BY digest_key, state ORDER BY digest_key`;

interface CountRow {
  digest_key: string;
  state: string;
  n: number;
}

/**
 * The schema version, the digests in flight and the senders of the store `target` (a SQLite path
 * or a PostgreSQL URL), read without migrating or writing anything.
 */
export async function dbStatus(target: string, options: { now?: () => number } = {}): Promise<DbStatus> {
  return isPostgresUrl(target) ? pgStatus(target) : sqliteStatus(target, options.now ?? Date.now);
}

function sqliteStatus(file: string, now: () => number): DbStatus {
  if (!existsSync(file) || statSync(file).size === 0) {
    throw new DigestError('E_DB', `the database ${file} does not exist (or is empty)`, {
      file,
      hint: 'check --db / DIGEST_DB; `digest db migrate` creates a new one',
    });
  }
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const version = userVersion(db);
    const status: DbStatus = {
      store: 'sqlite',
      description: file,
      schemaVersion: version,
      knownVersion: SCHEMA_VERSION,
      inFlight: [],
      senders: [],
    };
    if (version === 0) return status;
    status.inFlight = inFlightOf(db.prepare(IN_FLIGHT_SQL).all() as CountRow[]);
    status.senders = sqliteSenders(db, now);
    return status;
  } finally {
    db.close();
  }
}

/** The send locks of a SQLite store, live or not, as SqliteLedger judges them. */
export function sqliteSenders(db: SqliteDatabase, now: () => number): SenderStatus[] {
  const at = now();
  const here = hostname();
  const locks = db
    .prepare(
      'SELECT digest_key, owner, pid, host, started_at, heartbeat_at FROM send_locks ORDER BY digest_key',
    )
    .all() as {
    digest_key: string;
    owner: string;
    pid: number;
    host: string;
    started_at: number;
    heartbeat_at: number;
  }[];
  return locks.map((lock) => {
    const leaseLeftMs = lock.heartbeat_at + SQLITE_LOCK_STALE_MS - at;
    // As SqliteLedger decides: a stopped heartbeat, or a process of this host that is gone.
    const gone = lock.host === here && !pidIsAlive(lock.pid);
    return {
      workerId: lock.owner,
      digestKey: lock.digest_key,
      pid: lock.pid,
      host: lock.host,
      startedAt: lock.started_at,
      heartbeatAt: lock.heartbeat_at,
      leaseLeftMs: gone ? Math.min(0, leaseLeftMs) : leaseLeftMs,
      live: !gone && leaseLeftMs > 0,
    };
  });
}

async function pgStatus(url: string): Promise<DbStatus> {
  const pool = openPgPool(url, { max: 1 });
  try {
    await checkPg(pool, url);
    const version = await pgSchemaVersion(pool);
    const status: DbStatus = {
      store: 'postgres',
      description: redactUrl(url),
      schemaVersion: version,
      knownVersion: PG_SCHEMA_VERSION,
      inFlight: [],
      senders: [],
    };
    if (version === 0) return status;
    status.inFlight = inFlightOf((await pool.query<CountRow>(IN_FLIGHT_SQL)).rows);
    // Leases are set and compared by the database's clock (see PgLedger), so they are read by it.
    const workers = await pool.query<{
      worker_id: string;
      digest_key: string;
      pid: number;
      host: string;
      started_at: number;
      heartbeat_at: number;
      lease_left: number;
    }>(
      `SELECT worker_id, digest_key, pid, host, started_at, heartbeat_at,
              lease_until - (extract(epoch FROM clock_timestamp()) * 1000)::bigint AS lease_left
         FROM send_workers ORDER BY digest_key, started_at, worker_id`,
    );
    status.senders = workers.rows.map((w) => ({
      workerId: w.worker_id,
      digestKey: w.digest_key,
      pid: w.pid,
      host: w.host,
      startedAt: w.started_at,
      heartbeatAt: w.heartbeat_at,
      leaseLeftMs: Number(w.lease_left),
      live: Number(w.lease_left) > 0,
    }));
    return status;
  } finally {
    await pool.end();
  }
}

function inFlightOf(rows: CountRow[]): DigestInFlight[] {
  const byKey = new Map<string, Record<DeliveryState, number>>();
  for (const row of rows) {
    const counts = byKey.get(row.digest_key) ?? emptyCounts();
    if ((DELIVERY_STATES as readonly string[]).includes(row.state))
      counts[row.state as DeliveryState] = Number(row.n);
    byKey.set(row.digest_key, counts);
  }
  return [...byKey].map(([digestKey, counts]) => ({ digestKey, counts }));
}
