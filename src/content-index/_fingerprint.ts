import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packageVersion } from '../_package-version.js';

/**
 * The modules whose code decides what a file parses to (src/content), and how the index stores
 * it (here); a change to any of them empties the index.
 */
const PARSER_MODULES = [
  '../content/_cheap',
  '../content/_classify',
  '../content/_dates',
  '../content/_fields',
  '../content/_frontmatter',
  '../content/_parse',
  '../content/_problem',
  '../content/_read',
  '../content/_stamp',
  '../content/_window',
  '_index',
  '_scan',
  '_shape',
  '_snapshot',
];
const PARSER_PACKAGES = ['entities', 'gray-matter', 'js-yaml'];

/** Bump when the index's own layout or meaning changes in a way the code hash would not show. */
const INDEX_FORMAT = 1;

let cached: string | undefined;

/**
 * A fingerprint of the parser: a hash of the content modules' own code (as loaded, .js or .ts)
 * and the versions of the YAML packages. The content index stores it; an index written by any
 * other parser is rebuilt, so a cached article is always what this code would parse.
 */
export function parserFingerprint(): string {
  if (cached !== undefined) return cached;
  const here = fileURLToPath(import.meta.url);
  const ext = extname(here);
  const hash = createHash('sha256').update(`format ${INDEX_FORMAT}\n`);
  for (const name of PARSER_MODULES) {
    hash.update(`${name}\n`);
    hash.update(readFileSync(join(dirname(here), `${name}${ext}`)));
  }
  const require = createRequire(import.meta.url);
  for (const name of PARSER_PACKAGES) hash.update(`${name}@${packageVersion(require, name)}\n`);
  cached = hash.digest('base64url').slice(0, 22);
  return cached;
}
