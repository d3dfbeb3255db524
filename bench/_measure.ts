import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Result } from './_table.js';

/** One finished process: wall time from spawn to exit, peak RSS, and its output. */
export interface ProcessRun {
  wallMs: number;
  /** Peak resident set size in bytes; undefined when it could not be measured. */
  peakRss?: number;
  /** CPU time (user + system) of the process, ms; undefined when it could not be measured. */
  cpuMs?: number;
  code: number;
  stdout: string;
  stderr: string;
}

const GNU_TIME = '/usr/bin/time';
/** How peak RSS is measured, for the report. */
export const RSS_METHOD = existsSync(GNU_TIME)
  ? 'GNU time (/usr/bin/time -f "%M %U %S") around node: the maximum resident set size and the user + system CPU time the kernel reports for the process'
  : 'not measured (/usr/bin/time is not installed)';

// Longest a single measured process may run: the whole benchmark must end in 10 minutes.
const PROCESS_TIMEOUT_MS = 240_000;

/**
 * Run `node args...` as a user would and time it from spawn to exit (output drained). Peak RSS
 * comes from GNU time wrapped around node (its own few hundred KB are not node's and are not
 * counted: %M is the child's maximum RSS). Rejects on a timeout, resolves with any exit code.
 */
export function runNode(
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; nodeFlags?: string[] },
): Promise<ProcessRun> {
  const scratch = mkdtempSync(join(tmpdir(), 'digest-bench-time-'));
  const rssFile = join(scratch, 'rss');
  const nodeArgs = [...(options.nodeFlags ?? []), ...args];
  const [command, argv] = existsSync(GNU_TIME)
    ? [GNU_TIME, ['-f', '%M %U %S', '-o', rssFile, process.execPath, ...nodeArgs]]
    : [process.execPath, nodeArgs];
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, argv, { cwd: options.cwd, env: options.env ?? process.env });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => {
      stdout += s;
    });
    child.stderr.setEncoding('utf8').on('data', (s: string) => {
      stderr += s;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), PROCESS_TIMEOUT_MS);
    child.on('error', reject);
    child.on('close', (code) => {
      const wallMs = performance.now() - started;
      clearTimeout(timer);
      let peakRss: number | undefined;
      let cpuMs: number | undefined;
      try {
        const last = readFileSync(rssFile, 'utf8').trim().split('\n').at(-1) ?? '';
        const [kb, user, system] = last.split(' ').map(Number);
        if (Number.isFinite(kb)) peakRss = (kb as number) * 1024;
        if (Number.isFinite(user) && Number.isFinite(system))
          cpuMs = ((user as number) + (system as number)) * 1000;
      } catch {
        // No GNU time: peak RSS and CPU time stay unknown.
      }
      rmSync(scratch, { recursive: true, force: true });
      if (code === null)
        reject(new Error(`node ${args.join(' ')} was killed after ${PROCESS_TIMEOUT_MS} ms`));
      else resolve({ wallMs, peakRss, cpuMs, code, stdout, stderr });
    });
  });
}

/** The median of a list of numbers (the mean of the middle two for an even count). */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** A measurement from process runs: median wall time, the highest peak RSS, throughput. */
export function buildResult(
  name: string,
  what: string,
  runs: ProcessRun[],
  items: number,
  unit: string,
): Result {
  const wallMs = median(runs.map((r) => r.wallMs));
  const cpu = runs.map((r) => r.cpuMs).filter((x): x is number => x !== undefined);
  return {
    name,
    what,
    runs: runs.length,
    wallMs,
    wallMsEach: runs.map((r) => Math.round(r.wallMs)),
    cpuMs: cpu.length === runs.length && cpu.length > 0 ? median(cpu) : undefined,
    peakRss: maxRss(runs),
    throughput: items / (wallMs / 1000),
    throughputUnit: `${unit}/s`,
  };
}

/** The highest peak RSS of the runs that measured one. */
export function maxRss(runs: ProcessRun[]): number | undefined {
  const known = runs.map((r) => r.peakRss).filter((x): x is number => x !== undefined);
  return known.length ? Math.max(...known) : undefined;
}
