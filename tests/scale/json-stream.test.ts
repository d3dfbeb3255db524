import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { jsonPieces, writeJsonFile } from '../../src/json-stream.js';
import { tempDirs } from './_helpers.js';

const temp = tempDirs();
afterAll(() => temp.cleanup());

describe('jsonPieces', () => {
  it.each([
    ['empty object', {}],
    ['scalars', { a: 1, b: 'two', c: null, d: true, e: -0.5 }],
    ['undefined and functions are left out', { a: undefined, b: () => 1, c: 3 }],
    ['empty arrays and objects', { a: [], b: {}, c: [[]] }],
    ['nested', { window: { since: 'x', until: 'y' }, items: [{ a: [1, 2], b: { c: 'd' } }, 2, 'three'] }],
    ['undefined in an array', { a: [1, undefined, 3] }],
    ['newlines and quotes in strings', { a: ['line\nbreak', 'quote " and \\ back'], 'key\nwith newline': 1 }],
    [
      'flat entries',
      { considered: [{ a: 'x', b: -0, c: null, d: true, e: undefined, f: NaN }, {}, { g: 1.5 }] },
    ],
    [
      'flat entries that need escapes',
      { c: [{ a: 'q"uote', b: 'back\\slash', c: 'ctl\u0001\n', d: '😀', e: 'lone \ud800', f: 'Zürich' }] },
    ],
    ['a toJSON value', { when: new Date(0), list: [new Date(1)] }],
    ['non-ASCII', { title: 'Zürich – 東京 😀' }],
  ])('%s: the pieces join to the report layout', (_name, value) => {
    const text = [...jsonPieces(value as Record<string, unknown>)].join('');
    expect(text).toBe(reportLayout(value));
    expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(value)));
  });

  it('writes a large report file in the report layout, one entry per line, with a final newline', () => {
    const considered = Array.from({ length: 20_000 }, (_, i) => ({
      path: `section/${i}.md`,
      status: 'outOfWindow',
      reason: 'published before the window',
      publishedAt: new Date(i * 1000).toISOString(),
    }));
    const report = { window: { since: 'a' }, items: [], considered, counts: { files: considered.length } };
    const file = join(temp.make('digest-json-'), 'digest.json');
    writeJsonFile(file, report);
    const text = readFileSync(file, 'utf8');
    expect(text).toBe(`${reportLayout(report)}\n`);
    expect(text).toContain(`\n    ${JSON.stringify(considered[7])},\n`);
    expect(text.split('\n')).toHaveLength(considered.length + 12);
  });
});

/**
 * The layout the writer must produce, made another way: JSON.stringify(value, null, 2) with
 * each flat-object element of a top-level array swapped for a marker, then each marker for the
 * element's one-line JSON.
 */
function reportLayout(value: Record<string, unknown>): string {
  const lines: string[] = [];
  const isFlat = (v: unknown) =>
    typeof v === 'object' &&
    v !== null &&
    !Array.isArray(v) &&
    Object.getPrototypeOf(v) === Object.prototype &&
    Object.values(v).every(
      (x) =>
        x === undefined ||
        x === null ||
        typeof x === 'string' ||
        typeof x === 'boolean' ||
        (typeof x === 'number' && Number.isFinite(x)),
    );
  const marked = Object.fromEntries(
    Object.entries(value).map(([k, v]) => [
      k,
      Array.isArray(v)
        ? v.map((el) => (isFlat(el) ? `\u0000flat${lines.push(JSON.stringify(el)) - 1}\u0000` : el))
        : v,
    ]),
  );
  return JSON.stringify(marked, null, 2).replace(
    /"\\u0000flat(\d+)\\u0000"/g,
    (_m, i: string) => lines[Number(i)] as string,
  );
}
