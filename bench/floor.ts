/**
 * The floor of the benchmark: read every article file's bytes, nothing else. Lists the folder
 * with the project's own `findArticleFiles` (a build has to list it too), then reads each file
 * whole with readFileSync, the fastest way measured here with a warm page cache (async reads
 * through the thread pool were about 3 times slower). Prints `{files, bytes}` as JSON.
 * Usage: node dist/bench/floor.js DIR
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { findArticleFiles } from '../src/content/_find.js';

const dir = process.argv[2];
if (!dir) {
  process.stderr.write('usage: node dist/bench/floor.js DIR\n');
  process.exit(2);
}
const paths = await findArticleFiles(dir);
let bytes = 0;
for (const path of paths) bytes += readFileSync(join(dir, path)).length;
process.stdout.write(`${JSON.stringify({ files: paths.length, bytes })}\n`);
