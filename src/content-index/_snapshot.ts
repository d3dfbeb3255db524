import { createHash } from 'node:crypto';
import { createDeflateRaw, inflateRawSync } from 'node:zlib';
import type { FileStamp, FolderStamp } from '../content/index.js';

/**
 * The per-file part of the content index as one packed value per content folder: a warm build
 * reads one blob instead of a row per file (rows cost about as much as statting every file),
 * and a cold build writes one instead of inserting a row per file.
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
   * The paths of a snapshot being built, in order: a path as text, or a range of consecutive
   * paths of `base` (entries `from` to `to - 1`), written as the bytes they are there. A file
   * the old snapshot knew keeps its path bytes, changed or not (see pushEntry), so only added and
   * deleted files break a range.
   */
  paths: (string | { from: number; to: number })[];
  /** The stored snapshot whose paths the ranges in `paths` are. */
  base?: StoredSnapshot;
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
 * paths byte by byte, and a decoded string per file would only be garbage for the collector.
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

/**
 * The snapshot as stored: the raw length (4 bytes), then the raw layout deflated; with its
 * checksum (stored beside it, checked by `decodeSnapshot`). The raw layout is never made as one
 * buffer: its pieces (the columns, the old snapshot's path bytes) go to zlib as they are, and
 * zlib works on a pool thread: fresh memory costs more to touch than to fill, and a large
 * folder's raw layout is megabytes (docs/bench.md).
 */
export async function encodeSnapshot(s: Snapshot): Promise<{ data: Buffer; checksum: string }> {
  const n = s.count;
  const texts = [...s.dateText].filter(([i]) => i < n);
  const textBytes = Buffer.from(JSON.stringify(texts), 'utf8');
  const folderBytes = Buffer.from(JSON.stringify(s.folders ?? null), 'utf8');
  const paths = pathPieces(s.paths, s.base);
  const pathLength = paths.reduce((sum, piece) => sum + piece.length, 0);
  const header = Buffer.alloc(HEADER);
  header.writeUInt32LE(MAGIC, 0);
  header.writeUInt32LE(LAYOUT, 4);
  header.writeUInt32LE(n, 8);
  const lengths = Buffer.alloc(12);
  lengths.writeUInt32LE(pathLength, 0);
  lengths.writeUInt32LE(textBytes.length, 4);
  lengths.writeUInt32LE(folderBytes.length, 8);
  const pieces: Uint8Array[] = [
    header,
    ...[s.size, s.mtimeMs, s.ctimeMs, s.ino, s.dateMs].map(
      (c) => new Uint8Array(c.buffer, c.byteOffset, n * 8),
    ),
    s.flags.subarray(0, n),
    lengths,
    ...paths,
    textBytes,
    folderBytes,
  ];
  const rawLength = pieces.reduce((sum, piece) => sum + piece.length, 0);
  // Deflated (paths repeat their folders and dates): reading and inflating the smaller value is
  // faster than reading the raw one, and deflating cheaper than writing it (docs/bench.md).
  const length = Buffer.alloc(4);
  length.writeUInt32LE(rawLength, 0);
  const chunks = await deflated(pieces);
  const stored = Buffer.concat([length, ...chunks]);
  return { data: stored, checksum: checksumOf(stored) };
}

/** `pieces` deflated (raw, level 2) on zlib's pool thread, as the chunks it gives. */
function deflated(pieces: Uint8Array[]): Promise<Buffer[]> {
  return new Promise((resolve, reject) => {
    const zip = createDeflateRaw({ level: 2, chunkSize: 256 * 1024 });
    const chunks: Buffer[] = [];
    zip.on('data', (chunk: Buffer) => chunks.push(chunk));
    zip.once('end', () => resolve(chunks));
    zip.once('error', reject);
    // Queued without waiting for drain: every piece is in memory already, and none is copied.
    for (const piece of pieces) if (piece.length > 0) zip.write(piece);
    zip.end();
  });
}

/**
 * The paths as UTF-8 separated by NUL, in pieces: each range of `base` paths as its bytes there
 * (with the NUL that follows it there, when it has one), and the text paths and separators
 * between ranges gathered into one buffer each: few pieces, so few writes to zlib.
 */
