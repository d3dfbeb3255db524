import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/index.js';
import { type BuildResult, buildDigest } from '../../src/pipeline.js';
import { runCli } from '../helpers/cli.js';
import { generatedFolder } from './_folder.js';
import { tempDirs } from './_helpers.js';

const ROOT = join(import.meta.dirname, '../..');
const temp = tempDirs();
afterAll(() => temp.cleanup());

/** A content folder, its own copy of the templates, a database path, and one build through them. */
async function setup(sizeBudget = 100 * 1024) {
  const cwd = temp.make('digest-scale-build-');
  await generatedFolder(join(cwd, 'content'), 200);
  cpSync(join(ROOT, 'templates'), join(cwd, 'templates'), { recursive: true });
  const config = parseConfig({ timeZone: 'America/New_York', sizeBudget });
  const db = join(cwd, 'data/digest.db');
  const build = (withDb = true) =>
    buildDigest({
      config,
      cwd,
      now: new Date('2026-03-10T12:00:00Z'),
      date: '2026-03-09',
      db: withDb ? db : undefined,
    });
  return { cwd, db, build };
}

/** Everything a build hands on: the email, the report, the problems. */
const output = (r: BuildResult) => JSON.stringify([r.rendered, r.report, r.problems, r.selection.items]);

describe('builds through the caches', () => {
  it('give the output of a build without them, and take an unchanged email from the render cache', async () => {
    const s = await setup();
    const plain = await s.build(false);
    expect(existsSync(s.db)).toBe(false);
    const cold = await s.build();
    const warm = await s.build();
    expect(output(cold)).toBe(output(plain));
    expect(output(warm)).toBe(output(plain));
    expect(warm.notes).toEqual([]);

    // The warm build's email came from the cache: mark the cached copy and see it come back.
    const db = new Database(s.db);
    db.exec(`UPDATE render_cache SET value = replace(value, '</body>', '<!--from the cache--></body>')`);
    db.close();
    expect((await s.build()).rendered?.html).toContain('<!--from the cache-->');

    // A template edit changes the key: rendered again, the mark is gone.
    writeFileSync(join(s.cwd, 'templates/text.hbs'), '{{subject}}\n', { flag: 'a' });
    const edited = await s.build();
    expect(edited.rendered?.html).not.toContain('<!--from the cache-->');
    expect(edited.rendered?.text).not.toBe(plain.rendered?.text);
  });

  it('replays the size-budget trims of a cached email, so the report says the same', async () => {
    const s = await setup(20_000);
    const plain = await s.build(false);
    expect(plain.report.trimmed.length).toBeGreaterThan(0);
    await s.build();
    const warm = await s.build();
    expect(output(warm)).toBe(output(plain));
  });

  it('a content edit in the window changes the email', async () => {
    const s = await setup();
    await s.build();
    const before = await s.build();
    const lead = before.selection.items[0]?.lead.path as string;
    const file = join(s.cwd, 'content', lead);
    writeFileSync(file, readFileSync(file, 'utf8').replace(/^title: .*$/m, 'title: "A brand new headline"'));
    const after = await s.build();
    expect(after.rendered?.html).toContain('A brand new headline');
    expect(output(after)).toBe(output(await s.build(false)));
  });
});

describe('digest build --db', () => {
  it('keeps its caches in the database it names, and builds with a note when it cannot open it', async () => {
    const s = await setup();
    const args = ['build', '--date', '2026-03-09', '--tz', 'America/New_York'];
    const first = await runCli([...args, '--db', 'cache.db'], { cwd: s.cwd });
    expect(first.code).toBe(0);
    expect(existsSync(join(s.cwd, 'cache.db'))).toBe(true);
    const again = await runCli([...args, '--db', 'cache.db'], { cwd: s.cwd });
    expect(again.stderr).not.toMatch(/note:/);

    writeFileSync(join(s.cwd, 'blocker'), '');
    const blocked = await runCli([...args, '--db', 'blocker/digest.db'], { cwd: s.cwd });
    expect(blocked.code).toBe(0);
    expect(blocked.stderr).toMatch(/note: no build cache .*blocker\/digest.db/);
    expect(blocked.stderr).toMatch(/Built digest 2026-03-09/);
    const json = (dir: string) => JSON.parse(readFileSync(join(dir, 'out/2026-03-09/digest.json'), 'utf8'));
    expect(json(s.cwd).items.length).toBeGreaterThan(0);
  });
});
