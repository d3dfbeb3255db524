import { createHash } from 'node:crypto';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { FolderStamp } from './_find.js';

/**
 * The per-file part of the content index as one packed value per content folder: a warm build
 * of 100,000 files reads one blob instead of 100,000 rows (measured: rows cost about as much
 * as statting every file), and a cold build writes one instead of inserting 100,000.
 *
 * Columns, in path order (the order of findArticleFiles, so a build walks both lists at once):
 * - the file's stamp: size, mtimeMs, ctimeMs, ino;
 * - a date: the cheap look's instant, or for a file the look could not read, the instant its full
 *   parse gave; NaN when there is none (an invalid file, or a file not yet parsed);
 * - flags: FROM_PARSE (the date came from a full parse), ZONED (the date depends on the zone:
 *   valid only for the snapshot's zone; a cheap one is recomputed from its text for another).
 * Then the paths, the ZONED dates' texts and the folder stamps (JSON), each after its length.
 */
export interface Snapshot {
  count: number;
  /**
   * The paths of a snapshot being built, in order: a path as text, or a run of consecutive paths
   * of a stored snapshot as its bytes (NUL-separated), copied as they are (see pushStoredRun).
   */
  paths: (string | Uint8Array)[];
  size: Float64Array;
  mtimeMs: Float64Array;
  ctimeMs: Float64Array;
  ino: Float64Array;
  dateMs: Float64Array;
  flags: Uint8Array;
  /** The cheap look's text of each ZONED cheap date, by position. */
  dateText: Map<number, string>;
  /**
   * The folders of the listing these paths are, when they are all of it (see Listing): while
   * every folder keeps its stamp, a build takes the paths from here instead of listing again.
   */
  folders?: FolderStamp[];
}

/**
 * A snapshot read back from the index. Its paths stay UTF-8 bytes (the i-th is
 * `pathData[pathStart[i] .. pathStart[i + 1] - 1]`): a build compares them with the folder's
 * paths byte by byte, and 100,000 decoded strings would only be garbage for the collector.
 */
export interface StoredSnapshot extends Omit<Snapshot, 'paths'> {
  pathData: Buffer;
  pathStart: Uint32Array;
}

export const FROM_PARSE = 1;
export const ZONED = 2;

const MAGIC = 0x4e444958; // "NDIX"
const LAYOUT = 4;
const HEADER = 16;
const NUMBER_COLUMNS = 5;

/** An empty snapshot with room for `capacity` entries. */
export function emptySnapshot(capacity: number): Snapshot {
  return {
    count: 0,
    paths: [],
    size: new Float64Array(capacity),
    mtimeMs: new Float64Array(capacity),
    ctimeMs: new Float64Array(capacity),
    ino: new Float64Array(capacity),
    dateMs: new Float64Array(capacity),
    flags: new Uint8Array(capacity),
    dateText: new Map(),
  };
}

/** The snapshot as bytes, and their checksum (stored beside them, checked by `decodeSnapshot`). */
export function encodeSnapshot(s: Snapshot): { data: Buffer; checksum: string } {
  const n = s.count;
  const texts = [...s.dateText].filter(([i]) => i < n);
  const textBytes = Buffer.from(JSON.stringify(texts), 'utf8');
  const folderBytes = Buffer.from(JSON.stringify(s.folders ?? null), 'utf8');
  const pathLength = joinedLength(s.paths);
  const numbersEnd = HEADER + NUMBER_COLUMNS * 8 * n;
  // Every byte is written below. Fresh memory costs more to touch than to fill (about 3 ms per
  // MB on this kind of machine), so the paths go straight into it, not through a buffer of their own.
  const data = Buffer.allocUnsafe(numbersEnd + n + 12 + pathLength + textBytes.length + folderBytes.length);
  data.writeUInt32LE(MAGIC, 0);
  data.writeUInt32LE(LAYOUT, 4);
  data.writeUInt32LE(n, 8);
  data.writeUInt32LE(0, 12);
  [s.size, s.mtimeMs, s.ctimeMs, s.ino, s.dateMs].forEach((column, k) => {
    const bytes = new Uint8Array(column.buffer, column.byteOffset, n * 8);
    data.set(bytes, HEADER + k * 8 * n);
  });
  data.set(s.flags.subarray(0, n), numbersEnd);
  let at = numbersEnd + n;
  data.writeUInt32LE(pathLength, at);
  data.writeUInt32LE(textBytes.length, at + 4);
  data.writeUInt32LE(folderBytes.length, at + 8);
  at += 12;
  writeJoinedPaths(s.paths, data, at);
  data.set(textBytes, at + pathLength);
  data.set(folderBytes, at + pathLength + textBytes.length);
  // Deflated (paths repeat their folders and dates), after the raw length: at 100,000 files 1.9 MB
  // instead of 13. Measured here in a fresh process: reading the 13 MB back from SQLite took
  // 115-190 ms, reading 1.9 MB and inflating it in one output chunk 75-80 ms; and writing 13 MB
  // (WAL, then checkpoint) took about 280 ms, against 50 ms to deflate and little to write.
  const length = Buffer.alloc(4);
  length.writeUInt32LE(data.length, 0);
  const stored = Buffer.concat([length, deflateRawSync(data, { level: 2 })]);
  return { data: stored, checksum: checksumOf(stored) };
}

