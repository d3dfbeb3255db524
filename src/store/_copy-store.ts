import { existsSync } from 'node:fs';
import { DigestError } from '../errors.js';
import { openDatabase, type SqliteDatabase } from './_db.js';
import { sqliteSenders } from './_db-status.js';
import { migratePg } from './pg/_migrations.js';
import { checkPg, inTransaction, openPgPool, type PgClient, redactUrl } from './pg/_pool.js';

/**
 * The tables a SQLite store shares with a PostgreSQL one, in the order they are copied, with the
 * column that orders their rows (and, for those with an identity, the column it feeds). Not
 * copied: the content index and the render cache (local build caches, rebuilt by the next build)
 * and send_locks (the senders of the SQLite file, stopped before a move).
 */
export const COPIED_TABLES: readonly { name: string; order: string; identity?: string }[] = [
  { name: 'addresses', order: 'id', identity: 'id' },
  { name: 'subscribers', order: 'id' },
  { name: 'deliveries', order: 'digest_key, subscriber_id' },
  { name: 'digests', order: 'digest_key' },
  { name: 'runs', order: 'id', identity: 'id' },
  { name: 'web_copies', order: 'digest_key' },
  { name: 'digest_topics', order: 'digest_key, topic' },
  { name: 'feeds', order: 'url' },
  { name: 'feed_items', order: 'feed_url, item_id' },
  { name: 'bounce_events', order: 'id', identity: 'id' },
];

/** PostgreSQL takes at most 65,535 parameters per statement; rows per INSERT stay well below. */
const MAX_PARAMS = 30_000;
const MAX_ROWS_PER_INSERT = 1_000;

/** What copyStore did: the rows copied per table, in COPIED_TABLES order. */
export interface CopyReport {
  from: string;
  /** The URL without its password. */
  to: string;
  tables: Record<string, number>;
  rows: number;
}

export interface CopyOptions {
  /** Clock for judging whether a send lock of the file is live, epoch ms. Default Date.now. */
  now?: () => number;
  /** Called after each table with its row count (progress on stderr). */
  onTable?: (table: string, rows: number) => void;
}

/**
 * Copy the SQLite store `file` into the PostgreSQL database at `url`: every row of every table in
 * COPIED_TABLES, ids kept, in one PostgreSQL transaction (all or nothing), batched INSERTs read
 * from one SQLite snapshot; then each identity sequence is moved past the highest copied id, and
 * every table's count is checked against the file's. The target is migrated first; one that
 * already holds rows in any of these tables is refused (E_DB), and so is a file with a live send.
 */
export async function copyStore(file: string, url: string, options: CopyOptions = {}): Promise<CopyReport> {
  if (!existsSync(file)) {
    throw new DigestError('E_DB', `the SQLite file ${file} does not exist: nothing was copied`, {
      file,
      hint: 'give --from the file of --db / DIGEST_DB (default data/digest.db)',
    });
  }
  const source = openDatabase(file, { readonly: true, mustExist: true });
  const pool = openPgPool(url, { max: 1 });
  try {
    const live = sqliteSenders(source, options.now ?? Date.now).filter((s) => s.live);
    if (live.length > 0) {
      const [first] = live;
      throw new DigestError(
        'E_DB',
        `${file} is being sent from: digest ${first?.digestKey} by pid ${first?.pid} on ${first?.host}`,
        { file, hint: 'let the send finish (or stop it), stop `digest serve` and the scheduler, then copy' },
      );
    }
    await checkPg(pool, url);
    await migratePg(pool, url);
    const tables: Record<string, number> = {};
    // One read transaction: every table is read from the same snapshot of the file.
    source.exec('BEGIN');
    try {
      await inTransaction(pool, async (client) => {
        await refuseNonEmpty(client, url);
        for (const table of COPIED_TABLES) {
          tables[table.name] = await copyTable(source, client, table.name, table.order);
          options.onTable?.(table.name, tables[table.name] ?? 0);
        }
        for (const table of COPIED_TABLES) {
          if (table.identity) await moveIdentity(client, table.name, table.identity);
          await checkCount(client, table.name, tables[table.name] ?? 0);
        }
      });
    } finally {
      source.exec('COMMIT');
    }
    const rows = Object.values(tables).reduce((a, b) => a + b, 0);
    return { from: file, to: redactUrl(url), tables, rows };
  } finally {
    source.close();
    await pool.end();
  }
}

