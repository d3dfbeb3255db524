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
  ])('%s: the pieces join to JSON.stringify(value, null, 2)', (_name, value) => {
    expect([...jsonPieces(value as Record<string, unknown>)].join('')).toBe(JSON.stringify(value, null, 2));
  });

  it('writes a large report file equal to JSON.stringify with a final newline', () => {
    const considered = Array.from({ length: 20_000 }, (_, i) => ({
      path: `section/${i}.md`,
      status: 'outOfWindow',
      reason: 'published outside ...',
      publishedAt: new Date(i * 1000).toISOString(),
    }));
    const report = { window: { since: 'a' }, items: [], considered, counts: { files: considered.length } };
    const file = join(temp.make('digest-json-'), 'digest.json');
    writeJsonFile(file, report);
    expect(readFileSync(file, 'utf8')).toBe(`${JSON.stringify(report, null, 2)}\n`);
  });
});
