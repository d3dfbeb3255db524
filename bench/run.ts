/**
 * `npm run bench`: how close a day's build of N article files comes to the disk-read floor, and
 * how fast a digest goes out. Prints a table and writes bench/results.json. See docs/bench.md.
 *
 * Options: --n N (default 100000), --runs R (default 5; the cheap measurements),
 * --heavy-runs R (default 3; naive, dry-run, smtp, smtp-20, smtp-naive), --subscribers S
 * (default 10000), --skip-naive (the naive build and smtp-naive), --skip-send, --only send (or
 * BENCH_ONLY=send: the send rows alone), --send-rows smtp,smtp-20 (some SMTP rows only).
 */

import { execFileSync } from 'node:child_process';
import {
  copyFileSync,
  cpSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { findArticleFiles } from '../src/content/index.js';
import { dayWindow } from '../src/select/index.js';
import type { DigestReport } from '../src/types.js';
import { ensureCorpus } from './_corpus.js';
import { applyEdits } from './_edit.js';
import { buildResult, maxRss, median, type ProcessRun, RSS_METHOD, runNode } from './_measure.js';
import { startSink } from './_sink-client.js';
import { printTable, type Result, type Target } from './_table.js';
import { pgImportMeasurements } from './pg-import.js';
import { pgWorkersMeasurements, pgWorkersTargets } from './pg-workers.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const ZONE = 'America/New_York';
const SECRET = 'bench-secret-bench-secret-bench-secret-0123456789';
// Files a warm build remembers only once their times are this far in the past (ContentIndex racyMs).
const SETTLE_MS = 2200;

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '100000' },
    runs: { type: 'string', default: '5' },
    'heavy-runs': { type: 'string', default: '3' },
    subscribers: { type: 'string', default: '10000' },
    'skip-naive': { type: 'boolean', default: false },
    'skip-send': { type: 'boolean', default: false },
    only: { type: 'string', default: process.env.BENCH_ONLY ?? '' },
    'send-rows': { type: 'string', default: '' },
  },
});
if (values.only !== '' && values.only !== 'send')
  throw new Error(`--only (BENCH_ONLY) must be "send" or empty, got ${JSON.stringify(values.only)}`);
const SEND_ONLY = values.only === 'send';
const SEND_ROWS = values['send-rows'] === '' ? [] : values['send-rows'].split(',').map((name) => name.trim());
const N = positive(values.n, '--n');
const RUNS = positive(values.runs, '--runs');
const HEAVY = positive(values['heavy-runs'], '--heavy-runs');
const SUBSCRIBERS = positive(values.subscribers, '--subscribers');

const benchStarted = performance.now();
const log = (line: string) =>
  process.stderr.write(`[${((performance.now() - benchStarted) / 1000).toFixed(0).padStart(4)} s] ${line}\n`);

const corpusSpec = { count: N, days: 365, start: '2025-01-01', seed: 1 };
log(`content folder: ${N} files over 365 days (generated once into .bench-cache/, then reused)`);
const corpus = await ensureCorpus(join(ROOT, '.bench-cache'), corpusSpec);
log(
  corpus.generated
    ? `generated ${corpus.files} files, ${(corpus.bytes / 1e6).toFixed(0)} MB, in ${(corpus.generateMs / 1000).toFixed(1)} s`
    : `reusing ${corpus.files} files, ${(corpus.bytes / 1e6).toFixed(0)} MB`,
);
const DATE = '2025-07-01';
const window = dayWindow(DATE, ZONE);
const work = await mkdtemp(join(tmpdir(), 'digest-bench-'));
// The measured commands run from a private copy of the compiled app: a rebuild of dist/ during
// the benchmark (a test run compiles it) must not change the code under measurement midway.
const app = snapshotApp(join(work, 'app'));
const BIN = join(app, 'bin/digest.js');
const DIST = join(app, 'dist/bench');
const buildDb = join(work, 'build.db');
const buildOut = join(work, 'out');
const buildArgs = (db: string, out: string) => [
  BIN,
  'build',
  '--content',
  corpus.dir,
  '--date',
  DATE,
  '--tz',
  ZONE,
  '--db',
  db,
  '--out',
  out,
];
const results: Result[] = [];
/** Build/floor ratios taken round by round (see the rounds below); their medians are the targets. */
let paired: Record<string, number> = {};

