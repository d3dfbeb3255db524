import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/** Most `-2`, `-3`, ... suffixes tried for a file name already taken. */
const MAX_SUFFIX = 50;

/**
 * Write a new article file under `contentDir` and return its path relative to it. Never replaces
 * a file: a taken name (two items with one title on one day, or a file of the user's) gets `-2`, `-3`, ...
 */
export async function writeNewFile(contentDir: string, path: string, text: string): Promise<string> {
  await mkdir(dirname(join(contentDir, path)), { recursive: true });
  const stem = path.replace(/\.md$/, '');
  for (let n = 1; n <= MAX_SUFFIX; n++) {
    const candidate = n === 1 ? `${stem}.md` : `${stem}-${n}.md`;
    try {
      await writeFile(join(contentDir, candidate), text, { flag: 'wx' });
      return candidate;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  throw new Error(`${MAX_SUFFIX} files named ${stem}*.md exist already`);
}
