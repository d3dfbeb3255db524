import { open } from 'node:fs/promises';

// Bytes handed to the file at a time.
const CHUNK_BYTES = 1 << 20;

/**
 * The text of `JSON.stringify(value, null, 2)` for an object, in pieces: each element of a
 * top-level array is stringified on its own. A report with 100,000 `considered` entries is never
 * one 30 MB string (plus its 30 MB of bytes), which alone would put a large build over its
 * memory budget. tests/scale checks that the joined pieces equal JSON.stringify's output.
 */
export function* jsonPieces(value: Record<string, unknown>): Generator<string> {
  const keys = Object.keys(value).filter((k) => JSON.stringify(value[k]) !== undefined);
  if (keys.length === 0) {
    yield '{}';
    return;
  }
  yield '{\n';
  for (const [i, key] of keys.entries()) {
    const v = value[key];
    const head = `  ${JSON.stringify(key)}: `;
    const tail = i < keys.length - 1 ? ',\n' : '\n';
    if (Array.isArray(v) && v.length > 0) {
      yield `${head}[\n`;
      for (let j = 0; j < v.length; j++) {
        yield `    ${element(v[j])}${j < v.length - 1 ? ',\n' : '\n'}`;
      }
      yield `  ]${tail}`;
    } else {
      yield `${head}${(JSON.stringify(v, null, 2) as string).replace(/\n/g, '\n  ')}${tail}`;
    }
  }
  yield '}';
}

/** One array element as JSON.stringify(v, null, 2) would print it at depth 2. */
function element(v: unknown): string {
  const flat = flatObject(v);
  if (flat !== undefined) return flat;
  // Inside a JSON text every newline is indentation (newlines in strings are escaped).
  return (JSON.stringify(v, null, 2) ?? 'null').replace(/\n/g, '\n    ');
}

/**
 * A plain object whose values are all strings, finite numbers, booleans or null (what a
 * `considered` entry is), printed directly: the generic path's stringify-then-reindent costs
 * several times more over 100,000 entries. Undefined for anything else.
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
  let out = '';
  for (const key in v) {
    const item = (v as Record<string, unknown>)[key];
    if (item === undefined) continue;
    const type = typeof item;
    if (
      type !== 'string' &&
      type !== 'boolean' &&
      item !== null &&
      !(type === 'number' && Number.isFinite(item))
    ) {
      return undefined;
    }
    out += `${out === '' ? '' : ','}\n      ${JSON.stringify(key)}: ${JSON.stringify(item)}`;
  }
  return out === '' ? '{}' : `{${out}\n    }`;
}

/** Write `JSON.stringify(value, null, 2) + '\n'` to `path` piece by piece (see jsonPieces). */
export async function writeJsonFile(path: string, value: Record<string, unknown>): Promise<void> {
  const handle = await open(path, 'w');
  try {
    // Pieces are copied into one buffer as they come, so no piece outlives its moment.
    let buffer = Buffer.allocUnsafe(CHUNK_BYTES);
    let used = 0;
    const flush = async () => {
      if (used > 0) await handle.write(buffer, 0, used);
      used = 0;
    };
    for (const piece of jsonPieces(value)) {
      const need = Buffer.byteLength(piece);
      if (used + need > buffer.length) {
        await flush();
        if (need > buffer.length) buffer = Buffer.allocUnsafe(need);
      }
      used += buffer.write(piece, used);
    }
    if (used + 1 > buffer.length) await flush();
    used += buffer.write('\n', used);
    await flush();
  } finally {
    await handle.close();
  }
}
