import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';

const require = createRequire(import.meta.url);
const semver = require('semver') as {
  satisfies(version: string, range: string): boolean;
  minVersion(range: string): { version: string };
};

interface LockEntry {
  engines?: { node?: string };
  dev?: boolean;
  hasInstallScript?: boolean;
}
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  engines: { node: string };
  allowScripts?: Record<string, boolean>;
};
const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, LockEntry>;
};

/** A test-only fallback browser that works on Node 20 but declares 22 (docs/development.md says so). */
const KNOWN_EBADENGINE = ['@sparticuz/chromium'];

const nameOf = (path: string) => path.replace(/^.*node_modules\//, '');

describe('npm install on a supported Node prints no EBADENGINE a user must act on', () => {
  const lowest = ['20.19.0', '22.13.0'];

  it('package.json states the supported Node versions: 20.19+, 22.13+', () => {
    expect(lowest.map((v) => semver.satisfies(v, pkg.engines.node))).toEqual([true, true]);
    expect(['20.18.0', '22.12.0', '21.7.0'].map((v) => semver.satisfies(v, pkg.engines.node))).toEqual([
      false,
      false,
      false,
    ]);
  });

  it.each(lowest)('every installed package accepts Node %s', (version) => {
    const refusing = Object.entries(lock.packages)
      .filter(
        ([path, entry]) => path && entry.engines?.node && !semver.satisfies(version, entry.engines.node),
      )
      .map(([path, entry]) => `${nameOf(path)} (${entry.engines?.node})`)
      .filter((line) => !KNOWN_EBADENGINE.some((name) => line.startsWith(`${name} `)));
    expect(refusing).toEqual([]);
  });

  it('every dependency with an install script is approved in allowScripts', () => {
    const withScripts = Object.entries(lock.packages)
      .filter(([path, entry]) => path && entry.hasInstallScript)
      .map(([path]) => nameOf(path));
    const approved = Object.keys(pkg.allowScripts ?? {}).map((key) => key.replace(/(.)@[^@]*$/, '$1'));
    expect(withScripts.filter((name) => !approved.includes(name))).toEqual([]);
    expect(withScripts).toContain('better-sqlite3');
  });
});
