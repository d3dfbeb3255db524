/**
 * The `pg-import` rows of `npm run bench`: `digest subscribers import` of a CSV of N rows (default
 * 100,000) into a fresh PostgreSQL database (COPY into a temporary table, then one set-based
 * write: src/store/pg/_subscribers.ts), the same file again into the filled database (every row
 * compared, none written), and into a fresh SQLite file for comparison. The target: 100,000
 * rows "in well under a minute".
 *
 * Run alone: `npm run build && node dist/bench/pg-import.js [--rows N] [--runs R]`.
 */

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildResult, type ProcessRun, runNode } from './_measure.js';
import { startBenchPg } from './_pg.js';
import type { Result } from './_table.js';

export interface PgImportOptions {
  /** bin/digest.js of the app under measurement. */
  bin: string;
  /** A scratch folder (the CSV and the SQLite file go there). */
  work: string;
  /** Rows in the CSV. Default 100,000. */
  rows?: number;
  /** Runs of each measurement. Default 3. */
  runs?: number;
  log?: (line: string) => void;
}

/** Measure the imports (see the file comment); starts and stops its own PostgreSQL server. */
export async function pgImportMeasurements(options: PgImportOptions): Promise<Result[]> {
  const rows = options.rows ?? 100_000;
  const runs = options.runs ?? 3;
  const log = options.log ?? (() => {});
  const csv = join(options.work, 'pg-import.csv');
  writeFileSync(csv, subscriberCsv(rows));
  const importRun = async (db: string, what: string) => {
    const run = await runNode([options.bin, 'subscribers', 'import', csv, '--db', db, '--json'], {
      cwd: options.work,
    });
    if (run.code !== 0) throw new Error(`${what} exited ${run.code}: ${run.stderr.slice(-2000)}`);
    const counts = JSON.parse(run.stdout) as { added: number; unchanged: number };
    log(
      `${what}: ${(run.wallMs / 1000).toFixed(2)} s (${counts.added} added, ${counts.unchanged} unchanged)`,
    );
    return { run, counts };
  };
  const server = await startBenchPg();
  const fresh: ProcessRun[] = [];
  const again: ProcessRun[] = [];
  const sqlite: ProcessRun[] = [];
  try {
    for (let round = 1; round <= runs; round++) {
      const url = await server.database('bench_import');
      const first = await importRun(url, `pg-import ${round}/${runs}`);
      if (first.counts.added !== rows)
        throw new Error(`pg-import added ${first.counts.added} of ${rows} rows`);
      fresh.push(first.run);
      const second = await importRun(url, `pg-reimport ${round}/${runs}`);
      if (second.counts.unchanged !== rows)
        throw new Error(`pg-reimport found ${second.counts.unchanged} of ${rows} rows unchanged`);
      again.push(second.run);
      const file = join(options.work, `sqlite-import-${round}.db`);
      const local = await importRun(file, `sqlite-import ${round}/${runs}`);
      if (local.counts.added !== rows)
        throw new Error(`sqlite-import added ${local.counts.added} of ${rows} rows`);
      sqlite.push(local.run);
      for (const suffix of ['', '-wal', '-shm']) rmSync(`${file}${suffix}`, { force: true });
    }
  } finally {
    await server.stop();
  }
  const result = (name: string, what: string, list: ProcessRun[]) =>
    buildResult(name, what, list, rows, 'rows');
  return [
    result('pg-import', `digest subscribers import of ${rows} rows into a fresh PostgreSQL database`, fresh),
    result('pg-reimport', `the same ${rows} rows again into that database (all unchanged)`, again),
    result('sqlite-import', `the same ${rows} rows into a fresh SQLite file, for comparison`, sqlite),
  ];
}

/** A subscriber CSV of `rows` distinct addresses with names, topics and a schedule. */
export function subscriberCsv(rows: number): string {
  const lines = ['email,name,topics,frequency,weekday'];
  for (let i = 0; i < rows; i++) {
    const weekly = i % 10 === 0;
    lines.push(
      `reader${i}@example.com,Reader ${i},${i % 3 === 0 ? 'ai;climate' : 'sport'},${weekly ? 'weekly' : 'daily'},${weekly ? 'mon' : ''}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

// Run alone (see the file comment): prints each measurement as JSON.
if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { rows: { type: 'string' }, runs: { type: 'string' } } });
  const work = mkdtempSync(join(tmpdir(), 'digest-bench-pg-import-'));
  try {
    const bin = resolve(dirname(fileURLToPath(import.meta.url)), '../../bin/digest.js');
    const results = await pgImportMeasurements({
      bin,
      work,
      rows: values.rows === undefined ? undefined : Number(values.rows),
      runs: values.runs === undefined ? undefined : Number(values.runs),
      log: (line) => process.stderr.write(`${line}\n`),
    });
    process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
