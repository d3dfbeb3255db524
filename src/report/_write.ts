import { closeSync, openSync, writeSync } from 'node:fs';
import type { Considered, DigestReport } from '../types.js';
import { Report } from './_build.js';
import { ConsideredList } from './_considered.js';

// The report's keys in file order; `considered` is written from its columns.
const KEYS = [
  'window',
  'subject',
  'preheader',
  'htmlBytes',
  'textBytes',
  'sizeBudget',
  'items',
  'considered',
  'trimmed',
  'counts',
] as const satisfies readonly (keyof DigestReport)[];

/**
 * The report's text in pieces: `JSON.stringify(report, null, 2)`, except that each `considered`
 * entry takes one line (`JSON.stringify(entry)`): one file per line, easy to grep, and half the
 * bytes of the indented form at 100,000 files. The pieces are small, so a large report is never
 * one long string.
 */
export function* reportPieces(report: DigestReport): Generator<string> {
  // A Report's `considered` is not read: it would make the entries of its columns.
  const lines = report instanceof Report ? report.consideredList : report.considered;
  // As JSON.stringify, a key without a value is left out.
  const keys = KEYS.filter((key) => (key === 'considered' ? lines : report[key]) !== undefined);
  if (keys.length === 0) {
    yield '{}\n';
    return;
  }
  yield '{\n';
  for (const [i, key] of keys.entries()) {
    yield `  "${key}": `;
    if (key === 'considered') yield* consideredPieces(lines as ConsideredList | Considered[]);
    // Inside a JSON text every newline is indentation (newlines in strings are escaped).
    else yield (JSON.stringify(report[key], null, 2) as string).replace(/\n/g, '\n  ');
    yield i < keys.length - 1 ? ',\n' : '\n}\n';
  }
}

function* consideredPieces(list: ConsideredList | Considered[]): Generator<string> {
  if (list.length === 0) {
    yield '[]';
    return;
  }
  const chunks =
    list instanceof ConsideredList
      ? list.chunks(ENTRY_SEPARATOR)
      : [list.map((c) => JSON.stringify(c)).join(ENTRY_SEPARATOR)];
  let first = true;
  for (const chunk of chunks) {
    yield first ? `[\n    ${chunk}` : `${ENTRY_SEPARATOR}${chunk}`;
    first = false;
  }
  yield '\n  ]';
}

// Between two `considered` entries: each on its own line, indented as the array's items.
const ENTRY_SEPARATOR = ',\n    ';

/** The report in its file layout (see reportPieces), as one text. */
export function reportText(report: DigestReport): string {
  return [...reportPieces(report)].join('');
}

// Text handed to the file at a time.
const CHUNK_CHARS = 1 << 20;

/**
 * Write the report in its file layout (see reportPieces) to `path`, in chunks of about a
 * megabyte. Synchronous: the writes go to the page cache, and a build waits for them anyway.
 */
export function writeReportFile(path: string, report: DigestReport): void {
  const fd = openSync(path, 'w');
  try {
    let chunk = '';
    for (const piece of reportPieces(report)) {
      chunk += piece;
      if (chunk.length >= CHUNK_CHARS) {
        writeAll(fd, chunk);
        chunk = '';
      }
    }
    writeAll(fd, chunk);
  } finally {
    closeSync(fd);
  }
}

function writeAll(fd: number, text: string): void {
  const bytes = Buffer.from(text);
  for (let done = 0; done < bytes.length; ) done += writeSync(fd, bytes, done);
}
