/**
 * The `pg-workers` rows of `npm run bench`: shared sending on PostgreSQL against a slow provider.
 * The sink answers each message 20 ms after its data ended, on each of its connections (so one
 * connection carries at most 50 msg/s, as with a provider that takes its time); every sender has
 * send.connections 5. Rows, each on a fresh database of S subscribers (default 2,000):
 *   pg-workers-1          `digest send`, one sender;
 *   pg-workers-3          `digest send --workers 3`, three senders sharing the digest;
 *   pg-workers-3-limited  the same with send.rateLimit R (default 150 msg/s, under what one
 *                         sender reaches), which the three must keep together.
 * The rate is measured at the sink over the middle 80 % of the messages (from the 10th to the
 * 90th percentile of arrival), so that the processes' start (a build each) and the last few
 * messages do not count; the whole run's rate is in the detail. Targets: three senders reach
 * ≥ 2.5 × one sender's rate; the limited rate is within 5 % of R.
 *
 * Run alone: `npm run build && node dist/bench/pg-workers.js [--subscribers S] [--runs R] [--rate R]`.
 */

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { SMTPServer } from 'smtp-server';
import { median, type ProcessRun, runNode } from './_measure.js';
import { startBenchPg } from './_pg.js';
import type { Result } from './_table.js';

/** How long the sink takes to answer each message, ms. */
export const SINK_DELAY_MS = 20;
const CONNECTIONS = 5;
const SECRET = 'bench-secret-bench-secret-bench-secret-0123456789';

export interface PgWorkersOptions {
  /** bin/digest.js of the app under measurement. */
  bin: string;
  /** The repository (its sample content and templates are what is sent). */
  root: string;
  /** Subscribers of each send. Default 2,000. */
  subscribers?: number;
  /** Runs of each row. Default 1. */
  runs?: number;
  /** send.rateLimit of the limited row, msg/s. Default 150. */
  rate?: number;
  log?: (line: string) => void;
}

/** Arrival times (ms) of every message at a sink that answers each one SINK_DELAY_MS late. */
interface SlowSink {
  port: number;
  /** Arrival times since the last take, then forgets them. */
  take(): number[];
  close(): Promise<void>;
}

async function startSlowSink(): Promise<SlowSink> {
  let arrivals: number[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    maxClients: 200,
    size: 10 * 1024 * 1024,
    onData(stream, _session, callback) {
      stream.resume();
      stream.on('end', () => {
        arrivals.push(performance.now());
        setTimeout(() => callback(), SINK_DELAY_MS);
      });
    },
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', () => done()));
  const address = server.server.address();
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    take() {
      const got = arrivals;
      arrivals = [];
      return got;
    },
    close: () => new Promise<void>((done) => server.close(() => done())),
  };
}

/** Messages per second over the middle 80 % of the arrivals, and over all of them. */
function ratesOf(arrivals: number[]): { middle: number; whole: number } {
  const t = [...arrivals].sort((a, b) => a - b);
  const lo = Math.floor(t.length * 0.1);
  const hi = Math.ceil(t.length * 0.9) - 1;
  const span = (a: number, b: number) => ((t[b] as number) - (t[a] as number)) / 1000;
  return { middle: (hi - lo) / span(lo, hi), whole: (t.length - 1) / span(0, t.length - 1) };
}

