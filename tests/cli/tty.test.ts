import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { subscriberFolder } from '../deliver/helpers.js';
import { ROOT } from '../helpers/cli.js';

/** Any SGR colour sequence (ESC [ ... m); the progress bar's line erase (ESC [ 2K) is not one. */
const ESC = '\u001b';
const COLOUR = new RegExp(`${ESC}\\[[0-9;]*m`);

/** `digest ARGS` on a real pseudo-terminal (util-linux `script`), stdout and stderr together. */
function onTerminal(args: string[], cwd: string, env: Record<string, string> = {}): string {
  const command = [process.execPath, join(ROOT, 'bin/digest.js'), ...args].map((a) => `'${a}'`).join(' ');
  const result = spawnSync('script', ['-qec', command, '/dev/null'], {
    cwd,
    // No CI here: CI turns the progress bar off, and this is about what a person at a terminal sees.
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', TERM: 'xterm', ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return result.stdout;
}

describe.runIf(process.platform === 'linux')('on a terminal', () => {
  it('errors are red; NO_COLOR takes the colour away', async () => {
    const { cwd } = await subscriberFolder(1, 'digest-tty-');
    expect(onTerminal(['biuld'], cwd)).toContain('\u001b[1m\u001b[31mError:\u001b[0m');
    expect(onTerminal(['biuld'], cwd, { NO_COLOR: '1' })).not.toMatch(COLOUR);
  });

  it('NO_COLOR keeps the progress bar, and a dry run says written', async () => {
    const { cwd } = await subscriberFolder(5, 'digest-tty-');
    const args = ['send', '--dry-run', '--date', 'latest', '--content', join(ROOT, 'content')];
    const out = onTerminal(args, cwd, { NO_COLOR: '1' });
    expect(out).toMatch(new RegExp(`${ESC}\\[2K\\[#+\\] 5/5 written, 0 failed`));
    expect(out).toMatch(/Dry run: wrote 5 messages for digest/);
    expect(out).not.toMatch(COLOUR);
  });
});
