import { Cron } from 'croner';
import type { Config } from '../config/index.js';
import { DigestError } from '../errors.js';
import { dayWindow, localDate } from '../select/index.js';

/** The resolved daily schedule: every field set, the zone decided. */
export interface Schedule {
  /** Local send time, `HH:MM`. */
  time: string;
  /** IANA zone the time and the send date are read in. */
  timeZone: string;
  /** `previous-day`: the local day before the send date; `last-24h`: the 24 hours before the trigger. */
  window: 'previous-day' | 'last-24h';
  /** Latest local time, `HH:MM`, at which a missed run is still sent that day. */
  catchUpUntil: string;
  /** Fewer items than this: no email that day. */
  minItems: number;
}

/** The schedule of a config: `schedule.timeZone` falls back to the top-level `timeZone`. */
export function scheduleFrom(config: Config): Schedule {
  const { time, timeZone, window, catchUpUntil, minItems } = config.schedule;
  return { time, timeZone: timeZone ?? config.timeZone, window, catchUpUntil, minItems };
}

/** The cron pattern of a daily local time, e.g. `07:00` → `0 7 * * *`. */
export function cronPattern(time: string): string {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(time);
  if (!m) {
    throw new DigestError('E_SCHEDULE', `"${time}" is not a local time`, {
      field: 'schedule.time',
      hint: 'use HH:MM, e.g. "07:00"',
    });
  }
  return `${Number(m[2])} ${Number(m[1])} * * *`;
}

const crons = new Map<string, Cron>();

/**
 * A paused croner job for a daily local time: only used to compute instants, never to fire.
 * Croner treats a single-valued hour and minute as a fixed-time job: in a spring-forward gap it
 * runs at the first valid time after the gap, and in a repeated fall-back hour it runs once.
 */
export function dailyCron(time: string, timeZone: string): Cron {
  const key = `${time}@${timeZone}`;
  let cron = crons.get(key);
  if (!cron) {
    cron = new Cron(cronPattern(time), { timezone: timeZone, paused: true });
    crons.set(key, cron);
  }
  return cron;
}

/** The first trigger strictly after `after`. */
export function nextRun(after: Date, schedule: Pick<Schedule, 'time' | 'timeZone'>): Date {
  const next = dailyCron(schedule.time, schedule.timeZone).nextRun(after);
  // A daily pattern always has a next run; null would mean croner changed its contract.
  if (!next) throw new DigestError('E_SCHEDULE', `no next run after ${after.toISOString()}`);
  return next;
}

/**
 * The instant the local time `time` happens on the local calendar day `date`. On a
 * spring-forward day a time inside the gap resolves to the first valid time after it
 * (e.g. 02:30 → 03:00 in Europe/Berlin); in a repeated hour it is the first occurrence.
 */
export function instantOn(date: string, time: string, timeZone: string): Date {
  const dayStart = dayWindow(date, timeZone).since;
  // croner drops milliseconds and looks strictly after its reference: start one second early.
  const at = dailyCron(time, timeZone).nextRun(new Date(dayStart - 1000));
  if (!at || localDate(at.getTime(), timeZone) !== date) {
    throw new DigestError('E_SCHEDULE', `${time} does not happen on ${date} in ${timeZone}`, {
      field: 'schedule.time',
    });
  }
  return at;
}
