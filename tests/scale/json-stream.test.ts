import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConsideredList } from '../../src/considered-list.js';
import { isoTime, OutsideWindow, writeIsoTime } from '../../src/content/index.js';
import { jsonPieces, writeJsonFile } from '../../src/json-stream.js';
import type { Considered } from '../../src/types.js';
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

describe('the considered list written from columns', () => {
  const window = { since: Date.parse('2026-03-09T05:00:00Z'), until: Date.parse('2026-03-10T05:00:00Z') };
  // In path order, as a load lists them.
  const outsidePaths = [
    'a/1.md',
    'b/quote".md',
    'b/back\\slash.md',
    'c/zürich-😀.md',
    'd/2.md',
    'f/3.md',
  ].sort();
  const others: Considered[] = [
    { path: '0-first.md', status: 'invalid', reason: 'title: missing' },
    { path: 'b/included.md', status: 'included', reason: 'item 1', title: 'A "title"', quality: 5 },
    { path: 'e/merged.md', status: 'merged', reason: 'same story', mergedInto: 'https://x.example/1' },
    { path: 'z-last.md', status: 'invalid', reason: 'bad' },
  ];
  const list = () => {
    const outside = new OutsideWindow(window);
    outsidePaths.forEach((p, k) => {
      outside.push(p, k % 2 ? window.since - 1 - k * 86_400_123 : window.until + k * 3_600_007);
    });
    return new ConsideredList(outside, others);
  };

  it('writes the same text as the generic writer given the entries as objects', () => {
    const l = list();
    const entries = l.toArray();
    expect(entries.map((c) => c.path)).toEqual([...entries.map((c) => c.path)].sort());
    expect(entries).toHaveLength(outsidePaths.length + others.length);
    const report = { window: { since: 'x' }, considered: entries, counts: { n: 1 } };
    const file = join(temp.make('digest-json-'), 'digest.json');
    // The value under `considered` is never read when the list is given.
    writeJsonFile(file, { ...report, considered: 'not read' }, { considered: l });
    expect(readFileSync(file, 'utf8')).toBe(`${reportLayout(report)}\n`);
    expect(
      jsonPieces({ considered: [] }, { considered: new ConsideredList(new OutsideWindow(window), []) }).join(
        '',
      ),
    ).toBe(reportLayout({ considered: [] }));
  });

  it('writes many entries across the file buffer, with odd paths and times, as the generic writer', () => {
    const outside = new OutsideWindow(window);
    const paths = Array.from({ length: 30_000 }, (_, i) =>
      i % 997 === 0 ? `x/${i}-q"uote\\.md` : i % 991 === 0 ? `x/${i}-zürich-😀-\ud800.md` : `x/${i}.md`,
    ).sort();
    const times = [
      window.since - 1,
      window.until,
      window.since - 1.5,
      -62_198_755_200_000, // year -000001
      253_402_300_800_000, // year +010000
      -1,
    ];
    paths.forEach((p, k) => {
      outside.push(p, times[k % times.length] as number);
    });
    const l = new ConsideredList(outside, others);
    const report = { considered: l.toArray(), after: [1] };
    const file = join(temp.make('digest-json-'), 'digest.json');
    writeJsonFile(file, { considered: 'not read', after: [1] }, { considered: l });
    expect(readFileSync(file, 'utf8')).toBe(`${reportLayout(report)}\n`);
  });

  it('counts statuses without making the entries', () => {
    const l = list();
    expect(l.count('outOfWindow')).toBe(outsidePaths.length);
    expect(l.count('invalid')).toBe(2);
    expect(l.length).toBe(outsidePaths.length + others.length);
  });

  it('isoTime and writeIsoTime are toISOString for whole milliseconds, before 1970 and across leap days too', () => {
    const samples = [
      0, -1, 951_782_400_000, 951_868_799_999, 1_709_164_800_000, -62_135_596_800_000, 253_402_300_799_999,
    ];
    for (let k = 0; k < 2000; k++) samples.push(Math.floor((Math.sin(k * 7.1) + 1) * 2e12) - 1e12);
    const bytes = Buffer.alloc(40);
    for (const ms of samples) {
      expect(isoTime(ms), String(ms)).toBe(new Date(ms).toISOString());
      const end = writeIsoTime(ms, bytes, 3);
      expect(bytes.toString('latin1', 3, end), String(ms)).toBe(new Date(ms).toISOString());
    }
    expect(isoTime(0.5)).toBe(new Date(0.5).toISOString());
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
