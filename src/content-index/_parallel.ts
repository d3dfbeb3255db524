import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { NOT_DONE, type ScanExtra, type ScanInput, type ScanOutput, scanOutput, scanRange } from './_scan.js';

/**
 * What a scan worker is sent (one message): the input without its paths, which travel as UTF-8
 * bytes in shared memory, separated by NUL (the i-th is `pathBytes[pathStart[i] ..
 * pathStart[i + 1] - 1]`, the layout of the content index's paths), so that no thread copies an
 * array of a string per file.
 */
export interface ScanJob {
  input: Omit<ScanInput, 'paths'>;
  pathBytes: Uint8Array;
  pathStart: Uint32Array;
  output: ScanOutput;
  /** The next chunk to claim, shared by every thread. */
  counter: Int32Array;
  chunk: number;
}

export interface ParallelOptions {
  /** Worker threads besides this one, at most one less than the CPUs. Default 0: this thread only. */
  threads?: number;
  /** The compiled worker module; default `_scan-worker.js` beside this module (absent when running TS sources). */
  workerScript?: URL;
  /** Work (files to read; a stat counts a fifth) below which no worker starts. Default 4000. */
  minFilesForWorkers?: number;
}

// Files per claim: small enough to share the work evenly, large enough that claiming is free.
const CHUNK = 256;
// Below this much work (files to read, see STATS_PER_READ), a worker's start-up costs more than it saves.
const MIN_FILES_FOR_WORKERS = 4000;
// A stat of an unchanged file costs about a fifth of reading and classifying a file (docs/bench.md).
const STATS_PER_READ = 5;
// A worker's heap: it keeps only the full parses of its share of the window's files, so a small
// young generation keeps the process's peak memory down (docs/bench.md).
const WORKER_LIMITS = { maxYoungGenerationSizeMb: 4, maxOldGenerationSizeMb: 256 };

/** What a worker posts when it is done. */
interface WorkerResult {
  extras: [number, ScanExtra][];
  /** Files it scanned. */
  scanned: number;
}

/**
 * Scan workers started before their job is known: a worker takes about as long to start (a
 * thread, a V8 heap, the parser modules) as listing a large folder and matching it with the
 * content index, so a build starts them first and both happen at once (see loadArticles).
 */
export class ScanWorkers {
  private readonly workers: Worker[];
  private readonly results: Promise<WorkerResult | undefined>[];
  private sent = false;

  constructor(threads: number, script: URL) {
    this.workers = Array.from(
      { length: threads },
      () => new Worker(script, { resourceLimits: WORKER_LIMITS }),
    );
    this.results = this.workers.map(
      (worker) =>
        new Promise((resolve) => {
          let result: WorkerResult | undefined;
          worker.once('message', (message: WorkerResult) => {
            result = message;
          });
          worker.once('error', () => {
            result = undefined;
          });
          worker.once('exit', (code) => resolve(code === 0 ? result : undefined));
        }),
    );
  }

  /** Send the job to every worker; resolves with each one's result (undefined for one that failed). */
  run(job: ScanJob): Promise<(WorkerResult | undefined)[]> {
    this.sent = true;
    for (const worker of this.workers) worker.postMessage(job);
    return Promise.all(this.results);
  }

  /** Stop workers that were not given a job (the scan turned out too small for them). */
  cancel(): void {
    if (this.sent) return;
    for (const worker of this.workers) void worker.terminate();
  }
}

/**
 * Workers for a scan of a folder of `files` files, started now when that many files are worth a
 * worker whatever the index knows (every file at least statted), else undefined: scanAll then
 * decides, once it is known how many files must be read.
 */
export function startScanWorkers(files: number, options: ParallelOptions): ScanWorkers | undefined {
  const wanted = wantedThreads(options);
  if (wanted === 0 || files / STATS_PER_READ < minWork(options)) return undefined;
  const script = workerScript(options);
  return existsSync(fileURLToPath(script)) ? new ScanWorkers(wanted, script) : undefined;
}

/**
 * Scan every file of `input` on this thread and, when asked for (see scanThreads), on worker
 * threads too: with a warm page cache, reading and statting are system calls that can run on
 * several cores at once. The threads claim chunks of files from a shared counter; this thread
 * yields to the event loop between its chunks, so other work of the build (loading MJML) can
 * run meanwhile while the workers go on. If a worker fails, every chunk this thread did not scan
 * is scanned again here: the result never depends on the workers. `early`: workers from
 * startScanWorkers, used when the scan needs them and stopped when it does not.
 */
export async function scanAll(
  input: ScanInput,
  options: ParallelOptions = {},
  early?: ScanWorkers,
  pathBytes?: PathBytes,
  output?: ScanOutput,
): Promise<ScanResult> {
  return beginScan(input, options, early, pathBytes, output).join();
}

export interface ScanResult {
  output: ScanOutput;
  extras: Map<number, ScanExtra>;
  inWorkers: number;
}

/**
 * scanAll in two steps: the workers start on the job at once, and this thread joins them when
 * `join` is called (a build lists the folder meanwhile; see loadArticles). `output`: results
 * already known (a file whose kind is set is skipped).
 */
