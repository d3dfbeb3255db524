/**
 * The "naive" measurement: what a static-site generator does to build one day's page. Lists the
 * folder, reads every file, parses its front matter with gray-matter (default YAML engine),
 * keeps the articles published in the window, sorts them by quality. Prints `{kept, top}`.
 * The call is gray-matter's documented one, `matter(text)`, as generators and blog starters
 * write it; gray-matter then keeps every parsed file in its cache (keyed by the text), which at
 * 100,000 files costs memory and collector time. `--no-cache` passes an options object instead,
 * which turns that cache off: the kinder variant, reported beside it.
 * Usage: node dist/bench/naive.js DIR SINCE_ISO UNTIL_ISO [--no-cache]
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import matter from 'gray-matter';
import { findArticleFiles } from '../src/content/_find.js';

const [dir, sinceText, untilText, flag] = process.argv.slice(2);
const noCache = flag === '--no-cache';
if (!dir || !sinceText || !untilText) {
  process.stderr.write('usage: node dist/bench/naive.js DIR SINCE_ISO UNTIL_ISO\n');
  process.exit(2);
}
const since = Date.parse(sinceText);
const until = Date.parse(untilText);
const kept: { path: string; quality: number; published: number }[] = [];
for (const path of await findArticleFiles(dir)) {
  const text = readFileSync(join(dir, path), 'utf8');
  const { data } = noCache ? matter(text, {}) : matter(text);
  const published = new Date(data.publishedDateTime).getTime();
  if (published >= since && published < until) {
    kept.push({ path, quality: Number(data.quality) || 0, published });
  }
}
kept.sort((a, b) => b.quality - a.quality || b.published - a.published);
process.stdout.write(`${JSON.stringify({ kept: kept.length, top: kept[0]?.path })}\n`);
