import { existsSync } from 'node:fs';
import type { Statement } from 'better-sqlite3';
import {
  type Classified,
  type ContentWindow,
  type FileStamp,
  type FolderStamp,
  type ParseResult,
  parsePublished,
  sameStamp,
} from '../content/index.js';
import { openDatabase, type SqliteDatabase } from '../store/index.js';
import { parserFingerprint } from './_fingerprint.js';
import type { PathBytes } from './_parallel.js';
import { setStampAt } from './_scan.js';
import { checkParsed } from './_shape.js';
import {
  decodeSnapshot,
  emptySnapshot,
  emptyStored,
  encodeSnapshot,
  FROM_PARSE,
  pushEntry,
  pushStoredRun,
  type Snapshot,
  type StoredSnapshot,
  stampOfEntry,
  storedPath,
  storedPaths,
  ZONED,
} from './_snapshot.js';

export interface ContentIndexOptions {
  /** Use the index but never write to it (e.g. `send --dry-run`, which leaves the database untouched). */
  readonly?: boolean;
  /** The wall clock, for the check on files modified moments ago and for pruning. Default Date.now. */
  now?: () => number;
  /**
   * A file modified less than this long before it was read is not remembered: a second change in
   * the same timestamp tick would keep its size and times (coarse clocks; FAT has 2 s). Default 2000.
   */
  racyMs?: number;
}

const DAY = 86_400_000;
const KEEP_PARSES_WINDOW_MS = 62 * DAY;
// Full parses not used for this long are dropped, so the table follows the days being built.
const PARSED_KEEP_MS = 30 * DAY;

/**
 * The content index: what each article file gave when it was last read, in the SQLite database
 * that `--db` names, so a build stats each file and reads only those whose stat changed.
 * - content_snapshots: per content folder (its real path), every file's stamp (size, mtime,
 *   ctime, inode) and date, packed in one value (see _snapshot.ts);
 * - content_parsed: the full parses (articles and problems) of the files that needed one,
 *   each with the stamp and zone it was made for.
 *
 * It never serves a stale article: an entry counts only when size, mtime, ctime and inode all
 * match; files modified moments before they were read are not remembered; an index written by
 * another parser (parserFingerprint) is rebuilt; a damaged one (checksum, shape) too. Every
 * failure degrades to reading the files, with a note, never to a failed build.
 */
export class ContentIndex {
  /** What the user should know (index unavailable, rebuilt, damaged entries), one line each. */
  readonly notes: string[] = [];
  private db: SqliteDatabase | undefined;
  private readonly options: Required<ContentIndexOptions>;

  constructor(db: SqliteDatabase | undefined, options: ContentIndexOptions = {}) {
    this.db = db;
    this.options = { readonly: false, now: Date.now, racyMs: 2000, ...options };
  }

  /** Whether a database is open behind this index. */
  get available(): boolean {
    return this.db !== undefined;
  }

