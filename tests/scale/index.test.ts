import {
  appendFileSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { allTime, type ContentWindow, loadArticles } from '../../src/content/index.js';
import { indexedSource, openContentIndex } from '../../src/content-index/index.js';
import { dayWindow } from '../../src/select/index.js';
import { front, generatedFolder } from './_folder.js';
import {
  bytes,
  loadIndexed,
  referenceArticles,
  referenceParse,
  referenceProblems,
  tempDirs,
} from './_helpers.js';
import { CAN_SWITCH_USER, loadAsNobody, lockDown, type NobodyLoad, unlock } from './_nobody.js';

const temp = tempDirs();
afterAll(() => temp.cleanup());

const ZONE = 'America/New_York';
const WINDOW = dayWindow('2026-03-09', ZONE);

/** A load's data (see loadAsNobody). */
type Loaded = Exclude<NobodyLoad, { error: string }>;

interface Run {
  /** The index's clock a minute ahead, so files the test just wrote count as settled. Default true. */
  settled?: boolean;
  readonly?: boolean;
  window?: ContentWindow;
}

interface Setup {
  dir: string;
  dbFile: string;
  /** One build through the index, from dist/ in a process of its own, as a command runs. */
  indexed(run?: Run): Loaded;
  /**
   * The same build by a user who may not open the files that were there at setup, nor (with
   * `folders` locked) list the folders: it reads only files changed since (see _nobody.ts).
   * Without root, the build runs as this user, and only its result is checked.
   */
  asNobody(run?: Run): NobodyLoad;
}

async function setup(lock: { folders: boolean } = { folders: false }): Promise<Setup> {
  const dir = await generatedFolder(temp.make('digest-scale-edit-'), 300);
  lockDown(dir, lock);
  const dbFile = join(temp.make('digest-scale-db-'), 'digest.db');
  const load = (run: Run, asOwner: boolean) =>
    loadAsNobody(dir, run.window ?? WINDOW, dbFile, {
      asOwner,
      readonly: run.readonly,
      clockAheadMs: run.settled === false ? 0 : 60_000,
    });
  return {
    dir,
    dbFile,
    indexed(run = {}) {
      const loaded = load(run, true);
      if (loaded.error !== undefined) throw new Error(loaded.error);
      return loaded;
    },
    asNobody: (run = {}) => load(run, !CAN_SWITCH_USER),
  };
}

/** `load` succeeded and is faithful (see expectFaithful). */
async function expectRead(s: Setup, load: NobodyLoad): Promise<Loaded> {
  expect(load.error).toBeUndefined();
  await expectFaithful(s, load as Loaded);
  return load as Loaded;
}

/** The indexed result equals the plain path's and the reference's. */
async function expectFaithful(s: Setup, result: Omit<Loaded, 'notes'>) {
  const plain = await loadArticles(s.dir, WINDOW);
  const reference = await referenceParse(s.dir, ZONE);
  expect(bytes(result.articles)).toBe(bytes(referenceArticles(reference, WINDOW)));
  expect(bytes(result.problems)).toBe(bytes(referenceProblems(reference, WINDOW)));
  expect(bytes([result.articles, result.considered, result.problems, result.files])).toBe(
    bytes([plain.articles, plain.considered, plain.problems, plain.files]),
  );
}

/** Set a file's times back to what they were (what `touch -r` or a careless tool does). */
function keepTimes(path: string, change: () => void): void {
  const { atime, mtime } = statSync(path);
  change();
  utimesSync(path, atime, mtime);
}

describe('the content index between runs', () => {
  it('reads only what was edited, added or renamed, and agrees with a full parse', async () => {
    const s = await setup();
    await expectFaithful(s, s.indexed());
    // Nothing changed: a user who may open none of the files gets the same result.
    await expectRead(s, s.asNobody());

    const files = (await loadArticles(s.dir, allTime(ZONE))).articles;
    const inWindow = files.filter((a) => a.publishedMs >= WINDOW.since && a.publishedMs < WINDOW.until);
    const outside = files.filter((a) => a.publishedMs < WINDOW.since);
    const at = (p: string) => join(s.dir, p);
    // An edited (or renamed) file must be read: readable by all (see lockDown).
    const edit = (p: string, from: RegExp, to: string) => {
      writeFileSync(at(p), readFileSync(at(p), 'utf8').replace(from, to));
      unlock(at(p));
    };

    // Edited: a title in the window, a date moved into the window, a date moved out of it.
    edit((inWindow[0] as { path: string }).path, /^title: .*$/m, 'title: "Edited in place"');
    edit(
      (outside[0] as { path: string }).path,
      /^publishedDateTime: .*$/m,
      'publishedDateTime: 2026-03-09T12:00:00Z',
    );
    edit(
      (inWindow[1] as { path: string }).path,
      /^publishedDateTime: .*$/m,
      'publishedDateTime: 2025-03-09T12:00:00Z',
    );
    // Same mtime, other size.
    keepTimes(at((inWindow[2] as { path: string }).path), () =>
      edit(
        (inWindow[2] as { path: string }).path,
        /^title: .*$/m,
        'title: "Longer title, same modification time"',
      ),
    );
    // Same mtime and same size, other bytes (only ctime tells).
    const same = (inWindow[3] as { path: string; title: string }).path;
    keepTimes(at(same), () => edit(same, /^title: "(.)/m, 'title: "#'));
    // Added: one in the window under a name with another date, one outside.
    mkdirSync(at('added'), { recursive: true });
    writeFileSync(
      at('added/2026-01-01-named-for-january.md'),
      front('publishedDateTime: 2026-03-09T20:00:00Z'),
    );
    writeFileSync(at('added/old.md'), front('publishedDateTime: 2020-03-09T20:00:00Z'));
    // Deleted, and renamed (as is, and with an edit).
    rmSync(at((inWindow[4] as { path: string }).path));
    rmSync(at((outside[1] as { path: string }).path));
    renameSync(at((inWindow[5] as { path: string }).path), at('added/renamed.md'));
    unlock(at('added/renamed.md'));
    renameSync(at((outside[2] as { path: string }).path), at('added/renamed-and-moved-in.md'));
    edit('added/renamed-and-moved-in.md', /^publishedDateTime: .*$/m, 'publishedDateTime: "2026-03-09"');

    // Read by a user who may open only the 5 edited, 2 added and 2 renamed files.
    const after = await expectRead(s, s.asNobody());
    expect(after.notes).toEqual([]);
    const titles = after.articles.map((a) => a.title);
    expect(titles).toContain('Edited in place');
    expect(titles).toContain('Longer title, same modification time');
    expect(titles.some((t) => t.startsWith('#'))).toBe(true);
    expect(after.articles.map((a) => a.path)).toContain('added/2026-01-01-named-for-january.md');
    await expectRead(s, s.asNobody());
  });

  it('returns before the index is written, and writes it when flush settles', async () => {
    const s = await setup();
    const index = openContentIndex(s.dbFile, { now: () => Date.now() + 60_000 });
    const source = indexedSource(index);
    try {
      const first = await source.load(s.dir, WINDOW);
      // Nothing written yet: the snapshot is still being deflated on a pool thread.
      const snapshots = () => {
        const db = new Database(s.dbFile, { readonly: true });
        try {
          return db.prepare('SELECT files FROM content_snapshots').all();
        } finally {
          db.close();
        }
      };
      expect(snapshots()).toEqual([]);
      await source.flush();
      // Every file has its entry.
      expect(snapshots()).toEqual([{ files: first.files }]);
      await expectFaithful(s, first);
      expect(first.notes).toEqual([]);
    } finally {
      index.close();
    }
  });

  it('never remembers a file changed moments before it was read (same size, same times)', async () => {
    const s = await setup();
    s.indexed({ settled: false }); // the real clock: every file was written just now
    const path = join(s.dir, 'tricky/2026-03-01-named-early.md');
    keepTimes(path, () =>
      writeFileSync(path, readFileSync(path, 'utf8').replace('A tricky one', 'A tricky two')),
    );
    const second = s.indexed({ settled: false });
    await expectFaithful(s, second);
    expect(second.articles.map((a) => a.title)).toContain('A tricky two');
  });

  it.each([
    [
      'another version',
      "UPDATE content_snapshots SET fingerprint = 'older'",
      /another version of news-digest; rebuilt/,
    ],
    [
      'a damaged snapshot',
      'UPDATE content_snapshots SET data = randomblob(length(data))',
      /is damaged; rebuilt/,
    ],
    [
      'a truncated snapshot',
      'UPDATE content_snapshots SET data = substr(data, 1, 1000)',
      /is damaged; rebuilt/,
    ],
    [
      'damaged full parses',
      `UPDATE content_parsed SET result = '{"article":{"title":1}}'`,
      /damaged entr(y|ies); read again/,
    ],
    [
      'unreadable full parses',
      "UPDATE content_parsed SET result = 'not json'",
      /damaged entr(y|ies); read again/,
    ],
    ['a missing table', 'DROP TABLE content_snapshots', /could not be read/],
  ])('rebuilds from %s, with a note, and gives the same articles', async (_name, sql, note) => {
    const s = await setup();
    s.indexed();
    const db = new Database(s.dbFile);
    db.exec(sql);
    db.close();
    const result = s.indexed();
    expect(result.notes.join('\n')).toMatch(note);
    await expectFaithful(s, result);
  });

  it('does not use a full parse made for another stat, even if the snapshot says otherwise', async () => {
    const s = await setup();
    s.indexed();
    const db = new Database(s.dbFile);
    db.exec(
      `UPDATE content_parsed SET result = replace(result, 'A tricky one', 'Stale title'), size = size + 1`,
    );
    db.close();
    const result = s.indexed();
    expect(result.articles.map((a) => a.title)).not.toContain('Stale title');
    await expectFaithful(s, result);
  });

  it('builds without the index when the database cannot be opened, with a note', async () => {
    const s = await setup();
    const blocker = join(temp.make('digest-scale-blocked-'), 'not-a-folder');
    writeFileSync(blocker, '');
    const index = openContentIndex(join(blocker, 'digest.db'));
    const result = await loadIndexed(s.dir, WINDOW, index);
    expect(index.notes.join('\n')).toMatch(/no content index/);
    await expectFaithful(s, result);

    const garbage = join(temp.make('digest-scale-garbage-'), 'digest.db');
    writeFileSync(garbage, 'this is not a database');
    const other = openContentIndex(garbage);
    await expectFaithful(s, await loadIndexed(s.dir, WINDOW, other));
    expect(other.notes.join('\n')).toMatch(/no content index/);
    expect(readFileSync(garbage, 'utf8')).toBe('this is not a database');
  });

  it('a read-only index is used but never written', async () => {
    const s = await setup();
    s.indexed();
    appendFileSync(join(s.dir, 'tricky/local-time.md'), '\n');
    unlock(join(s.dir, 'tricky/local-time.md'));
    const before = readFileSync(s.dbFile);
    // Only the changed file is read, and nothing is remembered.
    await expectRead(s, s.asNobody({ readonly: true }));
    expect(readFileSync(s.dbFile).equals(before)).toBe(true);
    await expectRead(s, s.asNobody({ readonly: true }));
  });
});

describe('what the index keeps', () => {
  it('keeps the full parses of a day, but not of every article for an all-time window', async () => {
    const s = await setup();
    const loaded = s.indexed({ window: allTime(ZONE) });
    const db = new Database(s.dbFile);
    const parsedRows = (db.prepare('SELECT COUNT(*) AS n FROM content_parsed').get() as { n: number }).n;
    db.close();
    // Only files the cheap look could not date are remembered in full (tricky and broken ones).
    expect(loaded.articles.length).toBeGreaterThan(250);
    expect(parsedRows).toBeLessThan(20);
    // A day's build after it still agrees with a full parse.
    await expectFaithful(s, s.indexed());
  });
});

describe('the listing kept in the index', () => {
  /**
   * Build twice more after `change`: the first must list the folders again and agree with a
   * full parse; the new listing is remembered, so the build after it lists no folder (it runs
   * as a user who may list none).
   */
  async function afterChange(s: Setup, change: () => void) {
    change();
    const next = s.indexed();
    await expectFaithful(s, next);
    await expectRead(s, s.asNobody());
    return next;
  }

  /** Whether `load` failed because it had to list a folder (CAN_SWITCH_USER: a user who may not). */
  const listed = (load: NobodyLoad) => !CAN_SWITCH_USER || load.error === 'cannot list the folder';

  it('is used while no folder changed, also when a file was edited in place', async () => {
    const s = await setup({ folders: true });
    await expectFaithful(s, s.indexed());
    await expectRead(s, s.asNobody());
    // An edit in place changes the file, not its folder: the listing stays, the stat tells.
    const path = join(s.dir, 'tricky/local-time.md');
    appendFileSync(path, '\n');
    unlock(path);
    const edited = await expectRead(s, s.asNobody());
    expect(edited.articles.length + edited.considered.length).toBe(edited.files);
  });

  it('is not used after a file is added, deleted or renamed, or a folder is added', async () => {
    const s = await setup({ folders: true });
    s.indexed();
    const some = s
      .indexed()
      .considered.map((c) => c.path)
      .filter((p) => !p.startsWith('tricky/'));
    const [first, second, third] = some as [string, string, string];
    const added = await afterChange(s, () =>
      writeFileSync(
        join(s.dir, first.replace(/[^/]*$/, 'new-one.md')),
        front('publishedDateTime: 2026-03-09T20:00:00Z'),
      ),
    );
    expect(added.articles.map((a) => a.path)).toContain(first.replace(/[^/]*$/, 'new-one.md'));
    const deleted = await afterChange(s, () => rmSync(join(s.dir, second)));
    expect(deleted.considered.map((c) => c.path)).not.toContain(second);
    await afterChange(s, () => renameSync(join(s.dir, third), join(s.dir, `${third}.moved.md`)));
    const nested = await afterChange(s, () => {
      mkdirSync(join(s.dir, 'deeper/still'), { recursive: true });
      writeFileSync(join(s.dir, 'deeper/still/x.md'), front('publishedDateTime: 2026-03-09T21:00:00Z'));
    });
    expect(nested.articles.map((a) => a.path)).toContain('deeper/still/x.md');
  });

  it('is not used when a folder changed but its modification time was set back (rsync -t, touch -d)', async () => {
    const s = await setup({ folders: true });
    s.indexed();
    const folder = join(s.dir, 'tricky');
    const added = await afterChange(s, () =>
      keepTimes(folder, () =>
        writeFileSync(join(folder, 'slipped-in.md'), front('publishedDateTime: 2026-03-09T22:00:00Z')),
      ),
    );
    expect(added.articles.map((a) => a.path)).toContain('tricky/slipped-in.md');
  });

  it('is never used for a folder with a symlink in it', async () => {
    const s = await setup({ folders: true });
    const elsewhere = temp.make('digest-scale-linked-');
    writeFileSync(join(elsewhere, 'linked.md'), front('publishedDateTime: 2026-03-09T20:00:00Z'));
    symlinkSync(elsewhere, join(s.dir, 'linked'));
    s.indexed();
    expect(listed(s.asNobody())).toBe(true);
    // A file added behind the link changes none of the content folder's own folders.
    writeFileSync(join(elsewhere, 'behind-the-link.md'), front('publishedDateTime: 2026-03-09T21:00:00Z'));
    const third = s.indexed();
    expect(third.articles.map((a) => a.path)).toContain('linked/behind-the-link.md');
    await expectFaithful(s, third);
  });

  it('is not kept from a listing of folders changed moments before', async () => {
    const s = await setup({ folders: true });
    // The real clock: the folders were written just now.
    s.indexed({ settled: false });
    expect(listed(s.asNobody({ settled: false }))).toBe(true);
    // Once they have settled (the clock a minute on), the listing is kept and then used.
    s.indexed();
    await expectRead(s, s.asNobody());
  });
});
