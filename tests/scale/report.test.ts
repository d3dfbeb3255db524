import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isoTime, OutsideWindow, outOfWindow } from '../../src/content/index.js';
import { buildReport, outOfWindowJson, reportText, writeReportFile } from '../../src/report/index.js';
import type { Article, Considered, DigestWindow } from '../../src/types.js';
import { tempDirs } from './_helpers.js';

const temp = tempDirs();
afterAll(() => temp.cleanup());

const window: DigestWindow = {
  since: Date.parse('2026-03-09T05:00:00Z'),
  until: Date.parse('2026-03-10T05:00:00Z'),
  timeZone: 'America/New_York',
  date: '2026-03-09',
};
// Times that are hard to write: before 1970, years outside 0000-9999, a fraction of a ms.
const TIMES = [
  window.since - 1,
  window.until,
  window.since - 1.5,
  -62_198_755_200_000, // year -000001
  253_402_300_800_000, // year +010000
  -1,
];
const ODD_PATHS = ['b/quote".md', 'b/back\\slash.md', 'c/zürich-😀.md', 'c/lone-\ud800.md', 'c/tab\t.md'];

const lead: Article = {
  path: 'b/included.md',
  title: 'A "title"\nwith a newline',
  excerpt: '',
  publishedMs: window.since + 3_600_000,
  webUrl: 'https://x.example/1',
  quality: 5,
  heat: 2,
  type: 'article',
  provider: { name: 'X', domain: 'x.example' },
  topics: [],
  images: [],
  related: [],
};
// In path order, as a load leaves them.
const invalid: Considered[] = [
  { path: '0-first.md', status: 'invalid', reason: 'title: missing' },
  { path: 'z-last.md', status: 'invalid', reason: 'bad' },
];
// In any order, as the select stage leaves them.
const selected: Considered[] = [
  { path: 'e/merged.md', status: 'merged', reason: 'same story', mergedInto: 'https://x.example/1' },
  { path: 'b/included.md', status: 'included', reason: 'item 1', title: lead.title, quality: 5 },
];

function report(paths: string[]) {
  const outside = new OutsideWindow(window);
  [...paths].sort().forEach((p, k) => {
    outside.push(p, TIMES[k % TIMES.length] as number);
  });
  return buildReport({
    window,
    selection: {
      window,
      items: [{ lead, alsoCoveredBy: [], related: [], rankedBy: '1 outlet' }],
      considered: selected,
    },
    trimmed: ['related links of item 1'],
    outside,
    invalid,
    files: paths.length + invalid.length + selected.length,
    sizeBudget: 102_400,
  });
}

describe('the report', () => {
  it('is JSON.stringify(report, null, 2) with one line per considered entry, in path order', () => {
    const r = report(['a/1.md', ...ODD_PATHS, 'd/2.md', 'f/3.md']);
    const text = reportText(r);
    expect(text).toBe(`${reportLayout(r.toJSON())}\n`);
    const parsed = JSON.parse(text);
    expect(parsed).toEqual(JSON.parse(JSON.stringify(r)));
    const paths = parsed.considered.map((c: Considered) => c.path);
    expect(paths).toEqual([...paths].sort());
    expect(paths).toHaveLength(8 + invalid.length + selected.length);
    expect(parsed.window).toEqual({
      since: '2026-03-09T05:00:00.000Z',
      until: '2026-03-10T05:00:00.000Z',
      timeZone: 'America/New_York',
      date: '2026-03-09',
    });
    expect(parsed.items[0]).toMatchObject({
      path: 'b/included.md',
      rankedBy: '1 outlet',
      publishedAt: '2026-03-09T06:00:00.000Z',
    });
  });

  it('counts the statuses of the considered entries', () => {
    const { counts } = report(['a/1.md', 'd/2.md', 'f/3.md']);
    expect(counts).toEqual({
      files: 7,
      inWindow: 2,
      items: 1,
      merged: 1,
      overProviderCap: 0,
      belowTop: 0,
      invalid: 2,
      excludedByTopic: 0,
      trimmedForSize: 0,
    });
  });

  it('writes the same text to a file, across its chunks, for 30,000 entries with odd paths', () => {
    const paths = Array.from({ length: 30_000 }, (_, i) =>
      i % 997 === 0 ? `x/${i}-${ODD_PATHS[i % 5]}` : `x/${i}.md`,
    );
    const r = report(paths);
    const file = join(temp.make('digest-json-'), 'digest.json');
    writeReportFile(file, r);
    const text = readFileSync(file, 'utf8');
    expect(text).toBe(reportText(r));
    expect(text).toBe(`${reportLayout(r.toJSON())}\n`);
    expect(text.split('\n').length).toBeGreaterThan(30_000);
  });

  it('writes an empty considered list as []', () => {
    const r = buildReport({
      window,
      selection: { window, items: [], considered: [] },
      trimmed: [],
      outside: new OutsideWindow(window),
      invalid: [],
      files: 0,
      sizeBudget: 1,
    });
    expect(reportText(r)).toBe(`${JSON.stringify(r, null, 2)}\n`);
    expect(reportText(r)).toContain('"considered": [],');
  });

  it('writes a plain DigestReport (no columns) in the same layout', () => {
    const r = report(['a/1.md', ...ODD_PATHS]);
    expect(reportText(r.toJSON())).toBe(reportText(r));
    expect(reportText({ ...r.toJSON(), subject: undefined } as never)).not.toContain('"subject"');
  });

  it.each([
    ['a/1.md', window.since - 1],
    ['a/1.md', window.until],
    ...ODD_PATHS.map((p, k): [string, number] => [p, TIMES[k] as number]),
  ])('the out-of-window line of %s at %d is JSON.stringify of its entry', (path, ms) => {
    expect(outOfWindowJson(path, ms, window)).toBe(JSON.stringify(outOfWindow(path, ms, window)));
  });

  it('isoTime is toISOString, before 1970, across leap days and for a fraction of a ms', () => {
    const samples = [
      0, -1, 951_782_400_000, 951_868_799_999, 1_709_164_800_000, -62_135_596_800_000, 253_402_300_799_999,
      -62_198_755_200_000, 253_402_300_800_000, 0.5, -1.5,
    ];
    for (let k = 0; k < 2000; k++) samples.push(Math.floor((Math.sin(k * 7.1) + 1) * 2e12) - 1e12);
    for (const ms of samples) expect(isoTime(ms), String(ms)).toBe(new Date(ms).toISOString());
  });
});

/**
 * The layout the writer must produce, made another way: JSON.stringify(value, null, 2) with
 * each `considered` entry swapped for a marker, then each marker for the entry's one-line JSON.
 */
function reportLayout(value: object): string {
  const lines: string[] = [];
  const marked = {
    ...value,
    considered: (value as { considered: Considered[] }).considered.map(
      (el) => `\u0000line${lines.push(JSON.stringify(el)) - 1}\u0000`,
    ),
  };
  return JSON.stringify(marked, null, 2).replace(
    /"\\u0000line(\d+)\\u0000"/g,
    (_m, i: string) => lines[Number(i)] as string,
  );
}