try {
  if (!SEND_ONLY) await buildMeasurements();
  if (!values['skip-send']) results.push(...(await sendMeasurements()));
  // 100,000 subscribers imported into PostgreSQL (its own server, started and stopped by the row).
  if (!SEND_ONLY) results.push(...(await pgImportMeasurements({ bin: BIN, work, runs: HEAVY, log })));
  // One sender against three on one PostgreSQL ledger, at a sink of 20 ms per message (its own server).
  if (!values['skip-send']) results.push(...(await pgWorkersMeasurements({ bin: BIN, root: ROOT, log })));
} finally {
  rmSync(work, { recursive: true, force: true });
}

const targets = computeTargets(results, paired);
const ratios = computeRatios(results, paired);
printTable(results, ratios, targets, { n: N, rssMethod: RSS_METHOD });
const out = {
  when: new Date().toISOString(),
  machine: {
    cpus: (await import('node:os')).cpus().length,
    node: process.version,
    platform: process.platform,
  },
  n: N,
  corpus: {
    files: corpus.files,
    bytes: corpus.bytes,
    days: corpus.days,
    start: corpus.start,
    seed: corpus.seed,
  },
  date: DATE,
  timeZone: ZONE,
  subscribers: SUBSCRIBERS,
  rssMethod: RSS_METHOD,
  measurements: results,
  ratios,
  targets,
  durationMs: performance.now() - benchStarted,
};
writeFileSync(join(ROOT, 'bench/results.json'), `${JSON.stringify(out, null, 2)}\n`);
log(`wrote bench/results.json in ${((performance.now() - benchStarted) / 1000).toFixed(0)} s total`);
process.exitCode = targets.every((t) => t.met) ? 0 : 1;

