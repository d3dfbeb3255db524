import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { DigestError } from '../../src/errors.js';
import {
  MIGRATIONS,
  type Migration,
  openDatabase,
  openStore,
  SCHEMA_VERSION,
  userVersion,
} from '../../src/store/index.js';

const fresh = () => join(mkdtempSync(join(tmpdir(), 'digest-db-')), 'nested', 'digest.db');

describe('openDatabase', () => {
  it('creates the file and folder, runs every migration, and uses WAL', () => {
    const file = fresh();
    const db = openDatabase(file);
    expect(userVersion(db)).toBe(SCHEMA_VERSION);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all();
    expect(tables).toEqual(expect.arrayContaining(['subscribers', 'deliveries', 'send_locks', 'digests']));
    db.close();
  });

  it('migration versions are consecutive from 1', () => {
    expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
  });

  it('applies steps appended later, once, on the next open', () => {
    const file = fresh();
    openDatabase(file).close();
    const extra: Migration = {
      version: SCHEMA_VERSION + 1,
      name: 'runs (test)',
      up: (db) => db.exec('CREATE TABLE runs_test (id INTEGER PRIMARY KEY)'),
    };
    const db = openDatabase(file, { migrations: [...MIGRATIONS, extra] });
    expect(userVersion(db)).toBe(SCHEMA_VERSION + 1);
    db.close();
    // opening again with the longer list runs nothing twice (CREATE TABLE would throw)
    openDatabase(file, { migrations: [...MIGRATIONS, extra] }).close();
  });

  it('refuses a database written by a newer version with E_DB_VERSION', () => {
    const file = fresh();
    openDatabase(file).close();
    const raw = new Database(file);
    raw.pragma(`user_version = ${SCHEMA_VERSION + 5}`);
    raw.close();
    let error: unknown;
    try {
      openDatabase(file);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DigestError);
    expect((error as DigestError).code).toBe('E_DB_VERSION');
    expect((error as DigestError).message).toContain('newer');
    expect((error as DigestError).file).toBe(file);
  });

  it('read-only: refuses a missing file and never writes', async () => {
    const file = fresh();
    expect(() => openDatabase(file, { readonly: true })).toThrow(/does not exist/);
    const store = openStore(file);
    await store.subscribers.add({ email: 'ann@example.com', name: 'Ann', topics: [] });
    store.close();
    const before = readFileSync(file);
    const ro = openStore(file, { readonly: true });
    expect((await ro.subscribers.list()).map((s) => s.email)).toEqual(['ann@example.com']);
    await expect(ro.subscribers.add({ email: 'bob@example.com', name: '', topics: [] })).rejects.toThrow(
      /readonly/,
    );
    ro.close();
    expect(readFileSync(file).equals(before)).toBe(true);
  });
});
