import { afterEach, describe, expect, it } from 'vitest';
import {
  connectStore,
  migratePg,
  openPgPool,
  PG_MIGRATIONS,
  PG_SCHEMA_VERSION,
  type PgPool,
  pgSchemaVersion,
} from '../../src/store/index.js';
import { freshPgDatabase, type TestDatabase } from '../helpers/pg.js';

describe('the PostgreSQL schema', () => {
  let database: TestDatabase | undefined;
  let pool: PgPool | undefined;
  afterEach(async () => {
    await pool?.end();
    await database?.drop();
    pool = undefined;
    database = undefined;
  });

  async function fresh(): Promise<{ url: string; pool: PgPool }> {
    database = await freshPgDatabase();
    pool = openPgPool(database.url);
    return { url: database.url, pool };
  }

  it('migrates an empty database to the current version once, and a second run changes nothing', async () => {
    const { url, pool } = await fresh();
    expect(await pgSchemaVersion(pool)).toBe(0);
    expect(await migratePg(pool, url)).toEqual({ from: 0, to: PG_SCHEMA_VERSION });
    expect(await migratePg(pool, url)).toEqual({ from: PG_SCHEMA_VERSION, to: PG_SCHEMA_VERSION });
    const tables = await pool.query<{ name: string }>(
      "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1",
    );
    expect(tables.rows.map((r) => r.name)).toEqual(
      expect.arrayContaining(['subscribers', 'addresses', 'deliveries', 'runs', 'bounce_events', 'feeds']),
    );
    // The build caches stay local: no content index or render cache in the shared database.
    expect(tables.rows.map((r) => r.name)).not.toContain('render_cache');
  });

  it('two processes migrating at once apply each step once', async () => {
    const { url, pool } = await fresh();
    const other = openPgPool(url);
    try {
      const results = await Promise.all([migratePg(pool, url), migratePg(other, url)]);
      expect(results.map((r) => r.from).sort()).toEqual([0, PG_SCHEMA_VERSION]);
    } finally {
      await other.end();
    }
  });

  it('refuses a database written by a newer version, and leaves it alone', async () => {
    const { url, pool } = await fresh();
    const longer = [
      ...PG_MIGRATIONS,
      {
        version: PG_MIGRATIONS.length + 1,
        name: 'a future step',
        up: async (client: import('pg').PoolClient) => {
          await client.query('CREATE TABLE future_table (id INTEGER)');
        },
      },
    ];
    await migratePg(pool, url, longer);
    await expect(migratePg(pool, url)).rejects.toMatchObject({ code: 'E_DB_VERSION' });
    await expect(connectStore(url)).rejects.toMatchObject({ code: 'E_DB_VERSION' });
    expect(await pgSchemaVersion(pool)).toBe(PG_SCHEMA_VERSION + 1);
  });

  it('a send (mustExist) refuses an empty database instead of creating a schema in it', async () => {
    const { url, pool } = await fresh();
    await expect(connectStore(url, { mustExist: true })).rejects.toMatchObject({
      code: 'E_DB',
      message: expect.stringContaining('holds no news-digest schema'),
    });
    expect(await pgSchemaVersion(pool)).toBe(0);
  });

  it('a wrong password is E_DB naming the URL without the password', async () => {
    const { url } = await fresh();
    const wrong = new URL(url);
    wrong.password = 'not-the-password';
    const error = await connectStore(wrong.toString()).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'E_DB' });
    expect(String((error as Error).message)).toContain(':***@');
    expect(String((error as Error).message)).not.toContain('not-the-password');
  });
});