/**
 * Bytes back into a snapshot, or undefined when they are damaged: a checksum that does not
 * match, or any length or field that does not add up.
 */
export function decodeSnapshot(stored: Uint8Array, checksum: string): StoredSnapshot | undefined {
  if (checksumOf(stored) !== checksum || stored.length < 4) return undefined;
  const packed = Buffer.from(stored.buffer, stored.byteOffset, stored.byteLength);
  const rawLength = packed.readUInt32LE(0);
  let data: Buffer;
  try {
    // One output chunk of the known size: no chunks to join, no second copy.
    data = inflateRawSync(packed.subarray(4), {
      chunkSize: Math.max(1024, rawLength),
      maxOutputLength: Math.max(1, rawLength),
    });
  } catch {
    return undefined;
  }
  if (data.length !== rawLength || data.length < HEADER) return undefined;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  if (view.getUint32(0, true) !== MAGIC || view.getUint32(4, true) !== LAYOUT) return undefined;
  const n = view.getUint32(8, true);
  const numbersEnd = HEADER + NUMBER_COLUMNS * 8 * n;
  if (numbersEnd + n + 12 > data.length) return undefined;
  // Each column a view of the inflated bytes where they are aligned (as a buffer of its own
  // is), else copied into an aligned array. Never written to: the old snapshot is only read.
  const column = (k: number) => {
    const offset = data.byteOffset + HEADER + k * 8 * n;
    if (offset % 8 === 0) return new Float64Array(data.buffer, offset, n);
    const out = new Float64Array(n);
    new Uint8Array(out.buffer).set(data.subarray(HEADER + k * 8 * n, HEADER + (k + 1) * 8 * n));
    return out;
  };
  let at = numbersEnd + n;
  const pathLength = view.getUint32(at, true);
  const textLength = view.getUint32(at + 4, true);
  const folderLength = view.getUint32(at + 8, true);
  at += 12;
  if (at + pathLength + textLength + folderLength !== data.length) return undefined;
  const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  // A view, not a copy: the stored bytes are this snapshot's own.
  const pathData = bytes.subarray(at, at + pathLength);
  // Where each path starts; the \0 that ends each one (but the last) is found with memchr.
  const pathStart = new Uint32Array(n + 1);
  let pos = 0;
  for (let i = 0; i < n; i++) {
    pathStart[i] = pos;
    const end = i === n - 1 ? pathLength : pathData.indexOf(0, pos);
    if (end === -1) return undefined;
    pos = end + 1;
  }
  pathStart[n] = pathLength + 1;
  if (n > 0 && pos !== pathLength + 1) return undefined;
  let texts: unknown;
  try {
    texts = JSON.parse(bytes.toString('utf8', at + pathLength, at + pathLength + textLength));
  } catch {
    return undefined;
  }
  if (!Array.isArray(texts)) return undefined;
  const dateText = new Map<number, string>();
  for (const pair of texts) {
    if (!Array.isArray(pair) || !Number.isInteger(pair[0]) || typeof pair[1] !== 'string') return undefined;
    dateText.set(pair[0] as number, pair[1]);
  }
  let folders: unknown;
  try {
    const from = at + pathLength + textLength;
    folders = JSON.parse(bytes.toString('utf8', from, from + folderLength));
  } catch {
    return undefined;
  }
  if (folders !== null && !(Array.isArray(folders) && folders.every(isFolderStamp))) return undefined;
  return {
    count: n,
    pathData,
    pathStart,
    size: column(0),
    mtimeMs: column(1),
    ctimeMs: column(2),
    ino: column(3),
    dateMs: column(4),
    flags: new Uint8Array(data.subarray(numbersEnd, numbersEnd + n)),
    dateText,
    folders: (folders as FolderStamp[] | null) ?? undefined,
  };
}