export function beginScan(
  input: ScanInput,
  options: ParallelOptions = {},
  early?: ScanWorkers,
  pathBytes?: PathBytes,
  given?: ScanOutput,
): { join: () => Promise<ScanResult> } {
  const n = input.paths.length;
  const output = given ?? scanOutput(n);
  const extras = new Map<number, ScanExtra>();
  const counter = new Int32Array(new SharedArrayBuffer(4));
  const threads = scanThreads(input, options);
  let crew = early;
  if (threads === 0) {
    early?.cancel();
    crew = undefined;
  } else crew ??= new ScanWorkers(threads, workerScript(options));
  const done = crew?.run({
    input: { ...input, paths: undefined } as Omit<ScanInput, 'paths'>,
    ...sharedPaths(input.paths, pathBytes),
    output,
    counter,
    chunk: CHUNK,
  });
  // Paths given as bytes (pathBytes) may be missing from `input.paths`: each chunk's are decoded
  // when this thread claims it, as the workers do.
  const bytes =
    pathBytes && Buffer.from(pathBytes.data.buffer, pathBytes.data.byteOffset, pathBytes.data.byteLength);
  const scanHere = (from: number, to: number) => {
    if (bytes && pathBytes) decodePaths(bytes, pathBytes.start, input.paths, from, to);
    scanRange(input, output, extras, from, to);
  };
  const join = async (): Promise<ScanResult> => {
    const chunks = Math.ceil(n / CHUNK);
    const mine = new Uint8Array(chunks);
    for (let c = Atomics.add(counter, 0, 1); c < chunks; c = Atomics.add(counter, 0, 1)) {
      scanHere(c * CHUNK, Math.min(n, (c + 1) * CHUNK));
      mine[c] = 1;
      if (crew || c % 4 === 3) await new Promise((resolve) => setImmediate(resolve));
    }
    const results = (await done) ?? [];
    let inWorkers = 0;
    for (const found of results) {
      for (const [i, extra] of found?.extras ?? []) extras.set(i, extra);
      inWorkers += found?.scanned ?? 0;
    }
    if (results.some((found) => found === undefined)) {
      inWorkers = 0;
      // A worker failed and its extras are lost: scan again here every chunk this thread did not.
      for (let c = 0; c < chunks; c++) {
        if (mine[c]) continue;
        const from = c * CHUNK;
        const to = Math.min(n, from + CHUNK);
        output.kind.fill(NOT_DONE, from, to);
        for (let i = from; i < to; i++) extras.delete(i);
        scanHere(from, to);
      }
    }
    return { output, extras, inWorkers };
  };
  return { join };
}

/** Fill `paths[from .. to - 1]` that are not there yet from their bytes (the ScanJob layout). */
export function decodePaths(
  bytes: Buffer,
  start: Uint32Array,
  paths: string[],
  from: number,
  to: number,
): void {
  for (let i = from; i < to; i++) {
    if (paths[i] === undefined)
      paths[i] = bytes.toString('utf8', start[i] as number, (start[i + 1] as number) - 1);
  }
}

/** Paths as UTF-8, NUL-separated, with where each starts (the ScanJob layout). */
export interface PathBytes {
  data: Uint8Array;
  start: Uint32Array;
}

/**
 * The paths in shared memory (see ScanJob): copied from `known` when the caller has them in that
 * layout already (a listing kept in the content index), else written from the strings.
 */
function sharedPaths(paths: string[], known?: PathBytes): Pick<ScanJob, 'pathBytes' | 'pathStart'> {
  const pathStart = new Uint32Array(new SharedArrayBuffer(4 * (paths.length + 1)));
  if (known && known.start.length === paths.length + 1) {
    pathStart.set(known.start);
    const pathBytes = new Uint8Array(
      new SharedArrayBuffer(Math.max(1, known.data.length)),
      0,
      known.data.length,
    );
    pathBytes.set(known.data);
    return { pathBytes, pathStart };
  }
  // One string, written once: a write per path costs several times more.
  const joined = paths.join('\0');
  const total = Buffer.byteLength(joined);
  const ascii = total === joined.length;
  let at = 0;
  for (let i = 0; i < paths.length; i++) {
    pathStart[i] = at;
    // A string's length is its UTF-8 length when the text is ASCII, as paths mostly are.
    at += (ascii ? (paths[i] as string).length : Buffer.byteLength(paths[i] as string)) + 1;
  }
  pathStart[paths.length] = total + 1;
  const pathBytes = new Uint8Array(new SharedArrayBuffer(Math.max(1, total)), 0, total);
  Buffer.from(pathBytes.buffer, 0, total).write(joined);
  return { pathBytes, pathStart };
}

function workerScript(options: ParallelOptions): URL {
  return options.workerScript ?? new URL('./_scan-worker.js', import.meta.url);
}

function wantedThreads(options: ParallelOptions): number {
  return Math.max(0, Math.min(options.threads ?? 0, availableParallelism() - 1));
}

function minWork(options: ParallelOptions): number {
  return options.minFilesForWorkers ?? MIN_FILES_FOR_WORKERS;
}

/**
 * How many worker threads a scan of `input` will use: none unless asked for (`threads`), there
 * is enough work (statting alone is over before a worker has loaded its modules: a stat counts
 * as a fifth of a read, so a warm build of 20,000 files or more gets one) and the compiled
 * worker exists.
 */
export function scanThreads(input: Pick<ScanInput, 'known'>, options: ParallelOptions): number {
  const wanted = wantedThreads(options);
  if (wanted === 0) return 0;
  let toRead = 0;
  const files = input.known.length / 4;
  for (let i = 0; i < input.known.length; i += 4) if (Number.isNaN(input.known[i] as number)) toRead++;
  if (toRead + (files - toRead) / STATS_PER_READ < minWork(options)) return 0;
  return existsSync(fileURLToPath(workerScript(options))) ? wanted : 0;
}
