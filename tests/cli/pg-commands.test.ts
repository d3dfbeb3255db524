import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BUILD, SECRET } from '../deliver/helpers.js';
import { runCleanups, tempDir } from '../helpers/cleanup.js';
import { type CliRun, runCli } from '../helpers/cli.js';
import { freshPgDatabase, type TestDatabase } from '../helpers/pg.js';
import { startServe } from '../helpers/serve.js';

let database: TestDatabase | undefined;
afterEach(async () => {
  await runCleanups();
  await database?.drop();
  database = undefined;
});

function cli(args: string[], cwd: string, env: Record<string, string> = {}): Promise<CliRun> {
  return runCli(args, { cwd, env: { NO_COLOR: '1', DIGEST_SECRET: SECRET, ...env }, realClock: true });
}

describe('the commands on a PostgreSQL store (DIGEST_DB=postgres://…)', () => {
  it('migrate, import, list, a dry run, stats, bounces, status and serve all use the URL, and no file is made of it', async () => {
    database = await freshPgDatabase();
    const env = { DIGEST_DB: database.url };
    const cwd = tempDir('digest-pg-cli-');
    writeFileSync(
      join(cwd, 'subs.csv'),
      'email,name\nann@example.com,Ann\nbob@example.com,Bob\ncy@example.com,Cy\n',
    );

    // A send never creates a list: an empty database is refused until something makes the schema.
    const early = await cli(['send', '--dry-run', ...BUILD], cwd, env);
    expect(early.code).toBe(1);
    expect(early.stderr).toContain('holds no news-digest schema');

    expect((await cli(['db', 'migrate'], cwd, env)).code).toBe(0);
    const imported = await cli(['subscribers', 'import', 'subs.csv'], cwd, env);
    expect(imported.stderr).toContain('3 added');
    expect(imported.code).toBe(0);
    const listed = await cli(['subscribers', 'list', '--json'], cwd, env);
    expect(JSON.parse(listed.stdout).map((s: { email: string }) => s.email)).toEqual([
      'ann@example.com',
      'bob@example.com',
      'cy@example.com',
    ]);

    const dry = await cli(['send', '--dry-run', ...BUILD, '--json'], cwd, env);
    expect(dry.code).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({ recipients: 3 });

    expect((await cli(['stats', '--json'], cwd, env)).code).toBe(0);
    expect((await cli(['bounces', 'list', '--json'], cwd, env)).code).toBe(0);
    const status = await cli(['db', 'status', '--json'], cwd, env);
    expect(JSON.parse(status.stdout)).toMatchObject({ store: 'postgres', inFlight: [], senders: [] });

    const serve = await startServe(cwd, ['--port', '0'], { ...env, DIGEST_SECRET: SECRET });
    try {
      expect(serve.stderr()).toContain(
        `Serving the subscriber pages of ${database.url.replace(/:[^:@/]+@/, ':***@')}`,
      );
      expect((await fetch(`${serve.url}healthz`)).status).toBe(200);
      expect((await fetch(`${serve.url}archive`)).status).toBe(200);
    } finally {
      serve.stop();
      expect(await serve.exit).toBe(0);
    }
    // Nothing was made of the URL as a path (and a dry run writes no build cache either).
    expect(readdirSync(cwd).sort()).toEqual(['out', 'subs.csv']);
  });
});
