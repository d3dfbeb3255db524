import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { main } from '../../src/cli/main.js';

/** The repository root. */
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** The real article files beside the checkout. */
export const CORPUS = fileURLToPath(new URL('../../../shared/corpus', import.meta.url));

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run the CLI in-process with captured output and a fixed clock. */
export async function runCli(
  argv: string[],
  options: { cwd: string; env?: Record<string, string | undefined>; now?: Date },
): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    cwd: options.cwd,
    env: options.env ?? {},
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    isTTY: false,
    now: () => options.now ?? new Date('2026-11-29T12:00:00Z'),
  });
  return { code, stdout, stderr };
}

/** Run the compiled `digest` command as a user would (dist/ is built by the global setup). */
export function spawnCli(argv: string[], options: { cwd: string; env?: Record<string, string> }): CliRun {
  const result = spawnSync(process.execPath, [`${ROOT}/bin/digest.js`, ...argv], {
    cwd: options.cwd,
    env: { PATH: process.env.PATH ?? '', ...options.env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}