/** A target with rows in any copied table would mix two lists: refused before anything is written. */
async function refuseNonEmpty(client: PgClient, url: string): Promise<void> {
  const held: string[] = [];
  for (const { name } of COPIED_TABLES) {
    // Locked against writers until COMMIT: nothing can slip in between this check and the copy.
    await client.query(`LOCK TABLE ${name} IN EXCLUSIVE MODE`);
    const found = await client.query(`SELECT 1 FROM ${name} LIMIT 1`);
    if (found.rowCount) held.push(name);
  }
  if (held.length === 0) return;
  throw new DigestError(
    'E_DB',
    `the PostgreSQL database ${redactUrl(url)} already holds rows (${held.join(', ')}): nothing was copied`,
    {
      field: '--to',
      hint: 'copy into a new, empty database (createdb digest_new), or drop this one first if it is a failed try',
    },
  );
}

/** Copy one table in batches of rows; returns how many. */
async function copyTable(
  source: SqliteDatabase,
  client: PgClient,
  table: string,
  order: string,
): Promise<number> {
  const columns = await sharedColumns(source, client, table);
  const list = columns.join(', ');
  const perInsert = Math.max(1, Math.min(MAX_ROWS_PER_INSERT, Math.floor(MAX_PARAMS / columns.length)));
  const rows = source.prepare(`SELECT ${list} FROM ${table} ORDER BY ${order}`).raw().iterate() as Iterable<
    unknown[]
  >;
  let batch: unknown[][] = [];
  let copied = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    const values = batch
      .map((_, r) => `(${columns.map((_c, c) => `$${r * columns.length + c + 1}`).join(', ')})`)
      .join(', ');
    await client.query(`INSERT INTO ${table} (${list}) VALUES ${values}`, batch.flat());
    copied += batch.length;
    batch = [];
  };
  for (const row of rows) {
    batch.push(row);
    if (batch.length >= perInsert) await flush();
  }
  await flush();
  return copied;
}

/**
 * The columns of `table` in the file, each of which must exist in PostgreSQL: a column the target
 * has no place for would be lost, so it stops the copy (a newer file than this build knows).
 */
async function sharedColumns(source: SqliteDatabase, client: PgClient, table: string): Promise<string[]> {
  const mine = (source.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[]).map((c) => c.name);
  const theirs = new Set(
    (
      await client.query<{ name: string }>(
        'SELECT column_name AS name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1',
        [table],
      )
    ).rows.map((c) => c.name),
  );
  const missing = mine.filter((c) => !theirs.has(c));
  if (mine.length === 0 || missing.length > 0) {
    throw new DigestError(
      'E_DB',
      mine.length === 0
        ? `the SQLite file has no table ${table}`
        : `column ${missing.join(', ')} of table ${table} has no place in the PostgreSQL schema`,
      { hint: 'use the news-digest that wrote the file (or a newer one) for the copy' },
    );
  }
  return mine;
}

/** Set the identity of `table.column` so that the next row gets an id past every copied one. */
async function moveIdentity(client: PgClient, table: string, column: string): Promise<void> {
  await client.query(
    `SELECT setval(pg_get_serial_sequence($1, $2), COALESCE((SELECT MAX(${column}) FROM ${table}), 0) + 1, false)`,
    [table, column],
  );
}

/** The copy must hold exactly the file's rows, table by table, before it commits. */
async function checkCount(client: PgClient, table: string, expected: number): Promise<void> {
  const found = await client.query<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table}`);
  const n = Number(found.rows[0]?.n ?? 0);
  if (n !== expected) {
    throw new DigestError(
      'E_DB',
      `table ${table}: ${n} rows in PostgreSQL, ${expected} copied: nothing was kept`,
      {
        hint: 'the copy was rolled back; run it again',
      },
    );
  }
}
