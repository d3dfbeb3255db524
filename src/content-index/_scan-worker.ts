/**
 * A scan worker (see _parallel.ts): started before its job is known, it loads the scan modules,
 * then waits for the one message with the job. It takes chunks of files from the shared counter
 * until none are left, writes the numeric results into the shared buffers and posts the rest.
 */
import { parentPort } from 'node:worker_threads';
import { decodePaths, type ScanJob } from './_parallel.js';
import { type ScanExtra, scanRange } from './_scan.js';

parentPort?.once('message', (job: ScanJob) => {
  const { pathStart } = job;
  const bytes = Buffer.from(job.pathBytes.buffer, job.pathBytes.byteOffset, job.pathBytes.byteLength);
  const n = pathStart.length - 1;
  // Only the paths of this worker's chunks are decoded, as it claims them.
  const paths: string[] = new Array(n);
  const input = { ...job.input, paths };
  const extras = new Map<number, ScanExtra>();
  const chunks = Math.ceil(n / job.chunk);
  let scanned = 0;
  // Bounded by the number of chunks: every turn claims one.
  for (let c = Atomics.add(job.counter, 0, 1); c < chunks; c = Atomics.add(job.counter, 0, 1)) {
    const from = c * job.chunk;
    const to = Math.min(n, from + job.chunk);
    decodePaths(bytes, pathStart, paths, from, to);
    scanRange(input, job.output, extras, from, to);
    scanned += to - from;
  }
  parentPort?.postMessage({ extras: [...extras], scanned });
  // Nothing more will come: let the thread end.
  parentPort?.unref();
});
