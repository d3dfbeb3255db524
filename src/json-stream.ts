import { closeSync, openSync, writeSync } from 'node:fs';

// Bytes handed to the file at a time.
const CHUNK_BYTES = 1 << 20;

/** Where the JSON text goes, piece by piece. */
interface Sink {
  put(text: string): void;
}

/**
 * The text of `JSON.stringify(value, null, 2)` for an object, in pieces. A report with 100,000
 * `considered` entries is never one 30 MB string (plus its 30 MB of bytes), which alone would
 * put a large build over its memory budget. tests/scale checks that the joined pieces equal
 * JSON.stringify's output.
 */
export function jsonPieces(value: Record<string, unknown>): string[] {
  const pieces: string[] = [];
  writeJson(value, { put: (text) => pieces.push(text) });
  return pieces;
}

/**
 * Write `JSON.stringify(value, null, 2) + '\n'` to `path` through one reused buffer (see
 * jsonPieces). Synchronous: the writes go to the page cache, and a build waits for them anyway.
 */
export function writeJsonFile(path: string, value: Record<string, unknown>): void {
  const fd = openSync(path, 'w');
  try {
    let buffer = Buffer.allocUnsafe(CHUNK_BYTES);
    let used = 0;
    const flush = () => {
      for (let at = 0; at < used; ) at += writeSync(fd, buffer, at, used - at);
      used = 0;
    };
    writeJson(value, {
      put(text) {
        // At most 3 bytes per UTF-16 unit: no need to measure the text first.
        if (used + text.length * 3 > buffer.length) {
          flush();
          if (text.length * 3 > buffer.length) buffer = Buffer.allocUnsafe(text.length * 3);
        }
        used += buffer.write(text, used);
      },
    });
    flush();
    writeSync(fd, '\n');
  } finally {
    closeSync(fd);
  }
}

/** JSON.stringify(value, null, 2) for an object, handed to `sink` in pieces. */
function writeJson(value: Record<string, unknown>, sink: Sink): void {
  const keys = Object.keys(value).filter((k) => JSON.stringify(value[k]) !== undefined);
  if (keys.length === 0) {
    sink.put('{}');
    return;
  }
  sink.put('{\n');
  for (const [i, key] of keys.entries()) {
    const v = value[key];
    sink.put(`  ${JSON.stringify(key)}: `);
    if (Array.isArray(v) && v.length > 0) {
      sink.put('[\n');
      for (let j = 0; j < v.length; j++) {
        sink.put('    ');
        if (!putFlatObject(v[j], sink)) {
          // Inside a JSON text every newline is indentation (newlines in strings are escaped).
          sink.put((JSON.stringify(v[j], null, 2) ?? 'null').replace(/\n/g, '\n    '));
        }
        sink.put(j < v.length - 1 ? ',\n' : '\n');
      }
      sink.put('  ]');
    } else {
      sink.put((JSON.stringify(v, null, 2) as string).replace(/\n/g, '\n  '));
    }
    sink.put(i < keys.length - 1 ? ',\n' : '\n');
  }
  sink.put('}');
}

// What JSON.stringify would escape in a string (controls, quote, backslash, any surrogate).
const NEEDS_ESCAPE = /[\u0000-\u001f"\\\ud800-\udfff]/;

/**
 * A plain object whose values are all strings, finite numbers, booleans or null (what a
 * `considered` entry is), written at depth 2 without stringifying it as a whole: over 100,000
 * entries the generic stringify-then-reindent costs several times more. False (nothing written)
 * for anything else.
 */
function putFlatObject(v: unknown, sink: Sink): boolean {
  if (
    typeof v !== 'object' ||
    v === null ||
    Array.isArray(v) ||
    Object.getPrototypeOf(v) !== Object.prototype
  ) {
    return false;
  }
  const entries = Object.entries(v).filter(([, item]) => item !== undefined);
  for (const [, item] of entries) {
    const type = typeof item;
    if (
      type !== 'string' &&
      type !== 'boolean' &&
      item !== null &&
      !(type === 'number' && Number.isFinite(item))
    ) {
      return false;
    }
  }
  if (entries.length === 0) {
    sink.put('{}');
    return true;
  }
  sink.put('{');
  for (const [k, [key, item]] of entries.entries()) {
    sink.put(k === 0 ? '\n      ' : ',\n      ');
    putString(key, sink);
    sink.put(': ');
    if (typeof item === 'string') putString(item, sink);
    else sink.put(JSON.stringify(item));
  }
  sink.put('\n    }');
  return true;
}

function putString(text: string, sink: Sink): void {
  if (NEEDS_ESCAPE.test(text)) {
    sink.put(JSON.stringify(text));
    return;
  }
  sink.put('"');
  sink.put(text);
  sink.put('"');
}
