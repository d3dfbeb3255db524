import { type Dirent, readdirSync, realpathSync, statSync } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { DigestError } from '../errors.js';
import type { ContentProblem } from '../types.js';
import { type FileStamp, stampOf } from './_stamp.js';

/**
 * A folder's identity when it was listed: its entries change only with its mtime, and its ctime
 * also moves when something sets the mtime back (`touch -d`, `rsync -t`).
 */
export interface FolderStamp extends FileStamp {
  /** `/`-separated, relative to the content folder; '' for the content folder itself. */
  path: string;
}

export interface Listing {
  /** Sorted paths of the `.md` files, as findArticleFiles gives them. */
  files: string[];
  /**
   * Every folder walked, each statted before it was read; undefined when the walk met a symlink
   * (what it points to can change without any of these folders changing).
   */
  folders?: FolderStamp[];
  /** Folders inside the content folder that could not be listed (no permission): skipped and reported. */
  problems: ContentProblem[];
}

/**
 * Every `*.md` file under `dir`, nested folders included, as sorted `/`-separated paths relative
 * to `dir`. Hidden entries (`.git`, `.drafts`, `.#x.md`) are skipped. Symlinks are followed, but a
 * folder already visited (by its real path) is not entered again, so link loops end.
 */
export async function findArticleFiles(dir: string): Promise<string[]> {
  return (await listArticleFiles(dir)).files;
}

/**
 * findArticleFiles, with the stamp of every folder walked (see Listing), so that the content
 * index can tell next time that no folder changed and the same list can be used without
 * reading any folder.
 */
export async function listArticleFiles(dir: string): Promise<Listing> {
  const info = await stat(dir).catch(() => undefined);
  if (!info?.isDirectory()) {
    throw new DigestError(
      'E_IO',
      info ? 'the content path is not a folder' : 'the content folder does not exist',
      {
        file: dir,
        hint: 'pass --content DIR or set "content" in digest.config.json to a folder of .md files',
      },
    );
  }
  const files: string[] = [];
  const folders: FolderStamp[] = [];
  const problems: ContentProblem[] = [];
  let linked = false;
  const seen = new Set<string>([await realpath(dir)]);
  // An explicit stack instead of recursion: deep trees can't overflow, and the walk is bounded
  // by the number of distinct real folders.
  const pending: string[] = [''];
  while (pending.length > 0) {
    const rel = pending.pop() as string;
    // Statted before it is read: a change during the read leaves a stamp that will not match.
    const stamp = statSync(join(dir, rel), { throwIfNoEntry: false });
    if (stamp) folders.push({ path: rel, ...stampOf(stamp) });
    else linked = true;
    const entries = listFolder(join(dir, rel), rel, problems);
    // A folder that could not be listed is listed again next time: its stamp says nothing.
    if (entries === undefined) linked = true;
    for (const entry of entries ?? []) {
      if (entry.name.startsWith('.')) continue;
      if (entry.isSymbolicLink()) linked = true;
      const childRel = rel === '' ? entry.name : `${rel}/${entry.name}`;
      // The common case first, without building a path: path.join per file shows in a large folder.
      if (entry.isFile()) {
        if (entry.name.endsWith('.md')) files.push(childRel);
        continue;
      }
      const kind = kindOf(join(dir, childRel), entry);
      if (kind === 'dir') {
        const real = realTarget(join(dir, childRel));
        if (real === undefined || seen.has(real)) continue;
        seen.add(real);
        pending.push(childRel);
      } else if (kind === 'file' && entry.name.endsWith('.md')) {
        files.push(childRel);
      }
    }
  }
  return { files: files.sort(), folders: linked ? undefined : folders, problems };
}

/** The real path of a folder reached through a link, or undefined when it has none. */
function realTarget(path: string): string | undefined {
  try {
    return realpathSync(path);
  } catch {
    return undefined;
  }
}

/**
 * Synchronous, like the scan that follows: a thread-pool round trip per folder and a promise per
 * call are slower in a large folder, and much slower on a busy machine (docs/bench.md).
 */
function listFolder(path: string, rel: string, problems: ContentProblem[]): Dirent[] | undefined {
  try {
    return readdirSync(path, { withFileTypes: true });
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    // A folder inside the content folder that this process may not read costs only its own files.
    if (rel !== '' && (code === 'EACCES' || code === 'EPERM')) {
      problems.push({
        path: `${rel}/`,
        field: '(folder)',
        message: `cannot be listed (${code}); its files are skipped`,
        hint: 'give the user running digest read and execute permission on the folder, or move it out of the content folder',
      });
      return undefined;
    }
    throw new DigestError('E_IO', 'cannot list the folder', { file: path, cause });
  }
}

/** A symlink counts as what it points to; a dangling `.md` link is kept so reading it reports the problem. */
function kindOf(path: string, entry: Dirent): 'dir' | 'file' | 'other' {
  if (entry.isDirectory()) return 'dir';
  if (entry.isFile()) return 'file';
  if (!entry.isSymbolicLink()) return 'other';
  let target: ReturnType<typeof statSync>;
  try {
    target = statSync(path, { throwIfNoEntry: false });
  } catch {
    // A link into a folder this process may not enter: reading it reports the problem.
    return 'file';
  }
  if (!target) return 'file';
  return target.isDirectory() ? 'dir' : target.isFile() ? 'file' : 'other';
}