function pathPieces(parts: Snapshot['paths'], base: StoredSnapshot | undefined): Uint8Array[] {
  const out: Uint8Array[] = [];
  let texts: string[] = [];
  const gather = () => {
    if (texts.length > 0) out.push(Buffer.from(texts.join(''), 'utf8'));
    texts = [];
  };
  // Whether the next path needs a NUL before it (the last piece does not end with one).
  let separate = false;
  let endsWithNul = false;
  for (const part of parts) {
    if (separate) texts.push('\0');
    if (typeof part === 'string') {
      texts.push(part);
      separate = true;
      continue;
    }
    if (!base) throw new Error('a snapshot range without its base');
    gather();
    const { pathData, pathStart, count } = base;
    // Up to where the path after the range starts: the range's NUL-separated paths and the NUL
    // after them, or for a range that ends the base, up to its end.
    out.push(
      pathData.subarray(pathStart[part.from], Math.min(pathData.length, pathStart[part.to] as number)),
    );
    endsWithNul = part.to < count;
    separate = !endsWithNul;
  }
  if (texts.length > 0) {
    gather();
    endsWithNul = false;
  }
  const last = out[out.length - 1];
  if (endsWithNul && last) out[out.length - 1] = last.subarray(0, last.length - 1);
  return out;
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
    typeof f.size === 'number' &&
    typeof f.mtimeMs === 'number' &&
    typeof f.ctimeMs === 'number' &&
    typeof f.ino === 'number'
  );
}

/** Every path of a stored snapshot, in order: one decode of the bytes, then one split. */
export function storedPaths(s: StoredSnapshot): string[] {
  if (s.count === 0) return [];
  return s.pathData.toString('utf8').split('\0');
}

/** The i-th entry's stamp; `into`: an object to fill instead of a new one (see stampAt). */
export function stampOfEntry(
  s: Omit<Snapshot, 'paths'>,
  i: number,
  into: FileStamp = { size: 0, mtimeMs: 0, ctimeMs: 0, ino: 0 },
): FileStamp {
  into.size = s.size[i] as number;
  into.mtimeMs = s.mtimeMs[i] as number;
  into.ctimeMs = s.ctimeMs[i] as number;
  into.ino = s.ino[i] as number;
  return into;
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

/**
 * Append one entry, growing the columns as needed. `path`: its text, or for a file that
 * `s.base` has (changed or not: the path is the same), its index there.
 */
export function pushEntry(
  s: Snapshot,
  path: string | number,
  stamp: FileStamp,
  dateMs: number,
  flags: number,
  dateText?: string,
): void {
  if (s.count === s.size.length) grow(s);
  const i = s.count++;
  pushPath(s, path);
  s.size[i] = stamp.size;
  s.mtimeMs[i] = stamp.mtimeMs;
  s.ctimeMs[i] = stamp.ctimeMs;
  s.ino[i] = stamp.ino;
  s.dateMs[i] = dateMs;
  s.flags[i] = flags;
  if (dateText !== undefined) s.dateText.set(i, dateText);
}

/**
 * Append entries `from` to `from + n - 1` of `s.base` as they are: columns copied in bulk,
 * paths as the old bytes (no string per path encoded again).
 */
export function pushStoredRun(s: Snapshot, from: number, n: number): void {
  const old = s.base;
  if (n === 0 || !old) return;
  const at = s.count;
  reserve(s, at + n);
  for (const key of ['size', 'mtimeMs', 'ctimeMs', 'ino', 'dateMs'] as const) {
    s[key].set(old[key].subarray(from, from + n), at);
  }
  s.flags.set(old.flags.subarray(from, from + n), at);
  pushPath(s, from, n);
  if (old.dateText.size > 0) {
    for (let k = 0; k < n; k++) {
      const text = old.dateText.get(from + k);
      if (text !== undefined) s.dateText.set(at + k, text);
    }
  }
  s.count = at + n;
}

/** Append a path: a text, or entry `path` of `s.base` and the `n - 1` after it (as their bytes there). */
function pushPath(s: Snapshot, path: string | number, n = 1): void {
  if (typeof path === 'string') {
    s.paths.push(path);
    return;
  }
  const last = s.paths[s.paths.length - 1];
  if (typeof last === 'object' && last.to === path) last.to += n;
  else s.paths.push({ from: path, to: path + n });
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
