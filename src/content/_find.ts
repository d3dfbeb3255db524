import type { Dirent } from 'node:fs';
import { readdir, realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { DigestError } from '../errors.js';

/**
 * Every `*.md` file under `dir`, nested folders included, as sorted `/`-separated paths relative
 * to `dir`. Hidden entries (`.git`, `.drafts`, `.#x.md`) are skipped. Symlinks are followed, but a
 * folder already visited (by its real path) is not entered again, so link loops end.
 */
export async function findArticleFiles(dir: string): Promise<string[]> {
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
  const seen = new Set<string>([await realpath(dir)]);
  // An explicit stack instead of recursion: deep trees can't overflow, and the walk is bounded
  // by the number of distinct real folders.
  const pending: string[] = [''];
  while (pending.length > 0) {
    const rel = pending.pop() as string;
    for (const entry of await listFolder(join(dir, rel))) {
      if (entry.name.startsWith('.')) continue;
      const childRel = rel === '' ? entry.name : `${rel}/${entry.name}`;
      // The common case first and without building a path: 100,000 path.join calls are noticeable.
      if (entry.isFile()) {
        if (entry.name.endsWith('.md')) files.push(childRel);
        continue;
      }
      const kind = await kindOf(join(dir, childRel), entry);
      if (kind === 'dir') {
        const real = await realpath(join(dir, childRel)).catch(() => undefined);
        if (real === undefined || seen.has(real)) continue;
        seen.add(real);
        pending.push(childRel);
      } else if (kind === 'file' && entry.name.endsWith('.md')) {
        files.push(childRel);
      }
    }
  }
  return files.sort();
}

async function listFolder(path: string): Promise<Dirent[]> {
  try {
    return await readdir(path, { withFileTypes: true });
  } catch (cause) {
    throw new DigestError('E_IO', 'cannot list the folder', { file: path, cause });
  }
}

/** A symlink counts as what it points to; a dangling `.md` link is kept so reading it reports the problem. */
async function kindOf(path: string, entry: Dirent): Promise<'dir' | 'file' | 'other'> {
  if (entry.isDirectory()) return 'dir';
  if (entry.isFile()) return 'file';
  if (!entry.isSymbolicLink()) return 'other';
  const target = await stat(path).catch(() => undefined);
  if (!target) return 'file';
  return target.isDirectory() ? 'dir' : target.isFile() ? 'file' : 'other';
}