/** 1-6 and naive: floor, the builds in rounds, render, and gray-matter's naive parse. */
async function buildMeasurements(): Promise<void> {
  // 1, 3, 4, 5: floor, cold, warm and warm-after-edit, measured in rounds (one of each per
  // round) so that a change in the machine's load during the benchmark affects them alike.
  const floorRun = () => runNode([join(DIST, 'floor.js'), corpus.dir], { cwd: work });
  log('warm-up read of every file (page cache), and two builds to make the index warm');
  checked(await floorRun(), 'floor');
  checked(await runNode(buildArgs(buildDb, buildOut), { cwd: work }), 'warm-up build');
  checked(await runNode(buildArgs(buildDb, buildOut), { cwd: work }), 'warm-up build');
  const report = JSON.parse(readFileSync(join(buildOut, DATE, 'digest.json'), 'utf8')) as DigestReport;
  const inWindow = report.considered
    .filter((c) => c.status !== 'outOfWindow' && c.status !== 'invalid')
    .map((c) => c.path);
  const paths = await findArticleFiles(corpus.dir);
  const nextDay = new Date(Date.parse(DATE) + 86_400_000).toISOString().slice(0, 10);
  const coldDb = join(work, 'cold.db');
  const coldOut = join(work, 'cold-out');
  let editNote = '';
  // 100 changed, 10 added, 10 deleted, spread over the folder (new articles for the next day);
  // or with the digest's own day touched (10 of the changes, the 10 new articles on that day),
  // which changes the email, so MJML runs again.
  const editRun = async (touchWindow: boolean) => {
    const edits = applyEdits(corpus.dir, paths, inWindow, {
      addDate: touchWindow ? DATE : nextDay,
      touchWindow,
    });
    editNote = `${edits.changed} changed, ${edits.added} added, ${edits.deleted} deleted`;
    try {
      settleDisk();
      return checked(await runNode(buildArgs(buildDb, buildOut), { cwd: work }), 'build after edit');
    } finally {
      edits.revert();
      // Let the restored files settle, then let a build remember them, so the next run starts warm.
      await sleep(SETTLE_MS);
      checked(await runNode(buildArgs(buildDb, buildOut), { cwd: work }), 'build after revert');
    }
  };
  const rounds = { floor: [] as ProcessRun[], cold: [] as ProcessRun[], warm: [] as ProcessRun[] };
  const edited: ProcessRun[] = [];
  const dayEdited: ProcessRun[] = [];
  for (let round = 1; round <= RUNS; round++) {
    settleDisk();
    rounds.floor.push(logged(`floor ${round}/${RUNS}`, checked(await floorRun(), 'floor')));
    for (const file of [coldDb, `${coldDb}-wal`, `${coldDb}-shm`]) rmSync(file, { force: true });
    settleDisk();
    const cold = await runNode(buildArgs(coldDb, coldOut), { cwd: work });
    rounds.cold.push(logged(`cold ${round}/${RUNS}`, checked(cold, 'cold build')));
    settleDisk();
    const warm = await runNode(buildArgs(buildDb, buildOut), { cwd: work });
    rounds.warm.push(logged(`warm ${round}/${RUNS}`, checked(warm, 'warm build')));
    edited.push(logged(`warm-after-edit ${round}/${RUNS}`, await editRun(false)));
    if (round <= HEAVY)
      dayEdited.push(logged(`warm-after-edit-in-day ${round}/${HEAVY}`, await editRun(true)));
  }
  // Each build against the floor of its own round, then the median: the rounds pair runs made
  // under the same load, which the ratio of two medians taken over different rounds does not.
  const perRound = (runs: ProcessRun[]) =>
    median(runs.map((r, i) => r.wallMs / (rounds.floor[i] as ProcessRun).wallMs));
  paired = {
    'cold/floor': perRound(rounds.cold),
    'warm/floor': perRound(rounds.warm),
    'warm-after-edit/floor': perRound(edited),
  };
  results.push(
    buildResult(
      'floor',
      'read every file: list, then open/fstat/read/close into one buffer',
      rounds.floor,
      N,
      'files',
    ),
    buildResult('cold', 'digest build, empty database', rounds.cold, N, 'files'),
    buildResult('warm', 'digest build again, nothing changed', rounds.warm, N, 'files'),
    buildResult(
      'warm-after-edit',
      `digest build after ${editNote}, spread over the folder`,
      edited,
      N,
      'files',
    ),
    buildResult(
      'warm-after-edit-in-day',
      "the same, with 10 of the changes and the 10 new files on the digest's day (re-render; no target)",
      dayEdited,
      N,
      'files',
    ),
  );

  // 6. render: the render step alone, in a fresh process (MJML's first load included).
  const renders = await repeat('render', RUNS, async () =>
    checked(
      await runNode([join(DIST, 'render.js'), corpus.dir, buildDb, DATE, ZONE], { cwd: app }),
      'render',
    ),
  );
  const renderTimes = renders.map((r) => JSON.parse(r.stdout) as { ms: number; mjmlLoadMs: number });
  results.push({
    name: 'render',
    what: 'templates + MJML + size budget for the day (in-process timer)',
    runs: renders.length,
    wallMs: median(renderTimes.map((r) => r.ms)),
    peakRss: maxRss(renders),
    detail: `of which loading MJML ${median(renderTimes.map((r) => r.mjmlLoadMs)).toFixed(0)} ms`,
  });

  // 2. naive: gray-matter on every file, filter the day, sort; as documented (its cache on), and
  // once with the cache off (an options object), for comparison.
  if (!values['skip-naive']) {
    const naiveArgs = [
      join(DIST, 'naive.js'),
      corpus.dir,
      new Date(window.since).toISOString(),
      new Date(window.until).toISOString(),
    ];
    const naive = await repeat('naive', HEAVY, async () =>
      checked(await runNode(naiveArgs, { cwd: work }), 'naive'),
    );
    results.push(
      buildResult('naive', 'gray-matter `matter(text)` on every file, filter, sort', naive, N, 'files'),
    );
    const noCache = await repeat('naive-nocache', 1, async () =>
      checked(await runNode([...naiveArgs, '--no-cache'], { cwd: work }), 'naive --no-cache'),
    );
    results.push(
      buildResult(
        'naive-nocache',
        "the same with `matter(text, {})`: gray-matter's cache off (one run; no target)",
        noCache,
        N,
        'files',
      ),
    );
  }
}

