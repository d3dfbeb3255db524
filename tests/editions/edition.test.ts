import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/index.js';
import {
  addDays,
  archivePath,
  type Edition,
  editionId,
  editionKey,
  editionOutDir,
  editionRequest,
  editionsDue,
  normalizeTopics,
  parseArchivePath,
  parseEditionKey,
  parseWeekday,
  type Reader,
  weekdayOf,
} from '../../src/editions/index.js';
import { editionScheduleKey } from '../../src/schedule/index.js';

const daily: Edition = { frequency: 'daily', topics: [] };
const weekly: Edition = { frequency: 'weekly', topics: [] };
const topical: Edition = { frequency: 'daily', topics: ['ai', 'science'] };
const weeklyTopical: Edition = { frequency: 'weekly', topics: ['c++', 'ai'] };

describe('edition names and keys', () => {
  it.each([
    [daily, 'daily', 'day:2020-09-13@America/New_York', undefined, '2020-09-13', 'daily'],
    [
      topical,
      'daily#topics=ai+science',
      'day:2020-09-13@America/New_York#topics=ai+science',
      'editions/daily-topics-ai-science',
      '2020-09-13',
      'edition:daily#topics=ai+science',
    ],
    [
      weekly,
      'weekly',
      'week:2020-09-13@America/New_York',
      'editions/weekly',
      'week-2020-09-13',
      'edition:weekly',
    ],
    [
      weeklyTopical,
      'weekly#topics=c%2B%2B+ai',
      'week:2020-09-13@America/New_York#topics=c%2B%2B+ai',
      'editions/weekly-topics-c-2b-2b-ai',
      'week-2020-09-13',
      'edition:weekly#topics=c%2B%2B+ai',
    ],
  ])('%j: id %s, key %s, files %s, archive %s, runs %s', (edition, id, key, out, archive, schedule) => {
    expect(editionId(edition)).toBe(id);
    expect(editionKey(edition, '2020-09-13', 'America/New_York')).toBe(key);
    expect(parseEditionKey(key)).toEqual({ edition, date: '2020-09-13', timeZone: 'America/New_York' });
    expect(editionOutDir(edition)).toBe(out);
    expect(archivePath(edition, '2020-09-13')).toBe(archive);
    expect(parseArchivePath(archive)).toEqual({ frequency: edition.frequency, date: '2020-09-13' });
    expect(editionScheduleKey(id)).toBe(schedule);
  });

  it('reads no edition from a range key', () => {
    expect(parseEditionKey('range:2020-09-13T00:00:00.000Z..2020-09-14T00:00:00.000Z')).toBeUndefined();
  });

  it.each([
    [
      ['Science', ' AI ', 'science', ''],
      ['ai', 'science'],
    ],
    [[], []],
  ])('topics %j are the set %j', (topics, set) => {
    expect(normalizeTopics(topics)).toEqual(set);
  });
});

describe('calendar helpers', () => {
  it.each([
    ['2020-09-14', 1],
    ['2020-09-13', 7],
    ['2024-02-29', 4],
  ])('%s is ISO weekday %i', (date, day) => {
    expect(weekdayOf(date)).toBe(day);
  });

  it.each([
    ['2020-09-13', -6, '2020-09-07'],
    ['2020-03-01', -1, '2020-02-29'],
    ['2020-12-31', 1, '2021-01-01'],
  ])('%s %i days is %s', (date, days, to) => {
    expect(addDays(date, days)).toBe(to);
  });

  it.each([
    ['mon', 1],
    ['Monday', 1],
    ['THU', 4],
    ['thurs', 4],
    ['7', 7],
    ['sunday', 7],
    ['mo', undefined],
    ['funday', undefined],
    ['8', undefined],
  ])('weekday %j is %j', (name, day) => {
    expect(parseWeekday(name)).toBe(day);
  });
});

describe('which reader gets which edition on a send date', () => {
  const readers: Reader[] = [
    { id: 1, topics: [], status: 'active' },
    { id: 2, topics: ['Science', 'AI'], status: 'active', frequency: 'daily' },
    { id: 3, topics: ['ai', 'science'], status: 'active', frequency: 'daily' },
    { id: 4, topics: [], status: 'active', frequency: 'weekly', weekday: null },
    { id: 5, topics: [], status: 'active', frequency: 'weekly', weekday: 3 },
    { id: 6, topics: [], status: 'active', frequency: 'paused' },
    { id: 7, topics: [], status: 'pending' },
    { id: 8, topics: [], status: 'unsubscribed', frequency: 'weekly' },
  ];
  const due = (date: string, weekday = 1) =>
    editionsDue(readers, date, weekday).map((e) => [e.id, e.readers] as const);

  it.each([
    // Monday: the default weekday (1) brings reader 4's weekly.
    [
      '2020-09-14',
      [
        ['daily', [1]],
        ['daily#topics=ai+science', [2, 3]],
        ['weekly', [4]],
      ],
    ],
    // Wednesday: reader 5's own weekday.
    [
      '2020-09-16',
      [
        ['daily', [1]],
        ['daily#topics=ai+science', [2, 3]],
        ['weekly', [5]],
      ],
    ],
    // Tuesday: no weekly; paused, pending and unsubscribed readers never.
    [
      '2020-09-15',
      [
        ['daily', [1]],
        ['daily#topics=ai+science', [2, 3]],
      ],
    ],
  ])('on %s', (date, expected) => {
    expect(due(date)).toEqual(expected);
  });
});

describe('the build request of an edition', () => {
  const config = parseConfig({ timeZone: 'America/New_York', includeTopics: ['politics'], subject: 'S' });
  const base = { config, cwd: '/x', now: new Date('2020-09-14T12:00:00Z'), date: '2020-09-13' };

  it('the plain daily is the request itself', () => {
    expect(editionRequest(base, daily, '2020-09-13')).toBe(base);
  });

  it('a topic edition filters by its topics before ranking, under the day key plus its topics', () => {
    const request = editionRequest(base, topical, '2020-09-13');
    expect(request.config.includeTopics).toEqual(['ai', 'science']);
    expect(request.date).toBe('2020-09-13');
    expect(request.edition).toEqual({ keySuffix: '#topics=ai+science' });
  });

  it('the weekly covers the 7 New York days to the day, with its own subject and intro', () => {
    const request = editionRequest(base, weekly, '2020-09-13');
    expect(request.date).toBeUndefined();
    expect(request.since).toBe('2020-09-07T04:00:00.000Z');
    expect(request.until).toBe('2020-09-14T04:00:00.000Z');
    expect(request.config.subject).toBe('This week in {{title}}: {{topHeadline}}');
    expect(request.config.intro).toMatch(/^This week in \{\{title\}\}/);
    expect(request.config.includeTopics).toEqual(['politics']);
    expect(request.edition).toEqual({
      digestKey: 'week:2020-09-13@America/New_York',
      date: '2020-09-13',
      archivePath: 'week-2020-09-13',
    });
  });
});