  /**
   * Start a scan of the content folder whose real path is `root`, for `window` (in its zone).
   * Full parses are remembered for windows of up to two months (a day's digest, a week); a
   * longer one (`--date latest`, all time) would store every article of the folder, so there
   * only those of files without a cheap date are kept.
   */
  begin(root: string, window: ContentWindow): IndexSession {
    const { readonly, now, racyMs } = this.options;
    const { timeZone } = window;
    const keepParses = window.until - window.since <= KEEP_PARSES_WINDOW_MS;
    const open = (db: SqliteDatabase | undefined, old: StoredSnapshot | undefined, oldZone: string) =>
      new IndexSession({
        db: readonly ? undefined : db,
        reader: db,
        root,
        timeZone,
        old,
        oldZone,
        notes: this.notes,
        racyMs,
        startedAt: now(),
        keepParses,
      });
    const db = this.db;
    if (!db) return open(undefined, undefined, '');
    try {
      const row = db
        .prepare('SELECT fingerprint, time_zone, checksum, data FROM content_snapshots WHERE root = ?')
        .get(root) as
        | { fingerprint: unknown; time_zone: unknown; checksum: unknown; data: unknown }
        | undefined;
      if (!row) return open(db, undefined, '');
      if (row.fingerprint !== parserFingerprint()) {
        this.rebuild(db, root, 'was written by another version of news-digest');
        return open(db, undefined, '');
      }
      const old =
        row.data instanceof Uint8Array &&
        typeof row.checksum === 'string' &&
        typeof row.time_zone === 'string'
          ? decodeSnapshot(row.data, row.checksum)
          : undefined;
      if (!old) {
        this.rebuild(db, root, 'is damaged');
        return open(db, undefined, '');
      }
      return open(db, old, row.time_zone as string);
    } catch (error) {
      // A damaged table (SQLITE_CORRUPT, a missing table): start this folder's part afresh if the
      // database lets us, else build without the index.
      try {
        this.rebuild(db, root, `could not be read (${messageOf(error)})`);
        return open(db, undefined, '');
      } catch {
        this.notes.push(`the content index could not be read (${messageOf(error)}); every file is read`);
        return open(undefined, undefined, '');
      }
    }
  }

  close(): void {
    if (this.db?.open) this.db.close();
    this.db = undefined;
  }

  private rebuild(db: SqliteDatabase, root: string, why: string): void {
    if (this.options.readonly) {
      this.notes.push(`the content index of ${root} ${why}; not used by this read-only run`);
      return;
    }
    db.transaction(() => {
      db.prepare('DELETE FROM content_snapshots WHERE root = ?').run(root);
      db.prepare('DELETE FROM content_parsed WHERE root = ?').run(root);
    }).immediate();
    this.notes.push(`the content index of ${root} ${why}; rebuilt (this build reads every file)`);
  }
}

/**
 * Open the content index in the SQLite database `file` (migrating it like every command does).
 * Never throws: when the database can't be opened (read-only folder, damaged or newer file),
 * the index is unavailable, with a note, and the build reads every file. A read-only index on a
 * file that does not exist is simply absent.
 */
export function openContentIndex(file: string, options: ContentIndexOptions = {}): ContentIndex {
  if (options.readonly && !existsSync(file)) return new ContentIndex(undefined, options);
  try {
    return new ContentIndex(openDatabase(file, { readonly: options.readonly, busyTimeoutMs: 2000 }), options);
  } catch (error) {
    const index = new ContentIndex(undefined, options);
    index.notes.push(`no content index (${messageOf(error)}: ${file}); every file is read`);
    return index;
  }
}

interface SessionInit {
  /** Where to write; undefined for a read-only or unavailable index. */
  db: SqliteDatabase | undefined;
  /** Where to read full parses from. */
  reader: SqliteDatabase | undefined;
  root: string;
  timeZone: string;
  old: StoredSnapshot | undefined;
  /** The zone the old snapshot's ZONED dates were computed in. */
  oldZone: string;
  notes: string[];
  racyMs: number;
  startedAt: number;
  /** Remember full parses of files that have a cheap date (see ContentIndex.begin). */
  keepParses: boolean;
}

interface ParsedRow {
  size: number;
  mtime_ms: number;
  ctime_ms: number;
  ino: number;
  time_zone: string;
  fingerprint: string;
  result: string;
  used_at: number;
}

/**
 * One load's pass over the index (internal to the indexed source, see _load.ts): `match` is
 * asked for the listing's paths in their sorted order, as the old snapshot is walked alongside
 * and the new one written in order.
 */