/** 7-10: dry-run, smtp, smtp-20 and smtp-naive with SUBSCRIBERS subscribers. */
async function sendMeasurements(): Promise<Result[]> {
  const sendDb = join(work, 'send.db');
  const sendOut = join(work, 'send-out');
  const csv = join(work, 'subscribers.csv');
  writeFileSync(
    csv,
    `email,name\n${Array.from({ length: SUBSCRIBERS }, (_, i) => `reader${i}@example.com,Reader ${i}`).join('\n')}\n`,
  );
  checked(await runNode([BIN, 'subscribers', 'import', csv, '--db', sendDb], { cwd: work }), 'import');
  const env = { ...process.env, DIGEST_SECRET: SECRET, DIGEST_PUBLIC_URL: 'https://news.example.com' };
  const sendArgs = (extra: string[]) => [
    BIN,
    'send',
    '--content',
    corpus.dir,
    '--date',
    DATE,
    '--tz',
    ZONE,
    '--db',
    sendDb,
    '--out',
    sendOut,
    ...extra,
  ];
  // The build part of a send goes through the same index: make it warm, as a daily send finds it.
  checked(await runNode(buildArgs(sendDb, sendOut), { cwd: work, env }), 'send warm-up build');
  const out: Result[] = [];

  // MJML runs: one dry run with the render cache emptied, counted by a preload in the process.
  emptyRenderCache(sendDb);
  const countFile = join(work, 'mjml-runs');
  checked(
    await runNode(sendArgs(['--dry-run']), {
      cwd: work,
      env: { ...env, BENCH_MJML_COUNT_FILE: countFile },
      nodeFlags: ['--import', join(DIST, 'count-mjml.js')],
    }),
    'counted dry run',
  );
  const mjmlRuns = Number(readFileSync(countFile, 'utf8'));
  const emlDir = join(sendOut, DATE, 'eml');
  const emlCount = readdirSync(emlDir).length;
  out.push({
    name: 'mjml-runs',
    what: `MJML runs in one send to ${emlCount} recipients (render cache empty)`,
    runs: 1,
    value: mjmlRuns,
  });
  checked(await runNode(buildArgs(sendDb, sendOut), { cwd: work, env }), 'render cache refill');

  // The rate of the send loop from the files it wrote: first to last .eml write time.
  const dryRates: number[] = [];
  const dry = await repeat('dry-run', HEAVY, async () => {
    const run = checked(await runNode(sendArgs(['--dry-run']), { cwd: work, env }), 'dry run');
    const times = readdirSync(emlDir).map((f) => statSync(join(emlDir, f)).mtimeMs);
    if (times.length !== SUBSCRIBERS)
      throw new Error(`the dry run wrote ${times.length} of ${SUBSCRIBERS} files`);
    dryRates.push(times.length / ((Math.max(...times) - Math.min(...times)) / 1000));
    return run;
  });
  out.push({
    ...buildResult('dry-run', `send --dry-run, ${SUBSCRIBERS} .eml files`, dry, SUBSCRIBERS, 'msgs'),
    throughput: median(dryRates),
    throughputUnit: 'msg/s',
    detail: `rate from the first to the last .eml written; whole process ${(SUBSCRIBERS / (median(dry.map((r) => r.wallMs)) / 1000)).toFixed(0)} msg/s`,
  });

  const sink = await startSink(join(DIST, 'sink.js'));
  try {
    const smtpEnv = { ...env, SMTP_URL: `smtp://127.0.0.1:${sink.port}` };
    const pool20Config = join(work, 'pool-20.config.json');
    writeFileSync(pool20Config, `${JSON.stringify({ send: { connections: 20 } })}\n`);
    // One sender's run against the sink: every message must arrive; the rate is the sink's.
    const atSink = async (rates: number[], send: () => Promise<ProcessRun>) => {
      const run = await send();
      const got = await sink.report();
      if (got.messages !== SUBSCRIBERS)
        throw new Error(`the sink got ${got.messages} of ${SUBSCRIBERS} messages`);
      rates.push(got.messages / ((got.lastMs - got.firstMs) / 1000));
      return run;
    };
    // The send as configured (5 connections) and with the pool given more room (20 connections,
    // so 40 messages in flight), one of each per round so that a change in the machine's load
    // affects both alike.
    const variants = [
      { name: 'smtp', env: smtpEnv },
      { name: 'smtp-20', env: { ...smtpEnv, DIGEST_CONFIG: pool20Config } },
    ];
    const unknownRows = SEND_ROWS.filter((name) => !variants.some((v) => v.name === name));
    if (unknownRows.length > 0)
      throw new Error(
        `--send-rows: no row ${unknownRows.join(', ')}; the rows are ${variants.map((v) => v.name).join(', ')}`,
      );
    const chosen = variants.filter((v) => SEND_ROWS.length === 0 || SEND_ROWS.includes(v.name));
    const sendRuns = new Map(
      chosen.map((v) => [v.name, { runs: [] as ProcessRun[], rates: [] as number[] }]),
    );
    for (let round = 1; round <= HEAVY; round++) {
      for (const v of chosen) {
        const into = sendRuns.get(v.name) as { runs: ProcessRun[]; rates: number[] };
        settleDisk();
        const run = await atSink(into.rates, async () => {
          resetLedger(sendDb);
          return checked(await runNode(sendArgs([]), { cwd: work, env: v.env }), `${v.name} send`);
        });
        into.runs.push(
          logged(
            `${v.name} ${round}/${HEAVY} (${(into.rates.at(-1) ?? 0).toFixed(0)} msg/s at the sink)`,
            run,
          ),
        );
      }
    }
    const whats: Record<string, string> = {
      smtp: `send to ${SUBSCRIBERS} subscribers through nodemailer's pool, 5 connections, loopback sink`,
      'smtp-20': 'the same send with send.connections 20 (40 messages in flight)',
    };
    for (const v of chosen) {
      const { runs, rates } = sendRuns.get(v.name) as { runs: ProcessRun[]; rates: number[] };
      out.push({
        ...buildResult(v.name, whats[v.name] as string, runs, SUBSCRIBERS, 'msgs'),
        throughput: median(rates),
        throughputUnit: 'msg/s',
        detail: `rate at the sink, first MAIL FROM to last message (runs ${rates.map((r) => r.toFixed(0)).join(', ')}); whole process ${(SUBSCRIBERS / (median(runs.map((r) => r.wallMs)) / 1000)).toFixed(0)} msg/s`,
      });
    }

    const html = join(sendOut, DATE, 'digest.html');
    const text = join(sendOut, DATE, 'digest.txt');
    const subject = JSON.parse(readFileSync(join(sendOut, DATE, 'digest.json'), 'utf8')).subject as string;
    if (values['skip-naive']) return out;
    const naiveRates: number[] = [];
    const naive = await repeat('smtp-naive', HEAVY, () =>
      atSink(naiveRates, async () =>
        checked(
          await runNode(
            [join(DIST, 'smtp-naive.js'), String(sink.port), String(SUBSCRIBERS), '5', html, text, subject],
            { cwd: work },
          ),
          'smtp-naive',
        ),
      ),
    );
    out.push({
      ...buildResult(
        'smtp-naive',
        'nodemailer sendMail per recipient, pool of 5',
        naive,
        SUBSCRIBERS,
        'msgs',
      ),
      throughput: median(naiveRates),
      throughputUnit: 'msg/s',
      detail: 'rate at the sink, first MAIL FROM to last message',
    });
  } finally {
    await sink.close();
  }
  return out;
}

