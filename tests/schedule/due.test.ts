import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/index.js';
import {
  buildRequestFor,
  dueRun,
  instantOn,
  isDue,
  nextRun,
  type RecordedRun,
  type Schedule,
} from '../../src/schedule/index.js';
import { berlin } from './helpers.js';

/** Summer time in 2025: Berlin 30 Mar – 26 Oct, New York 9 Mar – 2 Nov (local send dates). */
const SUMMER = {
  'Europe/Berlin': ['2025-03-30', '2025-10-26'],
  'America/New_York': ['2025-03-09', '2025-11-02'],
} as const;
const UTC_HOUR = {
  'Europe/Berlin': { winter: 6, summer: 5 },
  'America/New_York': { winter: 12, summer: 11 },
} as const;

function dayBefore(date: string): string {
  const d = new Date(`${date}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() - 1);
  return d.toISOString().slice(0, 10);
}

function localHHMM(at: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-GB', {
    timeZone,
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(at);
}

describe('a simulated year at 07:00 local', () => {
  it.each([
    ['Europe/Berlin', 'previous-day'],
    ['Europe/Berlin', 'last-24h'],
    ['America/New_York', 'previous-day'],
    ['America/New_York', 'last-24h'],
  ] as const)(
    '%s, %s: exactly 365 runs, one per local day, at 07:00 local, each with the right window',
    (timeZone, window) => {
      const schedule: Schedule = { ...berlin, timeZone, window };
      const start = instantOn('2025-01-01', '00:00', timeZone);
      const end = instantOn('2026-01-01', '00:00', timeZone);
      const recorded = new Map<string, RecordedRun>();
      const runs: { sendDate: string; at: Date }[] = [];
      let cursor = start;
      // Bounded: a daily schedule has at most 366 triggers in a year; 400 proves the loop ends.
      for (let i = 0; i < 400; i++) {
        const at = nextRun(cursor, schedule);
        if (at >= end) break;
        cursor = at;
        const due = dueRun(at, schedule, recorded.get(localDateOf(at, timeZone)));
        if (!isDue(due)) throw new Error(`${at.toISOString()}: ${due.message}`);
        expect(due.scheduledAt).toEqual(at);
        expect(due.late).toBe(false);
        if (due.window.kind === 'previous-day') {
          expect(due.window.date).toBe(dayBefore(due.sendDate));
        } else {
          expect(due.window.until).toEqual(at);
          expect(at.getTime() - due.window.since.getTime()).toBe(24 * 3600 * 1000);
        }
        expect(due.window.timeZone).toBe(timeZone);
        recorded.set(due.sendDate, { sendDate: due.sendDate, state: 'sent' });
        runs.push({ sendDate: due.sendDate, at });
        // A second look at the same instant sends nothing more.
        const again = dueRun(at, schedule, recorded.get(due.sendDate));
        expect(isDue(again) ? 'due' : again.skip).toBe('already-sent');
      }
      expect(runs).toHaveLength(365);
      expect(new Set(runs.map((r) => r.sendDate)).size).toBe(365);
      expect(runs[0]?.sendDate).toBe('2025-01-01');
      expect(runs.at(-1)?.sendDate).toBe('2025-12-31');
      const [from, to] = SUMMER[timeZone];
      for (const { sendDate, at } of runs) {
        expect(localHHMM(at, timeZone), sendDate).toBe('07:00');
        const season = sendDate >= from && sendDate < to ? 'summer' : 'winter';
        expect(at.getUTCHours(), `${sendDate} ${season}`).toBe(UTC_HOUR[timeZone][season]);
        expect(at.getUTCMinutes()).toBe(0);
      }
      // The two change days themselves: Berlin 06:00Z before the spring change, 05:00Z on the day.
      if (timeZone === 'Europe/Berlin') {
        const byDate = new Map(runs.map((r) => [r.sendDate, r.at.toISOString()]));
        expect(byDate.get('2025-03-29')).toBe('2025-03-29T06:00:00.000Z');
        expect(byDate.get('2025-03-30')).toBe('2025-03-30T05:00:00.000Z');
        expect(byDate.get('2025-10-25')).toBe('2025-10-25T05:00:00.000Z');
        expect(byDate.get('2025-10-26')).toBe('2025-10-26T06:00:00.000Z');
      }
    },
  );
});

function localDateOf(at: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone }).format(at);
}

describe('DST edges', () => {
  it.each([
    // zone, time, from, to, the expected triggers (UTC) in between
    [
      'Europe/Berlin',
      '02:30',
      '2025-03-29T00:00:00Z',
      '2025-04-01T00:00:00Z',
      ['2025-03-29T01:30:00.000Z', '2025-03-30T01:00:00.000Z', '2025-03-31T00:30:00.000Z'],
    ],
    [
      'Europe/Berlin',
      '02:30',
      '2025-10-25T00:00:00Z',
      '2025-10-28T00:00:00Z',
      ['2025-10-25T00:30:00.000Z', '2025-10-26T00:30:00.000Z', '2025-10-27T01:30:00.000Z'],
    ],
    [
      'America/New_York',
      '02:30',
      '2025-03-08T12:00:00Z',
      '2025-03-11T12:00:00Z',
      ['2025-03-09T07:00:00.000Z', '2025-03-10T06:30:00.000Z', '2025-03-11T06:30:00.000Z'],
    ],
    [
      'America/New_York',
      '01:30',
      '2025-11-01T12:00:00Z',
      '2025-11-04T12:00:00Z',
      ['2025-11-02T05:30:00.000Z', '2025-11-03T06:30:00.000Z', '2025-11-04T06:30:00.000Z'],
    ],
  ] as const)(
    '%s at %s between %s and %s: one trigger per local day',
    (timeZone, time, from, to, expected) => {
      const schedule: Schedule = { ...berlin, timeZone, time };
      const triggers: string[] = [];
      let cursor = new Date(from);
      for (let i = 0; i < 10; i++) {
        cursor = nextRun(cursor, schedule);
        if (cursor >= new Date(to)) break;
        triggers.push(cursor.toISOString());
      }
      expect(triggers).toEqual(expected);
    },
  );

  it.each([
    // zone, time in the gap or the repeated hour, local day, its first instant, its hours, the one send
    ['Europe/Berlin', '02:30', '2025-03-30', '2025-03-29T23:00:00Z', 23, '2025-03-30T01:00:00.000Z'],
    ['Europe/Berlin', '02:30', '2025-10-26', '2025-10-25T22:00:00Z', 25, '2025-10-26T00:30:00.000Z'],
    ['America/New_York', '02:30', '2025-03-09', '2025-03-09T05:00:00Z', 23, '2025-03-09T07:00:00.000Z'],
    ['America/New_York', '01:30', '2025-11-02', '2025-11-02T04:00:00Z', 25, '2025-11-02T05:30:00.000Z'],
  ] as const)(
    '%s %s on %s, checked every minute of the day: sent once',
    (timeZone, time, day, first, hours, expected) => {
      const schedule: Schedule = { ...berlin, timeZone, time };
      const recorded = new Map<string, RecordedRun>();
      const sent: string[] = [];
      const start = Date.parse(first);
      for (let minute = 0; minute < hours * 60; minute++) {
        const now = new Date(start + minute * 60_000);
        const due = dueRun(now, schedule, recorded.get(day));
        expect(due.sendDate).toBe(day);
        if (!isDue(due)) continue;
        sent.push(now.toISOString());
        recorded.set(due.sendDate, { sendDate: due.sendDate, state: 'sent' });
      }
      expect(sent).toEqual([expected]);
    },
  );
});

describe('dueRun', () => {
  const at = (iso: string) => new Date(iso);
  const sent = (date: string): RecordedRun => ({ sendDate: date, state: 'sent' });
  it.each([
    // now (Berlin is UTC+1 in January), recorded, schedule changes, expected outcome
    ['2025-01-15T05:59:00Z', undefined, {}, 'not-yet'],
    ['2025-01-15T06:00:00Z', undefined, {}, 'due'],
    ['2025-01-15T08:00:00Z', undefined, {}, 'due late'],
    ['2025-01-15T10:59:59Z', undefined, {}, 'due late'],
    ['2025-01-15T11:00:00Z', undefined, {}, 'after-cutoff'],
    ['2025-01-15T12:00:00Z', undefined, {}, 'after-cutoff'],
    ['2025-01-15T08:00:00Z', sent('2025-01-15'), {}, 'already-sent'],
    ['2025-01-15T08:00:00Z', { sendDate: '2025-01-15', state: 'skipped' }, {}, 'already-skipped'],
    ['2025-01-15T08:00:00Z', { sendDate: '2025-01-15', state: 'failed' }, {}, 'due late'],
    ['2025-01-15T08:00:00Z', { sendDate: '2025-01-15', state: 'running' }, {}, 'due late'],
    // A record of yesterday says nothing about today.
    ['2025-01-15T08:00:00Z', sent('2025-01-14'), {}, 'due late'],
    // Just after local midnight: today's run is ahead; yesterday's is never due.
    ['2025-01-14T23:30:00Z', undefined, {}, 'not-yet'],
    // catchUpUntil before the send time: only the on-time grace (15 min) counts.
    ['2025-01-15T12:10:00Z', undefined, { time: '13:00' }, 'due'],
    ['2025-01-15T12:15:00Z', undefined, { time: '13:00' }, 'after-cutoff'],
    ['2025-01-15T11:30:00Z', undefined, { time: '13:00' }, 'not-yet'],
  ] as const)('at %s with %j and %j: %s', (now, recorded, changes, expected) => {
    const due = dueRun(at(now), { ...berlin, ...changes }, recorded);
    const got = isDue(due) ? (due.late ? 'due late' : 'due') : due.skip;
    expect(got).toBe(expected);
    // 2025-01-14T23:30Z is already 00:30 on the 15th in Berlin.
    expect(due.sendDate).toBe('2025-01-15');
  });

  it('says why a missed run is not sent', () => {
    const due = dueRun(at('2025-01-15T12:00:00Z'), berlin);
    expect(isDue(due)).toBe(false);
    if (!isDue(due)) expect(due.message).toMatch(/past catchUpUntil 12:00 Europe\/Berlin/);
  });
});

describe('buildRequestFor', () => {
  const config = parseConfig({ timeZone: 'UTC', schedule: { timeZone: 'Europe/Berlin' } });
  it('previous-day: the local day before, in the schedule zone', () => {
    const due = dueRun(new Date('2025-03-30T05:00:00Z'), berlin);
    expect(isDue(due)).toBe(true);
    const req = buildRequestFor(due, config, '/tmp/x');
    expect(req).toMatchObject({ date: '2025-03-29', cwd: '/tmp/x', now: new Date('2025-03-30T05:00:00Z') });
    expect(req.config.timeZone).toBe('Europe/Berlin');
    expect(req.since).toBeUndefined();
  });
  it('last-24h: the 24 hours before the trigger, as ISO instants', () => {
    const due = dueRun(new Date('2025-03-30T05:00:00Z'), { ...berlin, window: 'last-24h' });
    const req = buildRequestFor(due, config, '/tmp/x');
    expect(req).toMatchObject({ since: '2025-03-29T05:00:00.000Z', until: '2025-03-30T05:00:00.000Z' });
    expect(req.date).toBeUndefined();
  });
});
