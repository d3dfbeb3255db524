import { closeSync, openSync, writeSync } from 'node:fs';

// Bytes handed to the file at a time.
const CHUNK_BYTES = 1 << 20;

/**
 * A list written without its elements as objects: its length and each element's one-line JSON
 * (`JSON.stringify(element)`), in order. Given for a top-level key, it is written in the report
 * layout in place of that key's value.
 */
export interface JsonLines {
  readonly length: number;
  forEachJson(visit: (text: string) => void): void;
  /**
   * Optional: the same lines written straight into the file's buffer (see LineWriter), for a
   * list whose lines cost more to make as texts than to write (100,000 out-of-window entries).
   */
  writeJsonLines?(out: LineWriter): void;
}

/**
 * A file's buffer, for JsonLines.writeJsonLines: call `line(bytes)` before each line, then
 * write at most that many bytes of it into `buffer` from `at` (and move `at` past them), or
 * append text with `put`.
 */
export interface LineWriter {
  readonly buffer: Buffer;
  at: number;
  line(bytes: number): void;
  put(text: string): void;
}

/** Where the JSON text goes, piece by piece; a file's sink can also take lines as bytes. */
interface Sink {
  put(text: string): void;
  lines?: LineWriter & { begin(): void };
}

/**
 * The report layout of an object, in pieces: `JSON.stringify(value, null, 2)`, except that an
 * element of a top-level array that is a flat object (only strings, numbers, booleans and null,
 * such as a `considered` entry) takes one line, as `JSON.stringify(element)`: one file per line,
 * easy to grep, and half the bytes of the indented form at 100,000 files. A report with 100,000
 * `considered` entries is never one long string, which alone would put a large build over its
 * memory budget. tests/scale checks the layout against JSON.stringify.
 */
export function jsonPieces(value: Record<string, unknown>, lines: Record<string, JsonLines> = {}): string[] {
  const pieces: string[] = [];
  writeJson(value, { put: (text) => pieces.push(text) }, lines);
  return pieces;
}

/** The report layout of `value` (see jsonPieces) as one text, with a final newline. */
export function reportJson(value: Record<string, unknown>, lines: Record<string, JsonLines> = {}): string {
  return `${jsonPieces(value, lines).join('')}\n`;
}

/**
 * Write the report layout of `value` (see jsonPieces) and a final newline to `path`, through one
 * reused buffer. Synchronous: the writes go to the page cache, and a build waits for them anyway.
 */
export function writeJsonFile(
  path: string,
  value: Record<string, unknown>,
  lines: Record<string, JsonLines> = {},
): void {
  const fd = openSync(path, 'w');
  try {
    const file = new FileSink(fd);
    writeJson(value, file, lines);
    file.put('\n');
    file.flush();
  } finally {
    closeSync(fd);
  }
}

/** Text and lines into one reused buffer, handed to the file as it fills. */
class FileSink implements Sink, LineWriter {
  buffer = Buffer.allocUnsafe(CHUNK_BYTES);
  at = 0;
  readonly lines = this;
  private readonly fd: number;
  private first = true;

  constructor(fd: number) {
    this.fd = fd;
  }

  put(text: string): void {
    // At most 3 bytes per UTF-16 unit: no need to measure the text first.
    this.room(text.length * 3);
    this.at += this.buffer.write(text, this.at);
  }

  /** The next list of lines starts: its first line has no separator before it. */
  begin(): void {
    this.first = true;
  }

  line(bytes: number): void {
    this.room(bytes + LINE_START.length);
    const start = this.first ? FIRST_LINE_START : LINE_START;
    this.buffer.set(start, this.at);
    this.at += start.length;
    this.first = false;
  }

  flush(): void {
    for (let done = 0; done < this.at; ) done += writeSync(this.fd, this.buffer, done, this.at - done);
    this.at = 0;
  }

  /** Room for `bytes` more bytes: flush when they do not fit, grow when the buffer is too small. */
  private room(bytes: number): void {
    if (this.at + bytes <= this.buffer.length) return;
    this.flush();
    if (bytes > this.buffer.length) this.buffer = Buffer.allocUnsafe(bytes);
  }
}

// A line of a `lines` list: indented, after the previous line's comma.
const FIRST_LINE_START = Buffer.from('    ');
const LINE_START = Buffer.from(',\n    ');

