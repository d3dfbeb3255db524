import { describe, expect, it } from 'vitest';
import {
  AFTER_WINDOW,
  allTime,
  BEFORE_WINDOW,
  classify,
  inWindow,
  outsideReason,
  sameStamp,
} from '../../src/content/index.js';

/** 2026-03-09 in UTC. */
const DAY = {
  since: Date.parse('2026-03-09T00:00:00Z'),
  until: Date.parse('2026-03-10T00:00:00Z'),
  timeZone: 'UTC',
};

const file = (date: string, title = '"T"') =>
  Buffer.from(`---\ntitle: ${title}\nwebUrl: https://example.com/a\npublishedDateTime: ${date}\n---\nBody\n`);

describe('the window test', () => {
  it.each([
    ['2026-03-08T23:59:59.999Z', false, BEFORE_WINDOW],
    ['2026-03-09T00:00:00.000Z', true, undefined],
    ['2026-03-09T23:59:59.999Z', true, undefined],
    ['2026-03-10T00:00:00.000Z', false, AFTER_WINDOW],
  ])('%s: inside %s, reason %s', (iso, inside, reason) => {
    expect(inWindow(Date.parse(iso), DAY)).toBe(inside);
    expect(outsideReason(Date.parse(iso), DAY)).toBe(reason);
  });

  it('all time holds every instant a Date can', () => {
    expect(inWindow(-8.64e15, allTime('UTC'))).toBe(true);
    expect(inWindow(8.64e15 - 1, allTime('UTC'))).toBe(true);
  });
});

describe('classify: one file, literal bytes in, outcome out', () => {
  it('an article in the window: parsed in full', () => {
    const { outcome, cheap, parsed } = classify('a.md', file('2026-03-09T12:00:00Z'), DAY);
    expect(outcome).toMatchObject({
      path: 'a.md',
      title: 'T',
      publishedMs: Date.parse('2026-03-09T12:00:00Z'),
    });
    expect(cheap).toEqual({
      text: '2026-03-09T12:00:00Z',
      ms: Date.parse('2026-03-09T12:00:00Z'),
      zoned: false,
    });
    expect(parsed).toBeDefined();
  });

  it('a file dated outside the window: decided by the cheap look alone, not validated', () => {
    // No title: invalid, but dated last year, so a daily build does not report it.
    const { outcome, parsed } = classify('old.md', file('2025-03-09T12:00:00Z', ''), DAY);
    expect(outcome).toEqual({
      path: 'old.md',
      status: 'outOfWindow',
      reason: BEFORE_WINDOW,
      publishedAt: '2025-03-09T12:00:00.000Z',
    });
    expect(parsed).toBeUndefined();
  });

  it('an invalid file in the window is a problem', () => {
    const { outcome } = classify('bad.md', file('2026-03-09T12:00:00Z', ''), DAY);
    expect(outcome).toMatchObject({ path: 'bad.md', field: 'title', message: 'is missing' });
  });

  it("a date-only value is midnight in the window's zone", () => {
    const tokyo = {
      since: Date.parse('2026-03-08T15:00:00Z'),
      until: Date.parse('2026-03-09T15:00:00Z'),
      timeZone: 'Asia/Tokyo',
    };
    const { outcome, cheap } = classify('d.md', file('2026-03-09'), tokyo);
    expect(cheap).toEqual({ text: '2026-03-09', ms: Date.parse('2026-03-08T15:00:00Z'), zoned: true });
    expect(outcome).toMatchObject({ publishedMs: Date.parse('2026-03-08T15:00:00Z') });
    // The same bytes where the day starts 5 hours earlier (UTC+14): before Tokyo's 9 March.
    expect(
      classify('d.md', file('2026-03-09'), { ...tokyo, timeZone: 'Pacific/Kiritimati' }).outcome,
    ).toEqual({
      path: 'd.md',
      status: 'outOfWindow',
      reason: BEFORE_WINDOW,
      publishedAt: '2026-03-08T10:00:00.000Z',
    });
  });
});

describe('sameStamp: one file version', () => {
  const stamp = { size: 10, mtimeMs: 1000, ctimeMs: 1000, ino: 7 };
  it.each([
    ['the same', {}, true],
    ['another size', { size: 11 }, false],
    ['another mtime', { mtimeMs: 1001 }, false],
    ['another ctime (times set back)', { ctimeMs: 2000 }, false],
    ['another inode (replaced)', { ino: 8 }, false],
  ])('%s: %s', (_name, change, same) => {
    expect(sameStamp(stamp, { ...stamp, ...change })).toBe(same);
  });
});
