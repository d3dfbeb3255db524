import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { envFileNote, withEnvFile } from '../../src/config/_env-file.js';
import { requireSecret } from '../../src/deliver/_token.js';
import { tempDir } from '../helpers/cleanup.js';
import { ROOT, runCli } from '../helpers/cli.js';

const SECRET = 'a-secret-of-more-than-thirty-two-characters-from-dotenv';

/** A working folder holding `.env` with `text` (or none). */
function folderWith(text?: string): string {
  const cwd = tempDir('digest-env-');
  if (text !== undefined) writeFileSync(join(cwd, '.env'), text);
  return cwd;
}

describe('withEnvFile', () => {
  it.each([
    ['no .env: the environment as it is', undefined, { A: '1' }, { A: '1' }],
    ['adds what the environment lacks', 'B=2\n', { A: '1' }, { A: '1', B: '2' }],
    ['the real environment wins', 'A=from-file\nB=2\n', { A: 'from-env' }, { A: 'from-env', B: '2' }],
    ['even an empty real value wins', 'A=from-file\n', { A: '' }, { A: '' }],
    [
      'comments, quotes and export are read as Node reads them',
      '# c\nexport Q="a b"\nR=\'x#y\'\n',
      {},
      { Q: 'a b', R: 'x#y' },
    ],
    ['an empty value in the file is an empty value', 'DIGEST_SECRET=\n', {}, { DIGEST_SECRET: '' }],
  ])('%s', (_name, text, env, expected) => {
    expect(withEnvFile(folderWith(text), env).env).toEqual(expected);
  });

  it('a DIGEST_SECRET filled in in .env is the one used to sign', () => {
    const { env } = withEnvFile(folderWith(`DIGEST_SECRET=${SECRET}\n`), {});
    expect(requireSecret(env)).toBe(SECRET);
  });

  it('does not touch process.env', () => {
    withEnvFile(folderWith('NEWS_DIGEST_TEST_ONLY=1\n'), {});
    expect(process.env.NEWS_DIGEST_TEST_ONLY).toBeUndefined();
  });

  it('a .env that cannot be read (a folder) is a config error naming it', () => {
    const cwd = tempDir('digest-env-');
    mkdirSync(join(cwd, '.env'));
    expect(() => withEnvFile(cwd, {})).toThrow("Can't read .env");
  });

  it.each([
    [undefined, {}, 'debug: no .env in the working folder; using the environment only'],
    ['A=1\nB=2\n', {}, 'debug: read CWD/.env: 2 variables (A, B)'],
    ['A=1\nB=2\n', { B: 'x' }, 'debug: read CWD/.env: 1 variable (A); kept from the environment: B'],
    ['A=1\n', { A: 'x' }, 'debug: read CWD/.env: 0 variables; kept from the environment: A'],
  ])('DEBUG note for %j with env %j', (text, env, expected) => {
    const cwd = folderWith(text);
    expect(envFileNote(withEnvFile(cwd, env))).toBe(expected.replace('CWD', cwd));
  });
});

describe('digest reads .env from the working folder', () => {
  const build = (cwd: string, env: Record<string, string>) =>
    runCli(
      [
        'build',
        '--content',
        join(ROOT, 'tests/fixtures/content/library'),
        '--templates',
        join(ROOT, 'templates'),
        '--date',
        'latest',
        '--json',
      ],
      { cwd, env },
    );

  it('takes DIGEST_TZ from .env, lets the real environment win, and says under DEBUG which file it read', async () => {
    const cwd = folderWith('DIGEST_TZ=Asia/Tokyo\n');
    const fromFile = await build(cwd, {});
    expect(fromFile.code).toBe(0);
    expect(JSON.parse(fromFile.stdout).window.timeZone).toBe('Asia/Tokyo');

    const fromEnv = await build(cwd, { DIGEST_TZ: 'Europe/Berlin', DEBUG: '1' });
    expect(JSON.parse(fromEnv.stdout).window.timeZone).toBe('Europe/Berlin');
    expect(fromEnv.stderr).toContain(
      `debug: read ${join(cwd, '.env')}: 0 variables; kept from the environment: DIGEST_TZ`,
    );
  });
});