function isFolderStamp(v: unknown): v is FolderStamp {
  if (typeof v !== 'object' || v === null) return false;
  const f = v as Record<string, unknown>;
  return (
    typeof f.path === 'string' &&
    typeof f.mtimeMs === 'number' &&
    typeof f.ctimeMs === 'number' &&
    typeof f.ino === 'number'
  );
}

/** The length of the paths as UTF-8, separated by NUL (see writeJoinedPaths). */
function joinedLength(parts: Snapshot['paths']): number {
  let total = Math.max(0, parts.length - 1);
  for (const part of parts) total += typeof part === 'string' ? Buffer.byteLength(part) : part.length;
  return total;
}

/** Write the paths into `out` at `at` as UTF-8, separated by NUL, without one joined string. */
function writeJoinedPaths(parts: Snapshot['paths'], out: Buffer, at: number): void {
  for (let k = 0; k < parts.length; k++) {
    if (k > 0) out[at++] = 0;
    const part = parts[k] as string | Uint8Array;
    if (typeof part === 'string') at += out.write(part, at);
    else {
      out.set(part, at);
      at += part.length;
    }
  }
}

/** Every path of a stored snapshot, in order: one decode of the bytes, then one split. */
export function storedPaths(s: StoredSnapshot): string[] {
  if (s.count === 0) return [];
  return s.pathData.toString('utf8').split('\0');
}

/** The i-th path of a stored snapshot, as a string (for the few that are needed as text). */
export function storedPath(s: StoredSnapshot, i: number): string {
  return s.pathData.toString('utf8', s.pathStart[i], (s.pathStart[i + 1] as number) - 1);
}

/** An empty stored snapshot. */
export function emptyStored(): StoredSnapshot {
  const { paths: _paths, ...rest } = emptySnapshot(0);
  return { ...rest, pathData: Buffer.alloc(0), pathStart: new Uint32Array(1) };
}

/** Append one entry, growing the columns as needed. */
export function pushEntry(
  s: Snapshot,
  path: string,
  stamp: { size: number; mtimeMs: number; ctimeMs: number; ino: number },
  dateMs: number,
  flags: number,
  dateText?: string,
): void {
  if (s.count === s.size.length) grow(s);
  const i = s.count++;
  s.paths.push(path);
  s.size[i] = stamp.size;
  s.mtimeMs[i] = stamp.mtimeMs;
  s.ctimeMs[i] = stamp.ctimeMs;
  s.ino[i] = stamp.ino;
  s.dateMs[i] = dateMs;
  s.flags[i] = flags;
  if (dateText !== undefined) s.dateText.set(i, dateText);
}

/**
 * Append entries `from` to `from + n - 1` of the stored snapshot `old` as they are: columns
 * copied in bulk, paths as the old bytes (no string per path encoded again).
 */
export function pushStoredRun(s: Snapshot, old: StoredSnapshot, from: number, n: number): void {
  if (n === 0) return;
  const at = s.count;
  reserve(s, at + n);
  for (const key of ['size', 'mtimeMs', 'ctimeMs', 'ino', 'dateMs'] as const) {
    s[key].set(old[key].subarray(from, from + n), at);
  }
  s.flags.set(old.flags.subarray(from, from + n), at);
  s.paths.push(old.pathData.subarray(old.pathStart[from], (old.pathStart[from + n] as number) - 1));
  if (old.dateText.size > 0) {
    for (let k = 0; k < n; k++) {
      const text = old.dateText.get(from + k);
      if (text !== undefined) s.dateText.set(at + k, text);
    }
  }
  s.count = at + n;
}

/** Room for at least `capacity` entries. */
export function reserve(s: Snapshot, capacity: number): void {
  while (s.size.length < capacity) grow(s);
}

function grow(s: Snapshot): void {
  const capacity = Math.max(64, s.size.length * 2);
  for (const key of ['size', 'mtimeMs', 'ctimeMs', 'ino', 'dateMs'] as const) {
    const next = new Float64Array(capacity);
    next.set(s[key]);
    s[key] = next;
  }
  const flags = new Uint8Array(capacity);
  flags.set(s.flags);
  s.flags = flags;
}

function checksumOf(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('base64url');
}
