import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packageVersion } from '../_package-version.js';

/** Packages whose output is part of a rendered email. */
const RENDER_PACKAGES = ['mjml', 'handlebars', 'date-fns', '@date-fns/tz'];

let cached: string | undefined;

/**
 * A fingerprint of the code that turns a selection into an email: every module of src/render,
 * the select stage's trim step, and the versions of the packages they use. A cached rendering
 * made by other code is never used.
 */
export function renderFingerprint(): string {
  cached ??= codeFingerprint(['render'], ['select/_trim'], RENDER_PACKAGES);
  return cached;
}

/** Packages whose output is part of a story grouping. */
const SELECT_PACKAGES = ['stemmer', 'stopword'];

let cachedSelect: string | undefined;

/**
 * A fingerprint of the code that groups articles into stories: every module of src/select and
 * the versions of the packages it uses. A cached grouping made by other code is never used.
 */
export function selectFingerprint(): string {
  cachedSelect ??= codeFingerprint(['select'], [], SELECT_PACKAGES);
  return cachedSelect;
}

// A hash of every module of the `folders` of src, the single `modules` (without extension) and
// the installed versions of `packages`.
function codeFingerprint(folders: string[], modules: string[], packages: string[]): string {
  const here = fileURLToPath(import.meta.url);
  const ext = extname(here);
  const src = dirname(dirname(here));
  const hash = createHash('sha256');
  for (const folder of folders) {
    for (const name of readdirSync(join(src, folder))
      .filter((f) => f.endsWith(ext))
      .sort()) {
      hash.update(`${folder}/${name}\n`).update(readFileSync(join(src, folder, name)));
    }
  }
  for (const module of modules)
    hash.update(`${module}${ext}\n`).update(readFileSync(join(src, `${module}${ext}`)));
  const require = createRequire(import.meta.url);
  for (const name of packages) hash.update(`${name}@${packageVersion(require, name)}\n`);
  return hash.digest('base64url').slice(0, 22);
}
