import { appendFileSync, cpSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { findArticleFiles, type LoadResult, loadArticles } from '../../src/content/index.js';
import { type ContentIndex, openContentIndex } from '../../src/content-index/index.js';
import { dayWindow } from '../../src/select/index.js';
import { front, generatedFolder } from './_folder.js';
import {
  bytes,
  loadIndexed,
  referenceArticles,
  referenceParse,
  referenceProblems,
  tempDirs,
  type Window,
} from './_helpers.js';
import { CAN_SWITCH_USER, loadAsNobody, lockDown, openFolders, partsOf } from './_nobody.js';

const CORPUS = join(import.meta.dirname, '../../../shared/corpus');
const ALL_TIME = { since: -8.64e15, until: 8.64e15 };
const temp = tempDirs();
afterAll(() => temp.cleanup());

/** A database file in a new folder. */
const freshDb = () => join(temp.make('digest-scale-db-'), 'digest.db');

/** An index whose clock runs a minute ahead: files written by the test count as settled. */
function freshIndex(dbFile = freshDb()): ContentIndex {
  return openContentIndex(dbFile, { now: () => Date.now() + 60_000 });
}

/** Days from `first`, as YYYY-MM-DD. */
function days(first: string, n: number): string[] {
  return Array.from({ length: n }, (_, i) =>
    new Date(Date.parse(first) + i * 86_400_000).toISOString().slice(0, 10),
  );
}

/**
 * For each window: the plain path (no index), the indexed path (cold for the first window, then
 * warm) and the reference (every file parsed in full) agree byte for byte on the articles; the
 * plain and indexed paths agree on everything else; problems are the reference's, minus invalid
 * files whose cheap date is outside the window.
 */
async function expectSameEverywhere(dir: string, timeZone: string, windows: Window[], index: ContentIndex) {
  const reference = await referenceParse(dir, timeZone);
  for (const window of windows) {
    const plain = await loadArticles(dir, { ...window, timeZone });
    const indexed = await loadIndexed(dir, { ...window, timeZone }, index);
    const label = `${timeZone} ${new Date(window.since).toISOString()}`;
    expect(bytes(plain.articles), label).toBe(bytes(referenceArticles(reference, window)));
    expect(bytes(plain.problems), label).toBe(bytes(referenceProblems(reference, window)));
    expect(sameParts(indexed), label).toBe(sameParts(plain));
  }
  expect(index.notes).toEqual([]);
}

const sameParts = (r: LoadResult) => bytes([r.articles, r.considered, r.problems, r.files]);

describe('fast paths against a full parse: the real corpus', () => {
  it.each([
    ['election', 'America/New_York', days('2020-09-03', 14)],
    ['election', 'UTC', days('2020-09-03', 14)],
    ['ai', 'UTC', days('2021-03-07', 7)],
    ['ai', 'Asia/Kolkata', days('2021-03-07', 7)],
  ])('%s in %s, every day and all time', async (name, timeZone, dates) => {
    const windows = [...dates.map((d) => dayWindow(d, timeZone)), ALL_TIME];
    await expectSameEverywhere(join(CORPUS, name), timeZone, windows, freshIndex());
  });

  it.skipIf(!CAN_SWITCH_USER)(
    'a second pass over the same day opens no file and lists no folder',
    async () => {
      const dir = temp.make('digest-scale-corpus-');
      cpSync(join(CORPUS, 'election'), dir, { recursive: true });
      lockDown(dir, { folders: true });
      const dbFile = freshDb();
      const window = dayWindow('2020-09-13', 'America/New_York');
      const plain = await loadArticles(dir, window);
      expect(plain.articles.length).toBeGreaterThan(0);
      expect(partsOf(loadAsNobody(dir, window, dbFile, { asOwner: true }))).toBe(sameParts(plain));
      // Run by a user who may open none of the files and list none of the folders.
      expect(partsOf(loadAsNobody(dir, window, dbFile))).toBe(sameParts(plain));
      // The control: a file changed since must be read, and that user cannot.
      const changed = (plain.articles[0] as { path: string }).path;
      appendFileSync(join(dir, changed), '\n');
      const after = loadAsNobody(dir, window, dbFile);
      expect('problems' in after && after.problems).toEqual([
        expect.objectContaining({ path: changed, message: 'cannot be read (EACCES)' }),
      ]);
    },
  );
});

describe('fast paths against a full parse: a generated folder', () => {
  it.each(['America/New_York', 'Europe/Berlin', 'UTC'])(
    'every day in %s, all time, and the same index across zones',
    async (timeZone) => {
      const dir = await generatedFolder(temp.make('digest-scale-content-'));
      lockDown(dir, { folders: true });
      const index = freshIndex();
      const windows = [...days('2026-03-03', 12).map((d) => dayWindow(d, timeZone)), ALL_TIME];
      await expectSameEverywhere(dir, timeZone, windows, index);
      // The same index, now read in another zone: zone-dependent dates are recomputed.
      await expectSameEverywhere(dir, 'Asia/Tokyo', [dayWindow('2026-03-09', 'Asia/Tokyo')], index);
      // What a load in another zone writes back (entries kept with new dates) still matches
      // every file by its path: a load by a user who may open no file gives the same result.
      if (CAN_SWITCH_USER) {
        const tokyo = dayWindow('2026-03-09', 'Asia/Tokyo');
        const db = freshDb();
        loadAsNobody(dir, dayWindow('2026-03-09', timeZone), db, { asOwner: true });
        const written = loadAsNobody(dir, tokyo, db, { asOwner: true });
        expect(partsOf(written)).toBe(sameParts(await loadArticles(dir, tokyo)));
        expect(partsOf(loadAsNobody(dir, tokyo, db))).toBe(partsOf(written));
      }
    },
  );

  it('leaves an invalid file outside the window unreported, and reports the others', async () => {
    const dir = await generatedFolder(temp.make('digest-scale-content-'), 20);
    const { problems } = await loadArticles(dir, dayWindow('2026-03-09', 'UTC'));
    expect(problems.map((p) => p.path)).toEqual([
      'broken/bad-date.md',
      'broken/empty.md',
      'broken/huge.md',
      'broken/in-window-no-title.md',
      'broken/latin1.md',
      'broken/no-date.md',
      'broken/twice-in-window.md',
    ]);
    const all = await loadArticles(dir, { ...ALL_TIME, timeZone: 'UTC' });
    expect(all.problems.map((p) => p.path)).toEqual(
      expect.arrayContaining(['broken/old-bad-yaml.md', 'broken/twice-old.md']),
    );
  });
});

describe('scan workers', () => {
  const WORKER = pathToFileURL(join(import.meta.dirname, '../../dist/src/content-index/_scan-worker.js'));
  const BROKEN = pathToFileURL(join(temp.make('digest-scale-worker-'), 'broken-worker.mjs'));
  writeFileSync(BROKEN, "throw new Error('a worker that fails at once');\n");

  it.each([
    ['two workers (dist/ compiled by the test setup)', { threads: 2, workerScript: WORKER }, true],
    ['a worker that fails: its share is scanned again here', { threads: 1, workerScript: BROKEN }, false],
  ])('%s give the same result as one thread', async (_name, options, used) => {
    // Large enough that the workers, which take a moment to start, get a share.
    const dir = await generatedFolder(temp.make('digest-scale-content-'), used ? 8000 : 500);
    // Paths beyond ASCII too: the workers decode every path from UTF-8 bytes (on a warm pass,
    // the index's own), so a wrong offset would show as a wrong path below.
    expect((await findArticleFiles(dir)).some((f) => Buffer.byteLength(f) !== f.length)).toBe(true);
    const window = dayWindow('2026-03-09', 'America/New_York');
    const scan = { ...options, minFilesForWorkers: 1 };
    const single = await loadArticles(dir, window);
    lockDown(dir, { folders: true });
    // The threads take chunks from one counter, so on a loaded machine this thread can finish
    // before a worker has started: up to 3 cold scans (each checked below) for the workers to get
    // a share. A worker that fails never gets one, however often.
    let index = freshIndex();
    let cold = await loadIndexed(dir, window, index, scan);
    for (let attempt = 1; attempt < 3 && cold.inWorkers > 0 !== used; attempt++) {
      expect(sameParts(cold)).toBe(sameParts(single));
      index = freshIndex();
      cold = await loadIndexed(dir, window, index, scan);
    }
    expect(cold.inWorkers > 0).toBe(used);
    expect(sameParts(cold)).toBe(sameParts(single));
    const warm = await loadIndexed(dir, window, index, scan);
    expect(sameParts(warm)).toBe(sameParts(single));
    // The warm pass takes its listing, and the workers' path bytes, from the index, and opens no
    // file: a user who may list no folder and open no file gets the same result.
    // (The compiled code's index: see loadAsNobody.)
    const dbFile = freshDb();
    if (CAN_SWITCH_USER) {
      loadAsNobody(dir, window, dbFile, { scan: options, asOwner: true });
      expect(partsOf(loadAsNobody(dir, window, dbFile, { scan: options }))).toBe(sameParts(single));
    }
    // A folder changes: the index's files are statted while the folders are listed again, and
    // only the new file is read (by a user who may list the folders, but open no old file).
    const gone = (cold.articles[0] ?? cold.considered[0])?.path as string;
    rmSync(join(dir, gone));
    writeFileSync(join(dir, 'tricky/new-after-warm.md'), front('publishedDateTime: 2026-03-09T18:00:00Z'));
    openFolders(dir);
    const plainAfter = await loadArticles(dir, window);
    const changed = CAN_SWITCH_USER
      ? partsOf(loadAsNobody(dir, window, dbFile, { scan: options }))
      : sameParts(await loadIndexed(dir, window, index, scan));
    expect(changed).toBe(sameParts(plainAfter));
    expect(plainAfter.articles.map((a) => a.path)).toContain('tricky/new-after-warm.md');
  });
});
