import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { MIN_SECRET_LENGTH } from '../../src/deliver/index.js';
import { tempDir } from '../helpers/cleanup.js';
import { ROOT, runCli } from '../helpers/cli.js';

const FLAGS = [
  '--name',
  'The Tuesday Ledger',
  '--from',
  'ledger@news.example.org',
  '--public-url',
  'https://news.example.org/',
  '--tz',
  'Europe/London',
  '--postal-address',
  'Ledger Media Ltd; 10 Quay Street; Bristol BS1 4DJ',
];

/** The real `digest init` process with `answers` piped to its standard input. */
function initWithAnswers(cwd: string, answers: string, flags: string[] = []) {
  const run = spawnSync(process.execPath, [join(ROOT, 'bin/digest.js'), 'init', ...flags], {
    cwd,
    input: answers,
    encoding: 'utf8',
    timeout: 60_000,
    env: { PATH: process.env.PATH ?? '', NO_COLOR: '1', TZ: 'UTC' },
  });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

function secretOf(cwd: string): string {
  return parseEnv(readFileSync(join(cwd, '.env'), 'utf8')).DIGEST_SECRET ?? '';
}

describe('digest init', () => {
  it('takes every value as a flag and writes a config every command reads, and .env with a fresh secret', async () => {
    const cwd = tempDir('digest-init-');
    const run = await runCli(['init', ...FLAGS], { cwd, env: {} });
    expect(run.code, run.stderr).toBe(0);
    const { config } = loadConfig(cwd, {});
    expect(config).toMatchObject({
      title: 'The Tuesday Ledger',
      from: '"The Tuesday Ledger" <ledger@news.example.org>',
      publicUrl: 'https://news.example.org',
      timeZone: 'Europe/London',
      postalAddress: 'Ledger Media Ltd\n10 Quay Street\nBristol BS1 4DJ',
    });
    const secret = secretOf(cwd);
    expect(secret.length).toBeGreaterThanOrEqual(MIN_SECRET_LENGTH);
    expect(secret).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(statSync(join(cwd, '.env')).mode & 0o777).toBe(0o600);
    // The next command, said plainly.
    expect(run.stderr).toContain('Wrote digest.config.json (The Tuesday Ledger, Europe/London) and .env');
    expect(run.stderr).toMatch(/Next: .*\n {2}digest preview\n/);
    expect(run.stdout).toBe('');
    // Another folder, another secret.
    const other = tempDir('digest-init-');
    expect((await runCli(['init', ...FLAGS], { cwd: other, env: {} })).code).toBe(0);
    expect(secretOf(other)).not.toBe(secret);
  });

  it('asks for what the flags leave out, takes the default on Enter and asks again after a bad answer', () => {
    const cwd = tempDir('digest-init-');
    // name: typed; from: typed; URL: Enter (default); zone: a wrong one, then a right one; address.
    const run = initWithAnswers(
      cwd,
      'Morning Brief\nbrief@news.example.com\n\nMars/Olympus\nAmerica/New_York\n1 Main St; Springfield\n',
    );
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain('Newsletter name');
    expect(run.stderr).toContain('[http://127.0.0.1:8080]');
    expect(run.stderr).toContain('"Mars/Olympus" is not an IANA time zone');
    const { config } = loadConfig(cwd, {});
    expect(config).toMatchObject({
      title: 'Morning Brief',
      from: '"Morning Brief" <brief@news.example.com>',
      publicUrl: 'http://127.0.0.1:8080',
      timeZone: 'America/New_York',
      postalAddress: '1 Main St\nSpringfield',
    });
  });

  it('asks only for what the flags leave out; an empty input takes every default', () => {
    const cwd = tempDir('digest-init-');
    const run = initWithAnswers(cwd, 'Lisbon Letter\n', [
      '--from',
      'x@lisbon.example',
      '--tz',
      'Europe/Lisbon',
      '--public-url',
      'https://l.example',
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).not.toContain('From address');
    expect(loadConfig(cwd, {}).config).toMatchObject({ title: 'Lisbon Letter', postalAddress: '' });
    // No address given: said now, and send warns until it is set.
    expect(run.stderr).toContain('Set "postalAddress"');

    const empty = tempDir('digest-init-');
    const none = initWithAnswers(empty, '');
    expect(none.code, none.stderr).toBe(0);
    expect(loadConfig(empty, {}).config).toMatchObject({ title: 'News Digest', timeZone: 'UTC' });
  });

  it('--yes asks nothing and takes the defaults', async () => {
    const cwd = tempDir('digest-init-');
    const run = await runCli(['init', '--yes', '--name', 'Quiet'], { cwd, env: {} });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).not.toContain('From address');
    expect(loadConfig(cwd, {}).config).toMatchObject({
      title: 'Quiet',
      from: '"Quiet" <digest@example.com>',
    });
  });

  it.each([
    ['--tz', 'Mars/Olympus', /--tz: "Mars\/Olympus" is not an IANA time zone/],
    ['--public-url', 'news.example.org', /--public-url: "news.example.org" is not an http\(s\) URL/],
    ['--from', 'not an address', /--from: /],
  ])('a bad %s is a usage error naming the flag, and nothing is written', async (flag, value, message) => {
    const cwd = tempDir('digest-init-');
    const run = await runCli(['init', '--yes', flag, value], { cwd, env: {} });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(existsSync(join(cwd, 'digest.config.json'))).toBe(false);
    expect(existsSync(join(cwd, '.env'))).toBe(false);
  });

  it.each(['digest.config.json', 'digest.config.yaml', '.env'])(
    'refuses to overwrite an existing %s, and writes nothing',
    async (file) => {
      const cwd = tempDir('digest-init-');
      writeFileSync(join(cwd, file), 'KEEP=1\n');
      const run = await runCli(['init', ...FLAGS], { cwd, env: {} });
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(`${file} already exists; digest init never overwrites it`);
      expect(readFileSync(join(cwd, file), 'utf8')).toBe('KEEP=1\n');
      for (const other of ['digest.config.json', '.env'].filter((f) => f !== file)) {
        expect(existsSync(join(cwd, other))).toBe(false);
      }
    },
  );
});
