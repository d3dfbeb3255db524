import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
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

/** Run the CLI in-process with captured output and a fixed clock (`now`), or the real one (`realClock`). */
export async function runCli(
  argv: string[],
  options: { cwd: string; env?: Record<string, string | undefined>; now?: Date; realClock?: boolean },
): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    cwd: options.cwd,
    env: options.env ?? {},
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    isTTY: false,
    now: options.realClock ? () => new Date() : () => options.now ?? new Date('2026-11-29T12:00:00Z'),
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

/** How a spawned `digest` process ended, with all it printed. */
export interface SpawnResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A running `digest` process with its output so far. */
export interface Spawned {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves when the process has ended (it is SIGKILLed after 60 s at most). */
  done: Promise<SpawnResult>;
  /** The exit code, or -1 when a signal ended it. */
  exit: Promise<number>;
  /** Resolves when stderr matches `pattern` (at most 60 s); rejects if the process ends first. */
  waitForStderr(pattern: RegExp): Promise<void>;
  /** SIGKILL the process if it still runs (a cleanup, so no test leaves one behind). */
  kill(): void;
}

/**
 * Start the compiled `digest` command without blocking this process (so an SMTP server or a
 * browser can live in it). The environment is PATH plus `env`, nothing else of this process's.
 */
export function spawnDigest(argv: string[], options: { cwd: string; env?: Record<string, string> }): Spawned {
  const child = spawn(process.execPath, [`${ROOT}/bin/digest.js`, ...argv], {
    cwd: options.cwd,
    env: { PATH: process.env.PATH ?? '', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  let stdout = '';
  const watchers: { pattern: RegExp; resolve: () => void }[] = [];
  child.stdout?.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr?.on('data', (c: Buffer) => {
    stderr += c.toString();
    for (const w of watchers.filter((w) => w.pattern.test(stderr))) w.resolve();
  });
  const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const done = new Promise<SpawnResult>((resolve) =>
    child.on('close', (code, signal) => {
      clearTimeout(killer);
      resolve({ code, signal, stdout, stderr });
    }),
  );
  return {
    child,
    stderr: () => stderr,
    stdout: () => stdout,
    done,
    exit: done.then((r) => r.code ?? -1),
    waitForStderr: (pattern) =>
      new Promise<void>((resolve, reject) => {
        if (pattern.test(stderr)) return resolve();
        const timer = setTimeout(
          () => reject(new Error(`stderr never matched ${pattern}:\n${stderr}`)),
          60_000,
        );
        watchers.push({
          pattern,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        });
        done.then(() => {
          if (!pattern.test(stderr)) reject(new Error(`exited before stderr matched ${pattern}:\n${stderr}`));
        });
      }),
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}
