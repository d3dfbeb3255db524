import { closeSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { lineOfKey } from '../config/_load.js';
import type { ContentProblem } from '../types.js';

/** Front matter is at the top of a file: the first 64 KB hold it, however long the article. */
const HEAD_BYTES = 64 * 1024;

/**
 * The 1-based line of a problem's field in its article's front matter (`publishedDateTime: ...`),
 * read at the CLI's edge for the few files that have a problem. Undefined for whole-file problems,
 * a file that can't be read, or a field not written in the file (e.g. a missing title).
 */
export function problemLine(contentDir: string, problem: ContentProblem): number | undefined {
  if (problem.field.startsWith('(')) return undefined;
  let head: string;
  try {
    const fd = openSync(join(contentDir, problem.path), 'r');
    try {
      const buffer = Buffer.alloc(HEAD_BYTES);
      head = buffer.toString('utf8', 0, readSync(fd, buffer, 0, HEAD_BYTES, 0));
    } finally {
      closeSync(fd);
    }
  } catch {
    return undefined;
  }
  const end = /^---\s*$/m.exec(head.slice(3))?.index;
  if (!head.startsWith('---') || end === undefined) return undefined;
  const frontMatter = head.slice(0, end + 3);
  return lineOfKey(frontMatter, problem.field.split('.'));
}

/** A problem with `path` read as `path: line N` when the field's line is known, for formatProblem. */
export function withLine(contentDir: string, problem: ContentProblem): ContentProblem & { line?: number } {
  const line = problemLine(contentDir, problem);
  return line === undefined ? problem : { ...problem, line };
}