function computeRatios(all: Result[], paired: Record<string, number>): Record<string, number | undefined> {
  const wall = (name: string) => all.find((r) => r.name === name)?.wallMs;
  const rate = (name: string) => all.find((r) => r.name === name)?.throughput;
  const ratio = (a?: number, b?: number) => (a !== undefined && b !== undefined && b > 0 ? a / b : undefined);
  const cpu = (name: string) => all.find((r) => r.name === name)?.cpuMs;
  return {
    'cold/floor (median of rounds)': paired['cold/floor'],
    'warm/floor (median of rounds)': paired['warm/floor'],
    'warm-after-edit/floor (median of rounds)': paired['warm-after-edit/floor'],
    'cold/floor': ratio(wall('cold'), wall('floor')),
    'naive/cold': ratio(wall('naive'), wall('cold')),
    'naive-nocache/cold': ratio(wall('naive-nocache'), wall('cold')),
    'warm/floor': ratio(wall('warm'), wall('floor')),
    'warm-after-edit/floor': ratio(wall('warm-after-edit'), wall('floor')),
    'smtp/smtp-naive': ratio(rate('smtp'), rate('smtp-naive')),
    // The same by CPU time, for a machine with other load on it (not targets).
    'cpu: cold/floor': ratio(cpu('cold'), cpu('floor')),
    'cpu: naive/cold': ratio(cpu('naive'), cpu('cold')),
    'cpu: warm/floor': ratio(cpu('warm'), cpu('floor')),
    'cpu: warm-after-edit/floor': ratio(cpu('warm-after-edit'), cpu('floor')),
  };
}

