import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { type SendReport, sendSummary } from '../deliver/index.js';
import { DigestError } from '../errors.js';
import { isPostgresUrl } from '../store/index.js';
import type { CliContext, OptionValues } from './_command.js';
import { plural } from './_output.js';

/** Most local worker processes `--workers` starts. */
export const MAX_WORKERS = 32;

/**
 * `--workers N`: how many local senders to start, checked before anything is built. More than one
 * needs a shared ledger (PostgreSQL) and a real send to the list.
 */
export function workerCount(values: OptionValues, target: string): number {
  const raw = values.workers;
  if (raw === undefined) return 1;
  const n = typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(n >= 1 && n <= MAX_WORKERS)) {
    throw new DigestError(
      'E_USAGE',
      `--workers must be a whole number from 1 to ${MAX_WORKERS} (got "${String(raw)}")`,
      {
        field: '--workers',
      },
    );
  }
  if (n > 1 && (values['dry-run'] === true || values.to !== undefined)) {
    throw new DigestError(
      'E_USAGE',
      '--workers shares a send to the list; a dry run or a --to test copy has one sender',
      {
        field: '--workers',
      },
    );
  }
  if (n > 1 && !isPostgresUrl(target)) {
    throw new DigestError(
      'E_USAGE',
      `--workers ${n} needs a PostgreSQL store (--db postgres://...): a SQLite file has one sender per digest`,
      {
        field: '--workers',
        hint: 'move the list with `digest migrate-store --from FILE --to postgres://...`, or send with one process',
      },
    );
  }
  return n;
}

/** The flags of `values` as command-line words (what a child or a resumed run is given). */
export function flagArgs(values: OptionValues, omit: readonly string[] = []): string[] {
  const args: string[] = [];
  for (const [name, value] of Object.entries(values)) {
    if (value === undefined || value === false || omit.includes(name)) continue;
    if (value === true) args.push(`--${name}`);
    else for (const one of Array.isArray(value) ? value : [value]) args.push(`--${name}`, one);
  }
  return args;
}

/** What one worker process printed as its --json report and how it ended. */
interface WorkerResult {
  code: number;
  reports: (SendReport & { edition?: string })[];
}

/**
 * `digest send --workers N`: start N local processes of the same send (the same flags, without
 * --workers), which share the digest through the ledger like senders on other machines; pass
 * their stderr through, each line marked with its worker, and wait for all of them. A stop
 * request (Ctrl-C) is passed on to each. Returns the exit code: 0 when every worker exited 0,
 * else the first other code (1 when a worker died of a signal).
 */
export async function runWorkers(values: OptionValues, ctx: CliContext, n: number): Promise<number> {
  const started = performance.now();
  const args = ['send', ...flagArgs(values, ['workers', 'json']), '--json'];
  ctx.stderr.write(`Starting ${plural(n, 'sender')} of this send (--workers ${n})\n`);
  const results = await Promise.all(Array.from({ length: n }, (_, i) => runWorker(args, i + 1, ctx)));
  const summary = combine(results, performance.now() - started);
  for (const line of summary.lines) ctx.stderr.write(`${line}\n`);
  if (values.json === true) {
    ctx.stdout.write(
      `${JSON.stringify({ workers: results.map((r) => ({ code: r.code, reports: r.reports })), ...summary.json }, null, 2)}\n`,
    );
  }
  const failed = results.find((r) => r.code !== 0);
  return failed ? failed.code : 0;
}

function runWorker(args: string[], k: number, ctx: CliContext): Promise<WorkerResult> {
  // A process group of its own: a Ctrl-C at the terminal reaches this process only, which asks each
  // worker once to stop (a second signal would make a worker drop the messages it has in flight).
  const child = spawn(process.execPath, [digestBin(), ...args], {
    cwd: ctx.cwd,
    env: ctx.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const stop = () => child.kill('SIGTERM');
  ctx.signal?.addEventListener('abort', stop, { once: true });
  let stdout = '';
  let partial = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    const lines = (partial + chunk.toString()).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) ctx.stderr.write(`[worker ${k}] ${line}\n`);
  });
  return new Promise((resolve) => {
    child.on('error', (error) => {
      ctx.stderr.write(`[worker ${k}] could not start: ${error.message}\n`);
    });
    child.on('close', (code, signal) => {
      ctx.signal?.removeEventListener('abort', stop);
      if (partial) ctx.stderr.write(`[worker ${k}] ${partial}\n`);
      if (signal) ctx.stderr.write(`[worker ${k}] ended by ${signal}\n`);
      resolve({ code: code ?? 1, reports: reportsOf(stdout) });
    });
  });
}

/** The send reports in a worker's --json output (one, or one per edition). */
function reportsOf(stdout: string): WorkerResult['reports'] {
  try {
    const parsed = JSON.parse(stdout) as { editions?: unknown[] } & Partial<SendReport>;
    const all = Array.isArray(parsed.editions) ? parsed.editions : [parsed];
    return all.filter((r): r is SendReport => typeof r === 'object' && r !== null && 'counts' in r);
  } catch {
    return [];
  }
}

/**
 * One summary line per digest for all workers: what they sent added up, and the state of the
 * digest as the last of them to finish saw it (the others ended before it, with nothing left).
 */
function combine(results: WorkerResult[], durationMs: number): { lines: string[]; json: object } {
  const byKey = new Map<string, (SendReport & { edition?: string })[]>();
  for (const r of results)
    for (const report of r.reports)
      byKey.set(report.digestKey, [...(byKey.get(report.digestKey) ?? []), report]);
  const lines: string[] = [];
  const digests: object[] = [];
  for (const [key, reports] of byKey) {
    const last = reports.reduce((a, b) => (b.durationMs > a.durationMs ? b : a));
    const sent = reports.map((r) => r.counts.sent);
    const total = sent.reduce((a, b) => a + b, 0);
    // The first to start saw only what earlier runs had sent.
    const alreadySent = Math.min(...reports.map((r) => r.counts.alreadySent));
    const combined = { ...last, counts: { ...last.counts, sent: total, alreadySent }, durationMs };
    const named = last.edition ? `${last.date} [${last.edition}]` : last.date;
    const workers = `${plural(reports.length, 'worker')} (${sent.join(' + ')})`;
    lines.push(sendSummary(combined).replace(last.date, `${named} with ${workers}`));
    digests.push({ digestKey: key, sent: total, sentPerWorker: sent, complete: last.complete });
  }
  return { lines, json: { digests, sent: digests.reduce((a, d) => a + (d as { sent: number }).sent, 0) } };
}

/** The `digest` command's script beside this module (src/cli or dist/src/cli). */
function digestBin(): string {
  for (const up of ['../../bin/digest.js', '../../../bin/digest.js']) {
    const path = fileURLToPath(new URL(up, import.meta.url));
    if (existsSync(path)) return path;
  }
  throw new DigestError('E_USAGE', '--workers could not find bin/digest.js to start the workers with');
}
