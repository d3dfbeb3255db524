import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { cacheDbFile, storeTarget } from '../../src/cli/_store-target.js';
import { CORPUS, ROOT, runCli } from '../helpers/cli.js';

const fresh = () => mkdtempSync(join(tmpdir(), 'digest-cache-db-'));
const build = (...flags: string[]) => [
  'build',
  '--content',
  join(CORPUS, 'election'),
  '--templates',
  join(ROOT, 'templates'),
  '--date',
  '2020-09-13',
  '--tz',
  'America/New_York',
  ...flags,
];

/** Rows of the content index in a SQLite file (0 when the table is missing). */
function indexedFiles(file: string): number {
  const db = new Database(file, { readonly: true });
  try {
    const table = db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'content_snapshots'").get();
    return table ? (db.prepare('SELECT COUNT(*) AS n FROM content_snapshots').get() as { n: number }).n : 0;
  } finally {
    db.close();
  }
}

describe('where the build caches go', () => {
  it.each([
    ['a SQLite --db is also the cache', { db: 'data/digest.db' }, '/srv/d/data/digest.db'],
    [
      'a PostgreSQL --db puts the cache in data/cache.db',
      { db: 'postgres://u@db/x' },
      '/srv/d/data/cache.db',
    ],
    ['postgresql:// too', { db: 'postgresql://db/x' }, '/srv/d/data/cache.db'],
    ['--cache-db wins over a SQLite --db', { db: 'a.db', cacheDb: 'c/b.db' }, '/srv/d/c/b.db'],
    ['--cache-db wins over a URL', { db: 'postgres://db/x', cacheDb: '/var/cache/d.db' }, '/var/cache/d.db'],
  ])('%s', (_name, config, file) => {
    expect(cacheDbFile('/srv/d', config)).toBe(file);
  });

  it.each([
    ['postgres://u:p@db:5432/news', 'postgres://u:p@db:5432/news'],
    ['postgresql://db/news?sslmode=require', 'postgresql://db/news?sslmode=require'],
    ['data/digest.db', '/srv/d/data/digest.db'],
    ['/abs/x.db', '/abs/x.db'],
  ])('the store target of %s is %s', (db, target) => {
    expect(storeTarget('/srv/d', db)).toBe(target);
  });

  it('a build with a SQLite --db keeps its content index in that file, as before', async () => {
    const cwd = fresh();
    const run = await runCli(build('--db', 'list.db'), { cwd });
    expect(run.code).toBe(0);
    expect(indexedFiles(join(cwd, 'list.db'))).toBeGreaterThan(0);
    expect(existsSync(join(cwd, 'data'))).toBe(false);
  });

  it('a build with a postgres:// --db never opens the URL as a path: the index goes to data/cache.db', async () => {
    const cwd = fresh();
    // Nothing listens there: a build must not need the store at all.
    const run = await runCli(build('--db', 'postgres://nobody@127.0.0.1:1/none'), { cwd });
    expect(run.stderr).toMatch(/Built digest 2020-09-13/);
    expect(run.code).toBe(0);
    expect(indexedFiles(join(cwd, 'data', 'cache.db'))).toBeGreaterThan(0);
    expect(readdirSync(cwd).sort()).toEqual(['data', 'out']);
  });

  it('--cache-db and DIGEST_CACHE_DB name the cache file; the --db file is not created', async () => {
    const cwd = fresh();
    const byFlag = await runCli(build('--db', 'list.db', '--cache-db', 'flag.db'), { cwd });
    expect(byFlag.code).toBe(0);
    expect(indexedFiles(join(cwd, 'flag.db'))).toBeGreaterThan(0);
    const byEnv = await runCli(build('--db', 'list.db'), { cwd, env: { DIGEST_CACHE_DB: 'env.db' } });
    expect(byEnv.code).toBe(0);
    expect(indexedFiles(join(cwd, 'env.db'))).toBeGreaterThan(0);
    expect(existsSync(join(cwd, 'list.db'))).toBe(false);
  });
});
