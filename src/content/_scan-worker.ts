/**
 * A scan worker (see _parallel.ts): takes chunks of files from the shared counter until none are
 * left, writes the numeric results into the shared buffers and posts the rest at the end.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { ScanJob } from './_parallel.js';
import { type ScanExtra, scanRange } from './_scan.js';

const job = workerData as ScanJob;
const input = { ...job.input, paths: job.pathText.split('\0') };
const extras = new Map<number, ScanExtra>();
const chunks = Math.ceil(input.paths.length / job.chunk);
let scanned = 0;
// Bounded by the number of chunks: every turn claims one.
for (let c = Atomics.add(job.counter, 0, 1); c < chunks; c = Atomics.add(job.counter, 0, 1)) {
  const to = Math.min(input.paths.length, (c + 1) * job.chunk);
  scanRange(input, job.output, extras, c * job.chunk, to);
  scanned += to - c * job.chunk;
}
parentPort?.postMessage({ extras: [...extras], scanned });