export class IndexSession {
  private readonly init: SessionInit;
  private readonly old: StoredSnapshot;
  private readonly next: Snapshot;
  /** The path being matched, as UTF-8. */
  private probe = Buffer.allocUnsafe(1024);
  private cursor = 0;
  private changed = false;
  /** The paths are the old snapshot's, in order (see previousListing): path i is entry i. */
  private reused = false;
  /** The folders of this build's listing, to store when every listed file gets an entry. */
  private folders: FolderStamp[] | undefined;
  private listed = -1;
  /**
   * The old entries kept since the last other decision, as one run of consecutive old entries
   * (`runFrom`, `runLength`): copied into `next` in bulk when something else comes (see
   * flushRun), columns and path bytes, not entry by entry. A warm build where nothing changed
   * keeps the whole old snapshot as one run, and writes nothing.
   */
  private runFrom = -1;
  private runLength = 0;
  /** This build's zone is the old snapshot's: a kept entry is the old entry as it is. */
  private readonly sameZone: boolean;
  private damaged = 0;
  private readonly parsedWrites: [string, FileStamp, ParseResult][] = [];
  private readonly parsedUsed: string[] = [];
  private readonly gone: string[] = [];
  private readonly getParsed: Statement | undefined;
  /** Filled with one old entry's stamp at a time (see copyStamp, keep): no object per file. */
  private readonly scratch: FileStamp = { size: 0, mtimeMs: 0, ctimeMs: 0, ino: 0 };

  constructor(init: SessionInit) {
    this.init = init;
    this.old = init.old ?? emptyStored();
    this.next = emptySnapshot(Math.max(64, this.old.count + 16));
    this.next.base = this.old;
    this.changed = init.old === undefined;
    this.sameZone = init.old !== undefined && init.oldZone === init.timeZone;
    this.getParsed = init.reader?.prepare(
      'SELECT size, mtime_ms, ctime_ms, ino, time_zone, fingerprint, result, used_at FROM content_parsed WHERE root = ? AND path = ?',
    );
  }

  /**
   * The paths of the last listing and the stamps of its folders, when the old snapshot holds all
   * of that listing (see Snapshot.folders); undefined otherwise.
   */
  previousListing():
    | { folders: FolderStamp[]; files: number; paths: () => string[]; bytes: PathBytes }
    | undefined {
    const { folders } = this.old;
    if (!folders) return undefined;
    return {
      folders,
      files: this.old.count,
      paths: () => storedPaths(this.old),
      // The same paths as UTF-8, NUL-separated: what scan workers are given.
      bytes: { data: this.old.pathData, start: this.old.pathStart },
    };
  }

  /** The old entries' stamps as a column (see stampAt), in shared memory. */
  oldStamps(): Float64Array {
    const o = this.old;
    const out = new Float64Array(new SharedArrayBuffer(32 * o.count));
    for (let i = 0; i < o.count; i++) this.copyStamp(i, out, i);
    return out;
  }

  /**
   * This build's listing: `files` paths, reused from previousListing or not, and its folders
   * (undefined when they can't be trusted). Call before `match`. Folders changed moments before
   * they were listed are not remembered: a second change in the same timestamp tick would keep
   * their stamps.
   */
  setListing(files: number, folders: FolderStamp[] | undefined, reused: boolean): void {
    this.folders = folders?.every((f) => this.settled(f)) ? folders : undefined;
    this.listed = files;
    this.reused = reused && files === this.old.count;
    if (JSON.stringify(this.folders ?? null) !== JSON.stringify(this.old.folders ?? null))
      this.changed = true;
  }

  /**
   * The old entry of `path` (its position), or undefined when the index does not know the file.
   * Compares UTF-8 bytes, whose order can differ from the list's (UTF-16) order only for paths
   * with characters beyond U+FFFF; such a path is then merely read again, never mismatched.
   */
  match(path: string): number | undefined {
    if (this.reused) return this.cursor < this.old.count ? this.cursor++ : undefined;
    const { pathData, pathStart, count } = this.old;
    if (this.probe.length < path.length * 3) this.probe = Buffer.allocUnsafe(path.length * 3);
    const length = this.probe.write(path, 0, 'utf8');
    // Bounded by the old snapshot's size: the cursor only moves forward.
    while (this.cursor < count) {
      const from = pathStart[this.cursor] as number;
      const to = (pathStart[this.cursor + 1] as number) - 1;
      const order = this.probe.compare(pathData, from, to, 0, length);
      if (order === 0) return this.cursor++;
      if (order < 0) return undefined;
      this.dropOld(this.cursor++);
    }
    return undefined;
  }

