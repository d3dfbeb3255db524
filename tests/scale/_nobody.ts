import { spawnSync } from 'node:child_process';
import { chmodSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { ContentWindow } from '../../src/content/index.js';
import type { Article, Considered, ContentProblem } from '../../src/types.js';

/**
 * What a load reads, seen from outside: the article files (and folders) are made readable by
 * their owner only, and a later load runs as another user, who may stat them but not open or
 * list them. That load succeeds only if it opens none of them; a file it must read (changed
 * since) reports "cannot be read (EACCES)", a folder it must list fails the load. Needs root
 * (to run a process as another user); the tests that use it are skipped otherwise.
 */
export const CAN_SWITCH_USER = process.getuid?.() === 0;

const NOBODY = 65534;
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CHILD = fileURLToPath(new URL('./_load-child.mjs', import.meta.url));

/** Article files of `dir` readable by their owner only; with `folders`, its folders listable by their owner only. */
export function lockDown(dir: string, options: { folders: boolean }): void {
  // Another user must still reach every file (execute permission on each folder).
  chmodSync(dir, options.folders ? 0o711 : 0o755);
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    const path = join(entry.parentPath, entry.name);
    if (entry.isDirectory()) chmodSync(path, options.folders ? 0o711 : 0o755);
    else if (entry.isFile() && entry.name.endsWith('.md')) chmodSync(path, 0o600);
  }
}

/** The folders of `dir` listable by all again (the files stay locked: a chmod would change their stamps). */
export function openFolders(dir: string): void {
  chmodSync(dir, 0o755);
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isDirectory()) chmodSync(join(entry.parentPath, entry.name), 0o755);
  }
}

/** A file changed since lockDown, readable by all again (a changed file must be read). */
export function unlock(path: string): void {
  chmodSync(path, 0o644);
}

/** A load's parts (see loadAsNobody), or its error to show why there are none. */
export const partsOf = (load: NobodyLoad): string =>
  'files' in load
    ? JSON.stringify([load.articles, load.considered, load.problems, load.files])
    : `error: ${load.error}`;

/** What a load in a child process gave (a LoadResult's data), or the error it threw. */
export type NobodyLoad =
  | {
      articles: Article[];
      considered: Considered[];
      problems: ContentProblem[];
      files: number;
      notes: string[];
      error?: undefined;
    }
  | { error: string };

/**
 * One load through the index in `dbFile`, in a child process of the compiled code (dist/), run
 * as `nobody`, or with `asOwner` as this process's user. Every load that shares the database
 * must run this way: the index of the TypeScript sources (a test's own loads) has another parser
 * fingerprint than dist's, and each rebuilds the other's. `clockAheadMs`: the index's clock ahead of the real one, so that
 * files the test wrote just now count as settled (default one minute).
 */
export function loadAsNobody(
  dir: string,
  window: ContentWindow,
  dbFile: string,
  options: {
    asOwner?: boolean;
    clockAheadMs?: number;
    readonly?: boolean;
    scan?: { threads: number; workerScript: URL };
  } = {},
): NobodyLoad {
  // The database and its WAL files, readable and writable by the other user.
  chmodSync(dirname(dbFile), 0o777);
  for (const name of readdirSync(dirname(dbFile))) chmodSync(join(dirname(dbFile), name), 0o666);
  const job = {
    dist: pathToFileURL(join(ROOT, 'dist')).href,
    dir,
    window,
    dbFile,
    clockAheadMs: options.clockAheadMs ?? 60_000,
    readonly: options.readonly ?? false,
    scan: options.scan && {
      ...options.scan,
      minFilesForWorkers: 1,
      workerScript: options.scan.workerScript.href,
    },
  };
  const user = options.asOwner ? {} : { uid: NOBODY, gid: NOBODY };
  const child = spawnSync(process.execPath, [CHILD, JSON.stringify(job)], {
    ...user,
    cwd: '/',
    encoding: 'utf8',
    // A large folder's considered entries are megabytes of JSON.
    maxBuffer: 256 * 2 ** 20,
    timeout: 60_000,
  });
  const line = child.stdout.trim().split('\n').pop() ?? '';
  if (child.status !== 0 || !line.startsWith('{')) {
    throw new Error(`the load as nobody ended with ${child.status ?? child.signal}: ${child.stderr}`);
  }
  return JSON.parse(line) as NobodyLoad;
}
