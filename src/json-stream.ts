import { open } from 'node:fs/promises';

// Text handed to the file at a time: large enough to keep writes few, small enough to stay out
// of the way of the heap.
const CHUNK_CHARS = 256 * 1024;

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
        // Inside a JSON text every newline is indentation (newlines in strings are escaped).
        const element = JSON.stringify(v[j], null, 2) ?? 'null';
        yield `    ${element.replace(/\n/g, '\n    ')}${j < v.length - 1 ? ',\n' : '\n'}`;
      }
      yield `  ]${tail}`;
    } else {
      yield `${head}${(JSON.stringify(v, null, 2) as string).replace(/\n/g, '\n  ')}${tail}`;
    }
  }
  yield '}';
}

/** Write `JSON.stringify(value, null, 2) + '\n'` to `path` piece by piece (see jsonPieces). */
export async function writeJsonFile(path: string, value: Record<string, unknown>): Promise<void> {
  const handle = await open(path, 'w');
  try {
    let buffer = '';
    for (const piece of jsonPieces(value)) {
      buffer += piece;
      if (buffer.length >= CHUNK_CHARS) {
        await handle.write(buffer);
        buffer = '';
      }
    }
    await handle.write(`${buffer}\n`);
  } finally {
    await handle.close();
  }
}
