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
  if (cached !== undefined) return cached;
  const here = fileURLToPath(import.meta.url);
  const ext = extname(here);
  const src = dirname(dirname(here));
  const hash = createHash('sha256');
  const renderDir = join(src, 'render');
  for (const name of readdirSync(renderDir)
    .filter((f) => f.endsWith(ext))
    .sort()) {
    hash.update(`render/${name}\n`).update(readFileSync(join(renderDir, name)));
  }
  hash.update(`select/_trim${ext}\n`).update(readFileSync(join(src, 'select', `_trim${ext}`)));
  const require = createRequire(import.meta.url);
  for (const name of RENDER_PACKAGES) hash.update(`${name}@${packageVersion(require, name)}\n`);
  cached = hash.digest('base64url').slice(0, 22);
  return cached;
}