function computeTargets(all: Result[], paired: Record<string, number>): Target[] {
  const r = computeRatios(all, paired);
  const find = (name: string) => all.find((x) => x.name === name);
  // Every build of the folder counts, the re-rendering one too.
  const builds = ['cold', 'warm', 'warm-after-edit', 'warm-after-edit-in-day']
    .map(find)
    .filter((x): x is Result => x !== undefined);
  const targets: Target[] = [];
  const add = (name: string, limit: number, value: number | undefined, atMost: boolean) => {
    if (value === undefined) return;
    targets.push({ name, limit, value, met: atMost ? value <= limit : value >= limit });
  };
  // The build/floor targets by round (paired); naive runs apart from the rounds, so by medians.
  add('cold/floor ≤ 2.5', 2.5, r['cold/floor (median of rounds)'], true);
  add('naive/cold ≥ 10', 10, r['naive/cold'], false);
  add('warm/floor ≤ 0.75', 0.75, r['warm/floor (median of rounds)'], true);
  add('warm-after-edit/floor ≤ 0.85', 0.85, r['warm-after-edit/floor (median of rounds)'], true);
  const rss = builds.map((b) => b.peakRss).filter((x): x is number => x !== undefined);
  add('peak RSS of a build ≤ 256 MB', 256, rss.length ? Math.max(...rss) / 2 ** 20 : undefined, true);
  add('smtp ≥ 1000 msg/s', 1000, find('smtp')?.throughput, false);
  add('smtp/smtp-naive ≥ 3', 3, r['smtp/smtp-naive'], false);
  add('dry-run ≥ 2000 msg/s', 2000, find('dry-run')?.throughput, false);
  add('MJML runs per digest ≤ 1', 1, find('mjml-runs')?.value, true);
  const pgImport = find('pg-import')?.wallMs;
  add('pg-import of 100,000 rows ≤ 30 s', 30, pgImport === undefined ? undefined : pgImport / 1000, true);
  for (const t of pgWorkersTargets(all)) add(t.name, t.limit, t.value, t.atMost);
  return targets;
}

async function repeat(name: string, times: number, run: () => Promise<ProcessRun>): Promise<ProcessRun[]> {
  const out: ProcessRun[] = [];
  for (let i = 0; i < times; i++) {
    settleDisk();
    out.push(logged(`${name} ${i + 1}/${times}`, await run()));
  }
  return out;
}

/**
 * Flush what earlier steps wrote (a cold build writes its index and a 20 MB report) before the
 * next measured process starts, outside its timing: otherwise the kernel writes those pages back
 * while that process runs and charges it for the earlier step's work.
 */
function settleDisk(): void {
  execFileSync('sync');
}

function logged(label: string, r: ProcessRun): ProcessRun {
  const rss = r.peakRss ? `${(r.peakRss / 2 ** 20).toFixed(0)} MB` : '? MB';
  const cpu = r.cpuMs === undefined ? '' : `, cpu ${(r.cpuMs / 1000).toFixed(2)} s`;
  log(`${label}: ${(r.wallMs / 1000).toFixed(2)} s${cpu}, ${rss}`);
  return r;
}

function checked(run: ProcessRun, what: string): ProcessRun {
  if (run.code !== 0) throw new Error(`${what} exited with ${run.code}:\n${run.stderr.slice(-2000)}`);
  for (const line of run.stderr.split('\n')) if (line.startsWith('note:')) log(`${what}: ${line}`);
  return run;
}

/** Copy bin/, dist/, templates/ and package.json to `dir`, with node_modules linked. */
function snapshotApp(dir: string): string {
  for (const part of ['bin', 'dist', 'templates'])
    cpSync(join(ROOT, part), join(dir, part), { recursive: true });
  copyFileSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  return dir;
}

function emptyRenderCache(db: string): void {
  const handle = new Database(db);
  handle.exec('DELETE FROM render_cache');
  handle.close();
}

/** A fresh send each run: forget what earlier runs sent (the ledger, locks, the web copy). */
function resetLedger(db: string): void {
  const handle = new Database(db);
  handle.exec('DELETE FROM deliveries; DELETE FROM digests; DELETE FROM send_locks; DELETE FROM web_copies;');
  handle.close();
}

function positive(text: string | undefined, flag: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} must be a positive whole number, got ${text}`);
  return n;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
