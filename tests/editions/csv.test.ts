import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseSubscriberCsv } from '../../src/store/index.js';
import { runCleanups, tempDir } from '../helpers/cleanup.js';
import { runCli } from '../helpers/cli.js';

afterEach(runCleanups);

describe('the frequency and weekday columns of a subscriber CSV', () => {
  it.each([
    ['weekly', 'fri', { frequency: 'weekly', weekday: 5 }],
    ['Weekly', 'Monday', { frequency: 'weekly', weekday: 1 }],
    ['paused', '', { frequency: 'paused' }],
    ['', '7', { weekday: 7 }],
    ['daily', 'default', { frequency: 'daily', weekday: null }],
    ['', '', {}],
  ])('frequency %j, weekday %j', (frequency, weekday, expected) => {
    const { rows, problems } = parseSubscriberCsv(
      `email,name,topics,frequency,weekday\nann@example.com,Ann,ai,${frequency},${weekday}\n`,
    );
    expect(problems).toEqual([]);
    expect(rows).toEqual([{ line: 2, email: 'ann@example.com', name: 'Ann', topics: ['ai'], ...expected }]);
  });

  it('reports a value outside the allowed ones by line and skips the row', () => {
    const { rows, problems } = parseSubscriberCsv(
      'email,frequency,weekday\na@example.com,hourly,\nb@example.com,weekly,someday\nc@example.com,weekly,tue\n',
    );
    expect(problems).toEqual([
      { line: 2, message: 'a@example.com: frequency "hourly" is not one of daily, weekly, paused' },
      {
        line: 3,
        message: 'b@example.com: weekday "someday" is not one of mon, tue, wed, thu, fri, sat, sun, default',
      },
    ]);
    expect(rows.map((r) => [r.email, r.frequency, r.weekday])).toEqual([['c@example.com', 'weekly', 2]]);
  });

  it('digest subscribers import stores them; a later import without the columns keeps them', async () => {
    const cwd = tempDir('digest-editions-csv-');
    writeFileSync(
      join(cwd, 'a.csv'),
      'email,topics,frequency,weekday\nann@example.com,ai;science,weekly,wed\n',
    );
    writeFileSync(join(cwd, 'b.csv'), 'email,name,topics\nann@example.com,Ann,ai;science\n');
    for (const file of ['a.csv', 'b.csv']) {
      const r = await runCli(['subscribers', 'import', file], { cwd });
      expect(r.code, r.stderr).toBe(0);
    }
    const listed = await runCli(['subscribers', 'list', '--json'], { cwd });
    const [ann] = JSON.parse(listed.stdout) as {
      name: string;
      topics: string[];
      frequency: string;
      weekday: number;
    }[];
    expect(ann).toMatchObject({ name: 'Ann', topics: ['ai', 'science'], frequency: 'weekly', weekday: 3 });
  });

  it('digest subscribers add --frequency --weekday sets them, keeps them when not given, and names the allowed values', async () => {
    const cwd = tempDir('digest-editions-add-');
    const add = (...args: string[]) => runCli(['subscribers', 'add', 'bo@example.com', ...args], { cwd });
    expect((await add('--frequency', 'weekly', '--weekday', 'fri')).code).toBe(0);
    expect((await add('--name', 'Bo')).code).toBe(0);
    const list = async () =>
      (JSON.parse((await runCli(['subscribers', 'list', '--json'], { cwd })).stdout) as object[])[0];
    expect(await list()).toMatchObject({ name: 'Bo', frequency: 'weekly', weekday: 5 });
    expect((await add('--weekday', 'default')).code).toBe(0);
    expect(await list()).toMatchObject({ frequency: 'weekly', weekday: null });
    const badDay = await add('--weekday', 'someday');
    expect(badDay.code).toBe(2);
    expect(badDay.stderr).toContain(
      '--weekday: "someday" is not a weekday; allowed: mon, tue, wed, thu, fri, sat, sun, default',
    );
    const badFrequency = await add('--frequency', 'hourly');
    expect(badFrequency.code).toBe(2);
    expect(badFrequency.stderr).toContain('--frequency must be one of: daily, weekly, paused');
  });
});
