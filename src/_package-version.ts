import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The version in a dependency's package.json, found by walking up from its entry file; `missing` when
 * the package cannot be resolved. Cache fingerprints include it, so an upgrade invalidates them.
 */
export function packageVersion(require: NodeJS.Require, name: string): string {
  let dir: string;
  try {
    dir = dirname(require.resolve(name));
  } catch {
    return 'missing';
  }
  for (let up = 0; up < 8; up++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === name) return String(pkg.version);
    } catch {
      // No package.json at this level: keep walking up.
    }
    dir = dirname(dir);
  }
  return 'unknown';
}