/** Measure the rows (see the file comment); starts and stops its own PostgreSQL server. */
export async function pgWorkersMeasurements(options: PgWorkersOptions): Promise<Result[]> {
  const subscribers = options.subscribers ?? 2000;
  const runs = options.runs ?? 1;
  const rate = options.rate ?? 150;
  const log = options.log ?? (() => {});
  const work = mkdtempSync(join(tmpdir(), 'digest-bench-workers-'));
  const csv = join(work, 'subscribers.csv');
  writeFileSync(
    csv,
    `email,name\n${Array.from({ length: subscribers }, (_, i) => `reader${i}@example.com,Reader ${i}`).join('\n')}\n`,
  );
  const config = (file: string, send: object) => {
    const path = join(work, file);
    writeFileSync(path, `${JSON.stringify({ send: { connections: CONNECTIONS, ...send } })}\n`);
    return path;
  };
  // A short lease: the senders recount each other (and so their share of the rate) every second.
  const plain = config('plain.config.json', { leaseSeconds: 3 });
  const limited = config('limited.config.json', { leaseSeconds: 3, rateLimit: rate });
  const rows = [
    { name: 'pg-workers-1', workers: 1, config: plain },
    { name: 'pg-workers-3', workers: 3, config: plain },
    { name: 'pg-workers-3-limited', workers: 3, config: limited },
  ];
  const measured = new Map(
    rows.map((r) => [r.name, { runs: [] as ProcessRun[], middle: [] as number[], whole: [] as number[] }]),
  );
  const server = await startBenchPg({ prefix: 'digest-bench-workers-pg-' });
  const sink = await startSlowSink();
  try {
    for (let round = 1; round <= runs; round++) {
      for (const row of rows) {
        const url = await server.database('bench_workers');
        const imported = await runNode([options.bin, 'subscribers', 'import', csv, '--db', url], {
          cwd: work,
        });
        if (imported.code !== 0)
          throw new Error(`import exited ${imported.code}: ${imported.stderr.slice(-2000)}`);
        sink.take();
        const args = [
          options.bin,
          'send',
          '--db',
          url,
          '--date',
          'latest',
          '--content',
          join(options.root, 'content'),
          '--templates',
          join(options.root, 'templates'),
          '--out',
          join(work, 'out'),
          '--cache-db',
          join(work, `cache-${row.workers}.db`),
          ...(row.workers > 1 ? ['--workers', String(row.workers)] : []),
        ];
        const env = {
          ...process.env,
          DIGEST_SECRET: SECRET,
          DIGEST_PUBLIC_URL: 'https://news.example.com',
          DIGEST_CONFIG: row.config,
          SMTP_URL: `smtp://127.0.0.1:${sink.port}`,
        };
        const run = await runNode(args, { cwd: work, env });
        if (run.code !== 0) throw new Error(`${row.name} exited ${run.code}: ${run.stderr.slice(-2000)}`);
        const arrivals = sink.take();
        if (arrivals.length !== subscribers)
          throw new Error(`${row.name}: the sink got ${arrivals.length} of ${subscribers} messages`);
        const r = ratesOf(arrivals);
        const into = measured.get(row.name) as { runs: ProcessRun[]; middle: number[]; whole: number[] };
        into.runs.push(run);
        into.middle.push(r.middle);
        into.whole.push(r.whole);
        log(
          `${row.name} ${round}/${runs}: ${r.middle.toFixed(0)} msg/s (whole run ${r.whole.toFixed(0)} msg/s)`,
        );
      }
    }
  } finally {
    await sink.close();
    await server.stop();
    rmSync(work, { recursive: true, force: true });
  }
  const whats: Record<string, string> = {
    'pg-workers-1': `digest send of ${subscribers} on PostgreSQL, one sender, ${CONNECTIONS} connections, sink ${SINK_DELAY_MS} ms per message`,
    'pg-workers-3': 'the same with --workers 3 (three senders sharing the digest)',
    'pg-workers-3-limited': `the same with send.rateLimit ${rate} msg/s (global: an equal share per live sender)`,
  };
  return rows.map((row) => {
    const m = measured.get(row.name) as { runs: ProcessRun[]; middle: number[]; whole: number[] };
    return {
      name: row.name,
      what: whats[row.name] as string,
      runs: m.runs.length,
      wallMs: median(m.runs.map((r) => r.wallMs)),
      wallMsEach: m.runs.map((r) => Math.round(r.wallMs)),
      throughput: median(m.middle),
      throughputUnit: 'msg/s',
      detail: `rate at the sink over the middle 80 % of arrivals; whole run ${median(m.whole).toFixed(0)} msg/s${row.name.endsWith('limited') ? `; limit ${rate}` : ''}`,
      ...(row.name.endsWith('limited') ? { value: rate } : {}),
    };
  });
}

/** The targets of these rows (see the file comment), for bench/run.ts's table. */
export function pgWorkersTargets(
  results: Result[],
): { name: string; limit: number; value: number | undefined; atMost: boolean }[] {
  const rate = (name: string) => results.find((r) => r.name === name)?.throughput;
  const one = rate('pg-workers-1');
  const three = rate('pg-workers-3');
  const limited = results.find((r) => r.name === 'pg-workers-3-limited');
  const off =
    limited?.throughput !== undefined && limited.value !== undefined
      ? (Math.abs(limited.throughput - limited.value) / limited.value) * 100
      : undefined;
  return [
    {
      name: 'pg-workers-3/pg-workers-1 ≥ 2.5',
      limit: 2.5,
      value: one !== undefined && three !== undefined && one > 0 ? three / one : undefined,
      atMost: false,
    },
    { name: 'pg-workers-3-limited within 5 % of send.rateLimit', limit: 5, value: off, atMost: true },
  ];
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      subscribers: { type: 'string', default: '2000' },
      runs: { type: 'string', default: '1' },
      rate: { type: 'string', default: '150' },
    },
  });
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
  const results = await pgWorkersMeasurements({
    bin: join(root, 'bin', 'digest.js'),
    root,
    subscribers: Number(values.subscribers),
    runs: Number(values.runs),
    rate: Number(values.rate),
    log: (line) => process.stderr.write(`${line}\n`),
  });
  for (const r of results)
    process.stdout.write(`${r.name}: ${r.throughput?.toFixed(1)} msg/s (${r.detail})\n`);
  for (const t of pgWorkersTargets(results)) process.stdout.write(`${t.name}: ${t.value?.toFixed(2)}\n`);
}
