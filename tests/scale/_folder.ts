import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeSampleContent } from '../../src/sample/index.js';

/** Files a generator would not write: every date form, and the cases the cheap look must leave alone. */
export const TRICKY: [string, string][] = [
  // The name carries another day than publishedDateTime.
  ['tricky/2026-03-01-named-early.md', front('publishedDateTime: 2026-03-09T15:00:00Z')],
  ['tricky/2026-03-20-named-late.md', front('publishedDateTime: "2026-03-08T06:30:00+01:00"')],
  ['tricky/single-quoted.md', front("publishedDateTime: '2026-03-10T23:59:59-05:00'")],
  ['tricky/local-time.md', front('publishedDateTime: 2026-03-08T02:30:00')],
  // A name that is not ASCII (its UTF-8 length differs from its string length).
  ['tricky/zürich-東京-😀.md', front('publishedDateTime: 2026-03-09T11:00:00Z')],
  ['tricky/date-only.md', front('publishedDateTime: 2026-03-11')],
  ['tricky/space-form.md', front('publishedDateTime: 2026-03-12 00:00:00 +01:00 # from a feed')],
  ['tricky/crlf.md', front('publishedDateTime: 2026-03-09T00:00:00Z').replace(/\n/g, '\r\n')],
  ['tricky/bom.md', `\uFEFF${front('publishedDateTime: 2026-03-09T12:00:00Z')}`],
  // Valid, but only a full parse can tell the date.
  ['tricky/folded.md', front('publishedDateTime: 2026-03-09\n  10:00:00Z')],
  ['tricky/quoted-key.md', front('"publishedDateTime": 2026-03-10T10:00:00Z')],
  ['tricky/next-line.md', front('publishedDateTime:\n  2026-03-11T10:00:00Z')],
  ['tricky/escaped.md', front('publishedDateTime: "2026-03-1\\x32T10:00:00Z"')],
  [
    'tricky/nested-first.md',
    front(
      'related:\n  - title: "R"\n    webUrl: "https://example.com/r"\n    publishedDateTime: 2020-01-01\npublishedDateTime: 2026-03-09T09:00:00Z',
    ),
  ],
  // Invalid: reported when in the window or undatable, not validated when clearly outside.
  [
    'broken/in-window-no-title.md',
    '---\nwebUrl: "https://example.com/x"\npublishedDateTime: 2026-03-09T10:00:00Z\n---\n',
  ],
  ['broken/old-bad-yaml.md', '---\ntitle: "Old\npublishedDateTime: 2025-01-01T10:00:00Z\nwebUrl: [\n---\n'],
  // A duplicate key: YAML refuses the file; reported when its first date is in the window.
  [
    'broken/twice-in-window.md',
    front('publishedDateTime: 2026-03-09T10:00:00Z\npublishedDateTime: 2026-03-09T11:00:00Z'),
  ],
  [
    'broken/twice-old.md',
    front('publishedDateTime: 2025-03-09T10:00:00Z\npublishedDateTime: 2026-03-09T11:00:00Z'),
  ],
  ['broken/no-date.md', '---\ntitle: "No date"\nwebUrl: "https://example.com/n"\n---\n'],
  ['broken/bad-date.md', front('publishedDateTime: someday')],
  ['broken/empty.md', ''],
];
const HUGE = `${front('publishedDateTime: 2026-03-09T10:00:00Z').slice(0, -4)}excerpt: "${'x'.repeat(1_100_000)}"\n---\n`;

export function front(dateLine: string): string {
  return `---\ntitle: "A tricky one"\nwebUrl: "https://example.com/${Math.abs(hash(dateLine))}"\n${dateLine}\nquality: 50\n---\n`;
}

function hash(text: string): number {
  let h = 7;
  for (const c of text) h = (h * 31 + (c.codePointAt(0) as number)) | 0;
  return h;
}

/** Fill `dir` with a generated folder over the US and EU daylight-saving changes, plus the tricky files. */
export async function generatedFolder(dir: string, count = 400): Promise<string> {
  await writeSampleContent(dir, { count, days: 10, start: '2026-03-04', seed: 7 });
  for (const [path, text] of TRICKY) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  writeFileSync(join(dir, 'broken/huge.md'), HUGE);
  writeFileSync(
    join(dir, 'broken/latin1.md'),
    Buffer.from(`${front('publishedDateTime: 2026-03-09T10:00:00Z')}# caf\xe9\n`, 'latin1'),
  );
  return dir;
}