/** What JSON.stringify leaves out of an object: undefined, functions, symbols, and a toJSON giving undefined. */
function omitted(v: unknown): boolean {
  if (v === undefined || typeof v === 'function' || typeof v === 'symbol') return true;
  const toJSON = (v as { toJSON?: unknown } | null)?.toJSON;
  return typeof toJSON === 'function' && omitted(toJSON.call(v));
}

/**
 * The report layout of an object (see jsonPieces), handed to `sink` in pieces; a key of `lines`
 * is written from that JsonLines, and its value in `value` is never read.
 */
function writeJson(value: Record<string, unknown>, sink: Sink, lines: Record<string, JsonLines>): void {
  // The keys JSON.stringify would keep, decided without stringifying each value (one of them is a
  // 100,000-entry list).
  const keys = Object.keys(value).filter((k) => Object.hasOwn(lines, k) || !omitted(value[k]));
  if (keys.length === 0) {
    sink.put('{}');
    return;
  }
  sink.put('{\n');
  for (const [i, key] of keys.entries()) {
    sink.put(`  ${JSON.stringify(key)}: `);
    const list = Object.hasOwn(lines, key) ? lines[key] : undefined;
    if (list) {
      if (list.length === 0) sink.put('[]');
      else if (list.writeJsonLines && sink.lines) {
        sink.put('[\n');
        sink.lines.begin();
        list.writeJsonLines(sink.lines);
        sink.put('\n  ]');
      } else {
        sink.put('[\n');
        let j = 0;
        list.forEachJson((text) => sink.put(`    ${text}${++j < list.length ? ',\n' : '\n'}`));
        sink.put('  ]');
      }
      sink.put(i < keys.length - 1 ? ',\n' : '\n');
      continue;
    }
    const v = value[key];
    if (Array.isArray(v) && v.length > 0) {
      sink.put('[\n');
      for (let j = 0; j < v.length; j++) {
        const end = j < v.length - 1 ? ',\n' : '\n';
        // Inside a JSON text every newline is indentation (newlines in strings are escaped).
        const text = flatObject(v[j]) ?? (JSON.stringify(v[j], null, 2) ?? 'null').replace(/\n/g, '\n    ');
        sink.put(`    ${text}${end}`);
      }
      sink.put('  ]');
    } else {
      sink.put((JSON.stringify(v, null, 2) as string).replace(/\n/g, '\n  '));
    }
    sink.put(i < keys.length - 1 ? ',\n' : '\n');
  }
  sink.put('}');
}

/**
 * A plain object whose values are all strings, finite numbers, booleans or null (what a
 * `considered` entry is), as one line of JSON, made without JSON.stringify of the whole
 * object: over 100,000 entries that costs several times more. Undefined for anything else.
 */
function flatObject(v: unknown): string | undefined {
  if (
    typeof v !== 'object' ||
    v === null ||
    Array.isArray(v) ||
    Object.getPrototypeOf(v) !== Object.prototype
  ) {
    return undefined;
  }
  let text = '';
  for (const key in v) {
    const item = (v as Record<string, unknown>)[key];
    if (item === undefined) continue;
    let value: string;
    if (typeof item === 'string') value = quoted(item);
    else if (
      typeof item === 'boolean' ||
      item === null ||
      (typeof item === 'number' && Number.isFinite(item))
    ) {
      value = String(item);
    } else return undefined;
    text += `${text === '' ? '' : ','}${quotedKey(key)}:${value}`;
  }
  return `{${text}}`;
}

// What JSON.stringify would escape in a string (controls, quote, backslash, any surrogate).
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are exactly the characters JSON must escape
const NEEDS_ESCAPE = /[\u0000-\u001f"\\\ud800-\udfff]/;

/** Whether JSON.stringify(text) is anything but `text` between quotes. */
export function needsJsonEscape(text: string): boolean {
  return NEEDS_ESCAPE.test(text);
}

function quoted(text: string): string {
  return NEEDS_ESCAPE.test(text) ? JSON.stringify(text) : `"${text}"`;
}

// An entry's few keys, quoted once.
const quotedKeys = new Map<string, string>();
function quotedKey(key: string): string {
  let text = quotedKeys.get(key);
  if (text === undefined) {
    text = JSON.stringify(key);
    if (quotedKeys.size < 1000) quotedKeys.set(key, text);
  }
  return text;
}
