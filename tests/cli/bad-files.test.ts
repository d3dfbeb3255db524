import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DigestReport } from '../../src/types.js';
import { CORPUS, ROOT, runCli } from '../helpers/cli.js';

// Bad input costs only itself: the rest of the day is built, and the problem names file and field.

const fresh = () => mkdtempSync(join(tmpdir(), 'digest-bad-'));

/** A content folder with a copy of the election corpus (the 2020-09-13 files) and the given extra files. */
function content(extra: Record<string, string>): string {
  const dir = fresh();
  cpSync(join(CORPUS, 'election'), join(dir, 'content'), { recursive: true });
  for (const [path, text] of Object.entries(extra)) {
    mkdirSync(join(dir, 'content', path, '..'), { recursive: true });
    writeFileSync(join(dir, 'content', path), text);
  }
  return dir;
}

const article = (over: { title?: string; provider?: string; date?: string; quality?: number }) =>
  [
    '---',
    `title: ${JSON.stringify(over.title ?? 'A plain headline about the harbour')}`,
    'excerpt: "An excerpt."',
    `publishedDateTime: ${over.date ?? '2020-09-13T15:00:00Z'}`,
    'webUrl: "https://example.org/huge"',
    `quality: ${over.quality ?? 999}`,
    'provider:',
    `  name: ${JSON.stringify(over.provider ?? 'Example')}`,
    '  domain: example.org',
    '---',
    '',
  ].join('\n');

const build = (cwd: string, ...flags: string[]) =>
  runCli(['build', '--content', 'content', '--templates', join(ROOT, 'templates'), '--json', ...flags], {
    cwd,
    now: new Date('2020-09-20T12:00:00Z'),
  });

describe('a file with a 100 KB field, ranked first', () => {
  it.each([
    ['title', { title: `Harbour ${'very '.repeat(20_000)}long headline` }],
    ['provider.name', { provider: `Outlet ${'x'.repeat(100_000)}` }],
  ])(
    'has its %s cut and reported, and the day, that file in it, fits the size budget',
    async (field, over) => {
      const cwd = content({ '_news/2020-09-13-huge.md': article(over) });
      const run = await build(cwd, '--date', '2020-09-13', '--tz', 'America/New_York');
      expect(run.stderr).not.toMatch(/E_BUDGET/);
      expect(run.code).toBe(0);
      const report = JSON.parse(run.stdout) as DigestReport;
      expect(report.items.map((i) => i.path)).toContain('_news/2020-09-13-huge.md');
      expect(report.htmlBytes).toBeLessThan(report.sizeBudget);
      expect(run.stderr).toContain(`_news/2020-09-13-huge.md: ${field}: is`);
      expect(run.stderr).toMatch(/shown cut to \d+/);
    },
  );
});

describe('--date latest', () => {
  it('ignores an article dated after now, and says so', async () => {
    const cwd = content({ '_news/2099-09-13-future.md': article({ date: '2099-09-13T12:00:00Z' }) });
    const run = await build(cwd, '--date', 'latest', '--tz', 'America/New_York');
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as DigestReport;
    expect(report.window.date).toBe('2020-09-14');
    expect(run.stderr).toContain('1 article is dated after now (the newest on 2099-09-13)');
  });
});

// Permissions mean nothing to root, so the build runs as the unprivileged `nobody` (uid 65534).
const asRoot = process.getuid?.() === 0;
describe('a folder the process may not read', () => {
  it('is reported and skipped, with a link into it; the other files are built', (ctx) => {
    if (!asRoot) {
      console.log('skip: the unreadable-folder test runs the CLI as user nobody, which needs root');
      ctx.skip();
    }
    const cwd = content({ 'locked/2020-09-13-secret.md': article({}) });
    symlinkSync(join(cwd, 'content', 'locked', '2020-09-13-secret.md'), join(cwd, 'content', 'link.md'));
    chmodSync(cwd, 0o755);
    chmodSync(join(cwd, 'content', 'locked'), 0o700);
    const out = join(fresh(), 'out');
    mkdirSync(out, { recursive: true });
    chmodSync(join(out, '..'), 0o777);
    chmodSync(out, 0o777);
    const run = spawnSync(
      process.execPath,
      [
        join(ROOT, 'bin/digest.js'),
        'build',
        '--content',
        'content',
        '--templates',
        join(ROOT, 'templates'),
        '--out',
        out,
        '--date',
        '2020-09-13',
        '--tz',
        'America/New_York',
        '--json',
      ],
      {
        cwd,
        uid: 65534,
        gid: 65534,
        encoding: 'utf8',
        timeout: 60_000,
        env: { PATH: process.env.PATH ?? '', HOME: '/tmp' },
      },
    );
    expect(run.stderr).toContain('locked/: (folder): cannot be listed (EACCES)');
    expect(run.stderr).toMatch(/link\.md: .*cannot be read \(EACCES\)/);
    expect(run.status).toBe(0);
    const report = JSON.parse(run.stdout) as DigestReport;
    expect(report.items.length).toBeGreaterThan(3);
  });
});
