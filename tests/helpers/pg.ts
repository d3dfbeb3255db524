import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { pgModule } from '../../src/store/pg/_pool.js';

// The store loads `pg` lazily and sets its number parsers then; tests that query with their own
// pg.Client get the same numbers (BIGINT as a JavaScript number) from the start.
pgModule();

/** A fresh, empty PostgreSQL database on the run's test server (tests/pg-setup.ts). */
export interface TestDatabase {
  /** postgres://… URL of the new database. */
  url: string;
  /** Drop the database (closing whatever is still connected to it). */
  drop(): Promise<void>;
}

/** The admin URL of the run's test server. */
export function pgAdminUrl(): string {
  return inject('pgAdminUrl');
}

/** Create a database of its own for one test or test file; call drop() in afterEach/afterAll. */
export async function freshPgDatabase(): Promise<TestDatabase> {
  const admin = pgAdminUrl();
  const name = `digest_test_${randomBytes(6).toString('hex')}`;
  await adminQuery(admin, `CREATE DATABASE ${name}`);
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => adminQuery(admin, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

async function adminQuery(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
