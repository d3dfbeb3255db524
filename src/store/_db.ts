import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { DigestError } from '../errors.js';
import { MIGRATIONS, type Migration, SCHEMA_VERSION } from './_migrations.js';

export type SqliteDatabase = Database.Database;

export interface OpenOptions {
  /**
   * Open read-only: no file created, nothing written. A file at an older schema is upgraded first
   * when it can be written (then reopened read-only), or refused.
   */
  readonly?: boolean;
  /**
   * Refuse (E_DB) a file that does not exist, is empty or holds no subscribers table, instead of
   * creating one: what sends use, so a mistyped --db / DIGEST_DB fails rather than sends to nobody.
   */
  mustExist?: boolean;
  /** How long a statement waits for another process's write lock, ms. Default 5000. */
  busyTimeoutMs?: number;
  /** The schema steps to apply; default MIGRATIONS (tests may pass a longer list). */
  migrations?: Migration[];
}

/**
 * Open (or create) the SQLite database at `file`: WAL mode, a busy timeout, and every pending
 * migration applied. A database written by a newer version is refused with E_DB_VERSION.
 */
export function openDatabase(file: string, options: OpenOptions = {}): SqliteDatabase {
  const migrations = options.migrations ?? MIGRATIONS;
  const known = migrations.length;
  const mustExist = options.mustExist === true || options.readonly === true;
  if (mustExist && !existsSync(file)) {
    throw new DigestError('E_DB', `the database ${file} does not exist; nothing was created`, {
      file,
      hint: MISSING_HINT,
    });
  }
  if (mustExist && statSync(file).size === 0) {
    throw new DigestError('E_DB', `the database ${file} is an empty file`, { file, hint: MISSING_HINT });
  }
  if (!options.readonly) mkdirSync(dirname(file), { recursive: true });
  let db: SqliteDatabase;
  try {
    db = new Database(file, {
      readonly: options.readonly === true,
      fileMustExist: options.readonly === true,
    });
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 5000))}`);
    if (!options.readonly) {
      db.pragma('journal_mode = WAL');
      // WAL + NORMAL survives a killed process (what the ledger must); only a power cut can lose
      // the last commits, and fsync per message would cap the send rate far below 1,000/s.
      db.pragma('synchronous = NORMAL');
    } else db = readableOrSnapshot(db, file);
  } catch (cause) {
    throw new DigestError('E_DB', "can't open the database", {
      file,
      hint: 'check that the path is a SQLite file and the folder is writable',
      cause,
    });
  }
  try {
    const version = userVersion(db);
    if (version > known) {
      throw new DigestError(
        'E_DB_VERSION',
        `the database has schema version ${version}, written by a newer news-digest; this one knows up to ${known}`,
        { file, hint: 'upgrade news-digest, or point --db / DIGEST_DB at another file' },
      );
    }
    if (mustExist && version === 0) {
      throw new DigestError('E_DB', `${file} holds no subscribers table: not a news-digest database`, {
        file,
        hint: MISSING_HINT,
      });
    }
    if (version < known) {
      if (options.readonly) {
        db.close();
        upgradeThenReopen(file, options, version, known);
        return openDatabase(file, options);
      }
      migrate(db, migrations, file);
    }
  } catch (error) {
    if (db.open) db.close();
    throw error;
  }
  return db;
}

/**
 * A WAL database opened read-only still needs its `-shm` file, which SQLite creates beside it: in
 * a folder this user can't write, the first read fails ("attempt to write a readonly database").
 * When no `-wal` file exists, every commit is in the main file, so a copy of it in memory is the
 * same data; its header is marked rollback-journal (bytes 18-19: 2 = WAL, 1 = legacy), as an
 * in-memory database can't be in WAL mode. Reads only, so commands that only read work anyway.
 */
function readableOrSnapshot(db: SqliteDatabase, file: string): SqliteDatabase {
  try {
    userVersion(db);
    return db;
  } catch (error) {
    const code = String((error as { code?: string }).code ?? '');
    const denied = code.startsWith('SQLITE_READONLY') || code.startsWith('SQLITE_CANTOPEN');
    if (!denied || existsSync(`${file}-wal`)) throw error;
    db.close();
    const image = readFileSync(file);
    if (image.length > 19 && image[18] === 2 && image[19] === 2) image.fill(1, 18, 20);
    return new Database(image, { readonly: true });
  }
}

const MISSING_HINT =
  'check --db / DIGEST_DB (the path is relative to the working folder); a new list is created by ' +
  '`digest subscribers import subscribers.csv` or `digest subscribers add EMAIL`';

/** A read-only command on a database at an older schema: upgrade it if this process may write it. */
function upgradeThenReopen(file: string, options: OpenOptions, version: number, known: number): void {
  try {
    openDatabase(file, { ...options, readonly: false }).close();
  } catch (cause) {
    throw new DigestError(
      'E_DB',
      `the database has schema version ${version} and needs an upgrade to ${known}, which this user can't write`,
      {
        file,
        hint: 'run `digest subscribers list` once as a user who can write the database and its folder',
        cause,
      },
    );
  }
}

/** The schema version stored in the file (`PRAGMA user_version`). */
export function userVersion(db: SqliteDatabase): number {
  return Number(db.pragma('user_version', { simple: true }));
}

/** Apply every step above the stored version, each in its own immediate transaction. */
export function migrate(db: SqliteDatabase, migrations: Migration[] = MIGRATIONS, file = 'database'): void {
  migrations.forEach((step, index) => {
    if (step.version !== index + 1) {
      throw new DigestError(
        'E_DB',
        `migration "${step.name}" has version ${step.version}, expected ${index + 1}`,
      );
    }
  });
  for (const step of migrations) {
    // IMMEDIATE takes the write lock before re-reading the version: two processes opening a new
    // file at once must not both run the same step.
    const apply = db.transaction(() => {
      if (userVersion(db) >= step.version) return;
      step.up(db);
      db.pragma(`user_version = ${step.version}`);
    });
    try {
      apply.immediate();
    } catch (cause) {
      throw new DigestError('E_DB', `migration ${step.version} ("${step.name}") failed`, { file, cause });
    }
  }
}

export { SCHEMA_VERSION };
