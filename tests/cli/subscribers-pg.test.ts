import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectStore } from '../../src/store/index.js';
import { tempDir } from '../helpers/cleanup.js';
import { spawnCli } from '../helpers/cli.js';
import { freshPgDatabase, type TestDatabase } from '../helpers/pg.js';

/** `digest subscribers …` as a user runs it (the compiled command, a child process) on PostgreSQL. */
describe('digest subscribers on a PostgreSQL database', () => {
  let database: TestDatabase;
  let cwd: string;
  const digest = (...argv: string[]) => spawnCli(['subscribers', ...argv, '--db', database.url], { cwd });

  beforeAll(async () => {
    database = await freshPgDatabase();
    cwd = tempDir('digest-subs-pg-');
  });
  afterAll(async () => {
    await database.drop();
  });

  it('list refuses an empty database without printing its password', () => {
    const run = digest('list');
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/holds no news-digest schema/);
    const password = new URL(database.url).password;
    expect(password).not.toBe('');
    expect(`${run.stdout}${run.stderr}`).not.toContain(`:${password}@`);
    expect(run.stderr).toContain(':***@');
  });

  it('import, import again, add, list, remove and resubscribe', async () => {
    writeFileSync(
      join(cwd, 'list.csv'),
      'email,name,topics,frequency,weekday\nann@example.com,Ann,ai;climate,,\nBob@Example.COM,Bob,,weekly,fri\nnot-an-address,X,,,\n',
    );
    const first = digest('import', 'list.csv', '--json');
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({
      added: 2,
      updated: 0,
      unchanged: 0,
      keptUnsubscribed: 0,
    });
    expect(first.stderr).toMatch(/line 4: address "not-an-address"/);
    expect(first.stderr).toMatch(
      /Imported list\.csv: 2 valid rows \(2 added, 0 updated, 0 unchanged, 1 invalid row skipped\)/,
    );

    writeFileSync(join(cwd, 'again.csv'), 'email,name\nann@example.com,Ann Again\nbob@example.com,Bob\n');
    const again = digest('import', 'again.csv');
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/2 valid rows \(0 added, 1 updated, 1 unchanged\)/);

    expect(digest('add', 'cy@example.com', '--name', 'Cy', '--topics', 'x').stderr).toMatch(
      /^Added cy@example\.com/,
    );
    const listed = digest('list', '--json');
    expect(listed.code, listed.stderr).toBe(0);
    const rows = JSON.parse(listed.stdout) as {
      email: string;
      name: string;
      state: string;
      frequency: string;
      weekday: number | null;
      topics: string[];
    }[];
    expect(rows.map((r) => [r.email, r.name, r.state])).toEqual([
      ['ann@example.com', 'Ann Again', 'active'],
      ['Bob@example.com', 'Bob', 'active'],
      ['cy@example.com', 'Cy', 'active'],
    ]);
    // The second file has no schedule columns (Bob keeps his Friday edition) and no topics (Ann's are cleared).
    expect(rows[1]).toMatchObject({ frequency: 'weekly', weekday: 5 });
    expect(rows[0]?.topics).toEqual([]);
    expect(listed.stderr).toMatch(/^3 subscribers \(3 active, 0 unsubscribed\)/m);

    // What the unsubscribe link does, then what the CLI may and may not undo.
    const store = await connectStore(database.url);
    try {
      const bob = await store.subscribers.findByEmail('bob@example.com');
      expect(await store.subscribers.setStatus(bob?.id ?? -1, 'unsubscribed')).toBe(true);
    } finally {
      await store.close();
    }
    expect(digest('remove', 'BOB@example.com').stderr).toMatch(/^Removed BOB@example\.com/);
    const gone = digest('remove', 'bob@example.com');
    expect(gone.code).toBe(1);
    expect(gone.stderr).toMatch(/no subscriber bob@example\.com/);
    expect(digest('add', 'bob@example.com').stderr).toMatch(
      /^Added bob@example\.com \(unsubscribed .*stays unsubscribed/,
    );
    const unsubscribed = digest('list', '--status', 'unsubscribed', '--json');
    expect((JSON.parse(unsubscribed.stdout) as { email: string }[]).map((r) => r.email)).toEqual([
      'bob@example.com',
    ]);
    expect(digest('resubscribe', 'bob@example.com').stderr).toMatch(/^Re-subscribed bob@example\.com/);
    expect(digest('resubscribe', 'ann@example.com').stderr).toMatch(/^Already subscribed: ann@example\.com/);
    expect(digest('list').stderr).toMatch(/^3 subscribers \(3 active, 0 unsubscribed\)/m);
  });

  it('DIGEST_DB names the database as --db does', () => {
    const run = spawnCli(['subscribers', 'list', '--json'], { cwd, env: { DIGEST_DB: database.url } });
    expect(run.code, run.stderr).toBe(0);
    expect((JSON.parse(run.stdout) as unknown[]).length).toBe(3);
  });
});