  /** Copy the stamp of old entry `i` into a column of stamps (see stampAt) as its j-th. */
  copyStamp(i: number, into: Float64Array, j: number): void {
    setStampAt(into, j, stampOfEntry(this.old, i, this.scratch));
  }

  /** The entry's date in this build's zone, or undefined when it has none that can be trusted here. */
  dateOf(i: number): number | undefined {
    const ms = this.old.dateMs[i] as number;
    if (Number.isNaN(ms)) return undefined;
    const flags = this.old.flags[i] as number;
    if (!(flags & ZONED) || this.init.oldZone === this.init.timeZone) return ms;
    if (flags & FROM_PARSE) return undefined;
    const text = this.old.dateText.get(i);
    return text === undefined ? undefined : parsePublished(text, this.init.timeZone);
  }

  /** The stored full parse of an unchanged file, when there is one for this zone and parser. */
  parsed(path: string, i: number): ParseResult | undefined {
    if (!this.getParsed) return undefined;
    let row: ParsedRow | undefined;
    try {
      row = this.getParsed.get(this.init.root, path) as ParsedRow | undefined;
    } catch {
      return undefined;
    }
    if (!row) return undefined;
    const made = { size: row.size, mtimeMs: row.mtime_ms, ctimeMs: row.ctime_ms, ino: row.ino };
    const fresh =
      sameStamp(made, stampOfEntry(this.old, i)) &&
      row.time_zone === this.init.timeZone &&
      row.fingerprint === parserFingerprint();
    if (!fresh) return undefined;
    let result: ParseResult | undefined;
    try {
      result = checkParsed(JSON.parse(row.result), path);
    } catch {
      result = undefined;
    }
    if (!result) {
      this.damaged++;
      return undefined;
    }
    if (row.used_at < this.init.startedAt - DAY) this.parsedUsed.push(path);
    return result;
  }

  /** Keep an unchanged file's entry `i` (its date recomputed when this build's zone differs). */
  keep(i: number): void {
    if (this.sameZone) {
      // The entry is the old one as it is: extend the run, or start one.
      if (this.runLength === 0 || i !== this.runFrom + this.runLength) {
        this.flushRun();
        this.runFrom = i;
      }
      this.runLength++;
      return;
    }
    const o = this.old;
    const flags = o.flags[i] as number;
    const ms = this.dateOf(i);
    if (this.init.oldZone !== this.init.timeZone && flags & ZONED) this.changed = true;
    const fromParseLost = ms === undefined && !Number.isNaN(o.dateMs[i] as number);
    // The file is unchanged: its stamp is the old entry's.
    pushEntry(
      this.next,
      i,
      stampOfEntry(o, i, this.scratch),
      ms ?? Number.NaN,
      fromParseLost ? 0 : flags,
      o.dateText.get(i),
    );
  }

  /**
   * What reading `path` gave; remembered unless the file changed moments before it was read.
   * `at`: the file's old entry (see match), when it had one.
   */
  record(path: string, stamp: FileStamp, classified: Omit<Classified, 'outcome'>, at?: number): void {
    this.changed = true;
    if (!this.settled(stamp)) {
      this.gone.push(path);
      return;
    }
    const { cheap, parsed } = classified;
    this.flushRun();
    // The old entry's path bytes when it had one: the same path (see match).
    const ref = at === undefined || at < 0 ? path : at;
    if (cheap) {
      pushEntry(
        this.next,
        ref,
        stamp,
        cheap.ms,
        cheap.zoned ? ZONED : 0,
        cheap.zoned ? cheap.text : undefined,
      );
    } else if (parsed && 'article' in parsed) {
      // No cheap date: the full parse's date stands in. Its zone dependence is unknown, so ZONED.
      pushEntry(this.next, ref, stamp, parsed.article.publishedMs, FROM_PARSE | ZONED);
    } else {
      pushEntry(this.next, ref, stamp, Number.NaN, 0);
    }
    if (parsed && (this.init.keepParses || !cheap)) this.parsedWrites.push([path, stamp, parsed]);
  }

