/**
 * The floor of the benchmark: read every article file's bytes, nothing else. Lists the folder
 * with the project's own `findArticleFiles` (a build has to list it too), then reads each file
 * whole: open, fstat, read into one reused buffer, close. That is the fastest plain way found
 * here with a warm page cache (readFileSync, which allocates a buffer per file, was slower;
 * async reads through the thread pool about 3 times slower), and the same calls a build uses.
 * Prints `{files, bytes}` as JSON.
 * Usage: node dist/bench/floor.js DIR
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { findArticleFiles } from '../src/content/_find.js';

const dir = process.argv[2];
if (!dir) {
  process.stderr.write('usage: node dist/bench/floor.js DIR\n');
  process.exit(2);
}
const prefix = dir.endsWith('/') ? dir : `${dir}/`;
const paths = await findArticleFiles(dir);
let buffer = Buffer.allocUnsafe(1 << 16);
let bytes = 0;
for (const path of paths) {
  const fd = openSync(prefix + path, 'r');
  try {
    const { size } = fstatSync(fd);
    if (size > buffer.length) buffer = Buffer.allocUnsafe(size * 2);
    let read = 0;
    for (let n = -1; read < size && n !== 0; read += n) n = readSync(fd, buffer, read, size - read, read);
    bytes += read;
  } finally {
    closeSync(fd);
  }
}
process.stdout.write(`${JSON.stringify({ files: paths.length, bytes })}\n`);
