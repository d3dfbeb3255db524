import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/cleanup.js';
import { ROOT } from '../helpers/cli.js';

const run = (cwd: string) =>
  spawnSync(process.execPath, [join(ROOT, 'scripts/next-step.mjs')], {
    cwd,
    encoding: 'utf8',
    timeout: 30_000,
  });

describe('npm start ends with the next step', () => {
  it('is the last command of the start script', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      scripts: { start: string };
    };
    expect(pkg.scripts.start).toMatch(/send --dry-run --date latest && node scripts\/next-step\.mjs$/);
  });

  it('names the preview and the files the dry run wrote', () => {
    const cwd = tempDir('digest-next-');
    mkdirSync(join(cwd, 'out/2026-11-22/eml'), { recursive: true });
    writeFileSync(join(cwd, 'out/2026-11-22/digest.html'), '<html></html>');
    const result = run(cwd);
    expect(result.status).toBe(0);
    expect(result.stderr).toContain('  npx digest preview ');
    expect(result.stderr).toContain(
      '  open out/2026-11-22/digest.html (the email) or a file in out/2026-11-22/eml/',
    );
    expect(result.stderr).toContain('  cp .env.example .env ');
  });

  it('without output files it still names the preview, and no file', () => {
    const result = run(tempDir('digest-next-'));
    expect(result.stderr).toContain('npx digest preview');
    expect(result.stderr).not.toContain('open out/');
  });
});