  /** `path` could not be read: the index forgets it. */
  forget(path: string): void {
    this.changed = true;
    this.gone.push(path);
  }

  /** Write the new snapshot and full parses when anything changed. Errors become a note. */
  async finish(): Promise<void> {
    const { db, root, notes, startedAt, timeZone } = this.init;
    // Entries after the last path asked for belong to deleted files.
    while (this.cursor < this.old.count) this.dropOld(this.cursor++);
    if (this.damaged > 0) {
      notes.push(
        `the content index had ${this.damaged} damaged entr${this.damaged === 1 ? 'y' : 'ies'}; read again and replaced`,
      );
    }
    if (!db || (!this.changed && this.parsedUsed.length === 0)) return;
    // The folders stand for the listing only when every listed file has an entry (a file changed
    // moments ago or unreadable has none, and would be missing from a list taken from here).
    const entries = this.next.count + this.runLength;
    this.next.folders = entries === this.listed ? this.folders : undefined;
    if (this.changed) this.flushRun();
    try {
      const fingerprint = parserFingerprint();
      const snapshot = this.changed ? await encodeSnapshot(this.next) : undefined;
      db.transaction(() => {
        if (snapshot) {
          db.prepare(
            `INSERT OR REPLACE INTO content_snapshots (root, fingerprint, time_zone, files, checksum, data, updated_at)
             VALUES (?, ?, ?, ?, ?, ?, ?)`,
          ).run(root, fingerprint, timeZone, this.next.count, snapshot.checksum, snapshot.data, startedAt);
        }
        const upsert = db.prepare(
          `INSERT OR REPLACE INTO content_parsed (root, path, size, mtime_ms, ctime_ms, ino, time_zone, fingerprint, result, used_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        );
        for (const [path, s, parsed] of this.parsedWrites) {
          upsert.run(
            root,
            path,
            s.size,
            s.mtimeMs,
            s.ctimeMs,
            s.ino,
            timeZone,
            fingerprint,
            JSON.stringify(parsed),
            startedAt,
          );
        }
        const remove = db.prepare('DELETE FROM content_parsed WHERE root = ? AND path = ?');
        for (const path of this.gone) remove.run(root, path);
        const touch = db.prepare('UPDATE content_parsed SET used_at = ? WHERE root = ? AND path = ?');
        for (const path of this.parsedUsed) touch.run(startedAt, root, path);
        db.prepare('DELETE FROM content_parsed WHERE root = ? AND used_at < ?').run(
          root,
          startedAt - PARSED_KEEP_MS,
        );
      }).immediate();
    } catch (error) {
      notes.push(
        `the content index could not be updated (${messageOf(error)}); the next build reads the changed files again`,
      );
    }
  }

  /**
   * Whether a stamp was last changed long enough (racyMs) before this build started that a
   * second change would move it: within the same timestamp tick it might not.
   */
  private settled(stamp: FileStamp): boolean {
    return Math.max(stamp.mtimeMs, stamp.ctimeMs) <= this.init.startedAt - this.init.racyMs;
  }

  /** Copy the pending run of kept old entries into `next`, in bulk. */
  private flushRun(): void {
    pushStoredRun(this.next, this.runFrom, this.runLength);
    this.runLength = 0;
  }

  private dropOld(i: number): void {
    this.changed = true;
    this.gone.push(storedPath(this.old, i));
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
