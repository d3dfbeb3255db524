import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { NOT_DONE, type ScanExtra, type ScanInput, type ScanOutput, scanOutput, scanRange } from './_scan.js';

/** What a scan worker gets (workerData): the input without its paths, which travel as one string. */
export interface ScanJob {
  input: Omit<ScanInput, 'paths'>;
  pathText: string;
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
  /** Files to read below which no worker starts. Default 4000. */
  minFilesForWorkers?: number;
}

// Files per claim: small enough to share the work evenly, large enough that claiming is free.
const CHUNK = 256;
// Below this many files to read, a worker's start-up costs more than it saves.
const MIN_FILES_FOR_WORKERS = 4000;

/**
 * Scan every file of `input` on this thread and, when asked for (see scanThreads), on worker
 * threads too: with a warm page cache, reading and statting are system calls that can run on
 * several cores at once. The threads claim chunks of files from a shared counter; this thread
 * yields to the event loop between its chunks, so other work of the build (loading MJML) can
 * run meanwhile while the workers go on. If a worker fails, every chunk this thread did not scan
 * is scanned again here: the result never depends on the workers.
 */
export async function scanAll(
  input: ScanInput,
  options: ParallelOptions = {},
): Promise<{ output: ScanOutput; extras: Map<number, ScanExtra>; inWorkers: number }> {
  const n = input.paths.length;
  const output = scanOutput(n);
  const extras = new Map<number, ScanExtra>();
  const counter = new Int32Array(new SharedArrayBuffer(4));
  const script = workerScript(options);
  const threads = scanThreads(input, options);
  const job: ScanJob = {
    input: { ...input, paths: undefined } as Omit<ScanInput, 'paths'>,
    pathText: '',
    output,
    counter,
    chunk: CHUNK,
  };
  if (threads > 0) job.pathText = input.paths.join('\0');
  const workers = Array.from({ length: threads }, () => runWorker(script, job));

  const chunks = Math.ceil(n / CHUNK);
  const mine = new Uint8Array(chunks);
  for (let c = Atomics.add(counter, 0, 1); c < chunks; c = Atomics.add(counter, 0, 1)) {
    scanRange(input, output, extras, c * CHUNK, Math.min(n, (c + 1) * CHUNK));
    mine[c] = 1;
    if (threads > 0 || c % 4 === 3) await new Promise((resolve) => setImmediate(resolve));
  }
  const results = await Promise.all(workers);
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
      scanRange(input, output, extras, from, to);
    }
  }
  return { output, extras, inWorkers };
}

/** What a worker posts when it is done. */
interface WorkerResult {
  extras: [number, ScanExtra][];
  /** Files it scanned. */
  scanned: number;
}

function workerScript(options: ParallelOptions): URL {
  return options.workerScript ?? new URL('./_scan-worker.js', import.meta.url);
}

/**
 * How many worker threads a scan of `input` will use: none unless asked for (`threads`), there
 * are enough files to read (statting alone is over before a worker has loaded its modules) and
 * the compiled worker exists. Off by default: on the 2-core benchmark machine a worker added
 * about 30 MB of peak memory to a cold build and, with other work running, saved no time.
 */
export function scanThreads(input: Pick<ScanInput, 'known'>, options: ParallelOptions): number {
  const wanted = Math.max(0, Math.min(options.threads ?? 0, availableParallelism() - 1));
  if (wanted === 0) return 0;
  let toRead = 0;
  for (let i = 0; i < input.known.length; i += 4) if (Number.isNaN(input.known[i] as number)) toRead++;
  if (toRead < (options.minFilesForWorkers ?? MIN_FILES_FOR_WORKERS)) return 0;
  return existsSync(fileURLToPath(workerScript(options))) ? wanted : 0;
}

/** One worker's result, or undefined when it failed. */
function runWorker(script: URL, job: ScanJob): Promise<WorkerResult | undefined> {
  return new Promise((resolve) => {
    let result: WorkerResult | undefined;
    const worker = new Worker(script, { workerData: job });
    worker.once('message', (message: WorkerResult) => {
      result = message;
    });
    worker.once('error', () => {
      result = undefined;
    });
    worker.once('exit', (code) => resolve(code === 0 ? result : undefined));
  });
}
