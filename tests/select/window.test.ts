import { describe, expect, it } from 'vitest';
import { DigestError } from '../../src/errors.js';
import { dayWindow, localDate, previousDay, rangeWindow, selectDigest } from '../../src/select/index.js';
import { art, OPTS } from './_articles.js';

const iso = (ms: number) => new Date(ms).toISOString();
const HOUR = 3_600_000;

describe('dayWindow', () => {
  it.each([
    ['2026-01-15', 'Europe/Berlin', '2026-01-14T23:00:00.000Z', '2026-01-15T23:00:00.000Z', 24],
    ['2026-07-01', 'Europe/Berlin', '2026-06-30T22:00:00.000Z', '2026-07-01T22:00:00.000Z', 24],
    ['2026-03-29', 'Europe/Berlin', '2026-03-28T23:00:00.000Z', '2026-03-29T22:00:00.000Z', 23],
    ['2026-10-25', 'Europe/Berlin', '2026-10-24T22:00:00.000Z', '2026-10-25T23:00:00.000Z', 25],
    ['2026-01-15', 'America/New_York', '2026-01-15T05:00:00.000Z', '2026-01-16T05:00:00.000Z', 24],
    ['2020-09-13', 'America/New_York', '2020-09-13T04:00:00.000Z', '2020-09-14T04:00:00.000Z', 24],
    ['2026-03-08', 'America/New_York', '2026-03-08T05:00:00.000Z', '2026-03-09T04:00:00.000Z', 23],
    ['2026-11-01', 'America/New_York', '2026-11-01T04:00:00.000Z', '2026-11-02T05:00:00.000Z', 25],
    ['2020-09-13', 'UTC', '2020-09-13T00:00:00.000Z', '2020-09-14T00:00:00.000Z', 24],
    ['2024-02-29', 'UTC', '2024-02-29T00:00:00.000Z', '2024-03-01T00:00:00.000Z', 24],
    // Midnight did not exist that day: the day starts at 01:00 local.
    ['2018-11-04', 'America/Sao_Paulo', '2018-11-04T03:00:00.000Z', '2018-11-05T02:00:00.000Z', 23],
  ])('%s in %s is [%s, %s), %i hours', (date, zone, since, until, hours) => {
    const w = dayWindow(date, zone);
    expect([iso(w.since), iso(w.until), (w.until - w.since) / HOUR]).toEqual([since, until, hours]);
    expect(w).toMatchObject({ date, timeZone: zone });
  });

  it.each([
    '2026-02-30',
    '2026-02-29',
    '2026-13-01',
    '2026-00-10',
    '2026-01-00',
    '2026-1-5',
    'yesterday',
    '',
  ])('rejects the date %j as a usage error on --date', (date) => {
    const err = (() => {
      try {
        dayWindow(date, 'UTC');
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(DigestError);
    expect(err).toMatchObject({ code: 'E_USAGE', field: '--date' });
    expect((err as DigestError).hint).toContain('YYYY-MM-DD');
  });

  it.each(['Mars/Olympus', 'Europe/Berlín', '', 'EST5EDT/x'])(
    'rejects the zone %j on --tz with an example',
    (zone) => {
      expect(() => dayWindow('2026-01-15', zone)).toThrow(
        expect.objectContaining({
          code: 'E_USAGE',
          field: '--tz',
          hint: expect.stringContaining('Europe/Berlin'),
        }),
      );
    },
  );
});

describe('window edges: 23:59:59 is in, the next 00:00:00 is out', () => {
  it.each([
    ['2026-03-08', 'America/New_York', '2026-03-08T00:00:00-05:00', 'included'],
    ['2026-03-08', 'America/New_York', '2026-03-08T23:59:59-04:00', 'included'],
    ['2026-03-08', 'America/New_York', '2026-03-07T23:59:59-05:00', 'outOfWindow'],
    ['2026-03-08', 'America/New_York', '2026-03-09T00:00:00-04:00', 'outOfWindow'],
    ['2026-11-01', 'America/New_York', '2026-11-01T23:59:59-05:00', 'included'],
    ['2026-11-01', 'America/New_York', '2026-11-02T00:00:00-05:00', 'outOfWindow'],
    ['2026-10-25', 'Europe/Berlin', '2026-10-25T00:00:00+02:00', 'included'],
    ['2026-10-25', 'Europe/Berlin', '2026-10-25T23:59:59+01:00', 'included'],
    ['2026-10-25', 'Europe/Berlin', '2026-10-24T23:59:59+02:00', 'outOfWindow'],
    ['2026-10-25', 'Europe/Berlin', '2026-10-26T00:00:00+01:00', 'outOfWindow'],
    ['2026-03-29', 'Europe/Berlin', '2026-03-29T23:59:59+02:00', 'included'],
    ['2026-03-29', 'Europe/Berlin', '2026-03-30T00:00:00+02:00', 'outOfWindow'],
  ])('%s %s: an article at %s is %s', (date, zone, at, status) => {
    const w = dayWindow(date, zone);
    const ms = Date.parse(at);
    const sel = selectDigest([art({ path: 'a.md', publishedMs: ms })], w, OPTS);
    expect(sel.considered[0]?.status).toBe(status);
    expect(localDate(ms, zone) === date).toBe(status === 'included');
  });
});

describe('rangeWindow', () => {
  it.each([
    [
      '2020-09-13T00:00:00-04:00',
      '2020-09-14T00:00:00-04:00',
      'America/New_York',
      '2020-09-13T04:00:00.000Z',
      '2020-09-14T04:00:00.000Z',
      '2020-09-13',
    ],
    [
      '2020-09-13T02:00:00Z',
      '2020-09-13T20:00:00Z',
      'America/New_York',
      '2020-09-13T02:00:00.000Z',
      '2020-09-13T20:00:00.000Z',
      '2020-09-12',
    ],
    [
      '2020-09-13T02:00:00.5+0200',
      '2020-09-13T03:00Z',
      'Europe/Berlin',
      '2020-09-13T00:00:00.500Z',
      '2020-09-13T03:00:00.000Z',
      '2020-09-13',
    ],
    [
      '2020-09-13t02:00:00z',
      '2020-09-13T03:00:00Z',
      'UTC',
      '2020-09-13T02:00:00.000Z',
      '2020-09-13T03:00:00.000Z',
      '2020-09-13',
    ],
  ])('%s .. %s in %s', (since, until, zone, wantSince, wantUntil, date) => {
    const w = rangeWindow(since, until, zone);
    expect([iso(w.since), iso(w.until), w.date, w.timeZone]).toEqual([wantSince, wantUntil, date, zone]);
  });

  it.each([
    ['2020-09-13T00:00:00', '2020-09-14T00:00:00Z', '--since'],
    ['2020-09-13', '2020-09-14T00:00:00Z', '--since'],
    ['2020-02-30T00:00:00Z', '2020-09-14T00:00:00Z', '--since'],
    ['2020-09-13T00:00:00Z', 'tomorrow', '--until'],
    ['2020-09-13T00:00:00Z', '2020-09-13T00:00:00Z', '--until'],
    ['2020-09-13T00:00:00Z', '2020-09-12T23:00:00Z', '--until'],
  ])('rejects %s .. %s on %s', (since, until, field) => {
    expect(() => rangeWindow(since, until, 'UTC')).toThrow(
      expect.objectContaining({ code: 'E_USAGE', field }),
    );
  });
});

describe('previousDay and localDate', () => {
  it.each([
    ['2026-03-30T00:30:00+02:00', 'Europe/Berlin', '2026-03-29'],
    ['2026-03-09T00:30:00-04:00', 'America/New_York', '2026-03-08'],
    ['2026-01-01T03:00:00Z', 'America/New_York', '2025-12-30'],
    ['2026-01-01T03:00:00Z', 'UTC', '2025-12-31'],
    ['2026-03-01T12:00:00Z', 'UTC', '2026-02-28'],
  ])('previousDay(%s, %s) = %s', (now, zone, want) => {
    expect(previousDay(new Date(now), zone)).toBe(want);
  });

  it.each([
    ['2020-09-13T03:59:59Z', 'America/New_York', '2020-09-12'],
    ['2020-09-13T04:00:00Z', 'America/New_York', '2020-09-13'],
    ['2020-09-13T21:59:59Z', 'Europe/Berlin', '2020-09-13'],
    ['2020-09-13T22:00:00Z', 'Europe/Berlin', '2020-09-14'],
    ['0999-12-31T12:00:00Z', 'UTC', '0999-12-31'],
  ])('localDate(%s, %s) = %s', (at, zone, want) => {
    expect(localDate(Date.parse(at), zone)).toBe(want);
  });

  it('rejects an unknown zone', () => {
    expect(() => previousDay(new Date(0), 'Nowhere/Land')).toThrow(
      expect.objectContaining({ field: '--tz' }),
    );
  });
});
