import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import type { ContentProblem } from '../types.js';
import { fileProblem, MAX_ARTICLE_BYTES, tooLargeProblem } from './_problem.js';
import { type FileStamp, stampOf } from './_stamp.js';

export type ReadResult = { bytes: Buffer; stamp: FileStamp } | { problem: ContentProblem; stamp?: FileStamp };

/** One shared buffer: files are read and decided one after another, never two at once. */
let scratch = Buffer.allocUnsafe(64 * 1024);

/**
 * Read one article file synchronously: open, fstat, read, close. The stamp comes from the same
 * open file as the bytes, taken before the read, so a file changed during the read gets a stamp
 * that the next run will not match. Files over MAX_ARTICLE_BYTES are refused before reading.
 * The bytes are a view of a shared buffer, valid until the next call: decide, then read on.
 *
 * Synchronous on purpose: with a warm page cache, a thread-pool round trip per call costs more
 * than the read itself (docs/bench.md, "Figures behind the content stage"). The caller
 * reads in batches and yields to the event loop between them.
 */
export function readArticleFile(fullPath: string, path: string): ReadResult {
  let fd: number | undefined;
  try {
    fd = openSync(fullPath, 'r');
    const stamp = stampOf(fstatSync(fd));
    if (stamp.size > MAX_ARTICLE_BYTES) return { problem: tooLargeProblem(path, stamp.size), stamp };
    if (scratch.length < stamp.size) scratch = Buffer.allocUnsafe(Math.max(stamp.size, scratch.length * 2));
    // Exactly the size fstat gave: a file that changes during the read has a stamp the next run
    // will not match, so it is read again then. (No extra read to look for more: a syscall per file.)
    let length = 0;
    for (let turn = 0; turn < 64 && length < stamp.size; turn++) {
      const n = readSync(fd, scratch, length, stamp.size - length, length);
      if (n === 0) break;
      length += n;
    }
    return { bytes: scratch.subarray(0, length), stamp };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
    return {
      problem: fileProblem(path, `cannot be read (${code})`, 'check that the file exists and is readable'),
    };
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
