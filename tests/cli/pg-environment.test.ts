import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { resumeCommand } from '../../src/cli/_send.js';
import { withPgEnvironment } from '../../src/cli/_store-target.js';
import { redactUrl } from '../../src/store/index.js';
import { tempDir } from '../helpers/cleanup.js';
import { runCli } from '../helpers/cli.js';
import { freshPgDatabase, type TestDatabase } from '../helpers/pg.js';

describe('libpq variables fill what the URL leaves out', () => {
  it.each([
    [
      'no variables: the URL as given',
      'postgresql://u@db/x?sslmode=verify-full',
      {},
      'postgresql://u@db/x?sslmode=verify-full',
    ],
    [
      'host, port, user, password, database',
      'postgres:///',
      {
        PGHOST: 'db.internal',
        PGPORT: '5433',
        PGUSER: 'digest',
        PGPASSWORD: 'p@ss/w:rd',
        PGDATABASE: 'news',
      },
      'postgres://digest:p%40ss%2Fw%3Ard@db.internal:5433/news',
    ],
    [
      'what the URL says wins',
      'postgres://ann:pw@db1:6000/a?sslmode=disable',
      {
        PGHOST: 'db2',
        PGPORT: '1',
        PGUSER: 'bob',
        PGPASSWORD: 'x',
        PGDATABASE: 'b',
        PGSSLMODE: 'verify-full',
      },
      'postgres://ann:pw@db1:6000/a?sslmode=disable',
    ],
    [
      'TLS variables become parameters',
      'postgres://db/x',
      { PGSSLMODE: 'verify-full', PGSSLROOTCERT: '/etc/ca.pem', PGSSLCERT: '/c.pem', PGSSLKEY: '/k.pem' },
      'postgres://db/x?sslmode=verify-full&sslrootcert=%2Fetc%2Fca.pem&sslcert=%2Fc.pem&sslkey=%2Fk.pem',
    ],
    [
      'a socket folder is the host parameter, the user and password too',
      'postgres:///x',
      { PGHOST: '/var/run/postgresql', PGUSER: 'digest', PGPASSWORD: 's' },
      'postgres:///x?host=%2Fvar%2Frun%2Fpostgresql&user=digest&password=s',
    ],
    ['an empty variable is no variable', 'postgres://db/x', { PGUSER: '', PGSSLMODE: '' }, 'postgres://db/x'],
  ])('%s', (_name, url, env, expected) => {
    expect(withPgEnvironment(url, env as Record<string, string>)).toBe(expected);
  });

  it('a password in a parameter is redacted like one in the user part', () => {
    expect(redactUrl('postgres:///x?host=%2Ftmp&user=digest&password=s3cret')).toBe(
      'postgres:///x?host=%2Ftmp&user=digest&password=***',
    );
    expect(redactUrl('postgres://digest:s3cret@db/x')).toBe('postgres://digest:***@db/x');
  });

  it("the resume command a send prints does not carry --db's password", () => {
    expect(resumeCommand({ db: 'postgres://digest:s3cret@db/x', date: 'latest' }, '2026-11-28')).toBe(
      "digest send --date 2026-11-28 --db 'postgres://digest:***@db/x'",
    );
  });
});

describe('PGPASSWORD in .env', () => {
  let database: TestDatabase | undefined;
  afterEach(async () => {
    await database?.drop();
    database = undefined;
  });

  it('reaches the server for a URL without a password', async () => {
    database = await freshPgDatabase();
    const url = new URL(database.url);
    const password = decodeURIComponent(url.password);
    url.password = '';
    const cwd = tempDir('digest-pgenv-');
    const without = await runCli(['db', 'migrate', '--db', url.toString()], { cwd });
    expect(without.code).toBe(1);
    expect(without.stderr).toContain("can't connect to the PostgreSQL database");
    writeFileSync(join(cwd, '.env'), `PGPASSWORD=${password}\n`);
    const run = await runCli(['db', 'migrate', '--db', url.toString()], { cwd });
    expect(run.stderr).toContain('schema version 0 -> ');
    expect(run.code).toBe(0);
    expect(run.stderr).not.toContain(password);
  });
});
