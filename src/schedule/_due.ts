import type { Config } from '../config/index.js';
import type { BuildRequest } from '../pipeline.js';
import { localDate, previousDay } from '../select/index.js';
import { instantOn, type Schedule } from './_schedule.js';

/**
 * When `catchUpUntil` is not later than `time`, a run is still on time this long after its
 * trigger, so that a timer firing a little late (a busy machine, cron's minute granularity)
 * is not mistaken for a missed run.
 */
export const ON_TIME_GRACE_MS = 15 * 60 * 1000;

/** The articles a scheduled digest covers. */
export type RunWindow =
  | { kind: 'previous-day'; timeZone: string /** the local day before the send date */; date: string }
  | { kind: 'last-24h'; timeZone: string; since: Date; until: Date };

/** A run that is due now. */
export interface DueRun {
  /** Local date of the trigger in the schedule zone: each send date is sent at most once. */
  sendDate: string;
  /** The trigger instant (`time` on `sendDate`). */
  scheduledAt: Date;
  /** After this instant the run is no longer sent automatically. */
  deadline: Date;
  /** True when the run starts after its trigger's grace period (a catch-up). */
  late: boolean;
  window: RunWindow;
}

/** Why no run is due now. */
export type SkipReason = 'not-yet' | 'after-cutoff' | 'already-sent' | 'already-skipped';

export interface SkippedRun {
  skip: SkipReason;
  sendDate: string;
  scheduledAt: Date;
  deadline: Date;
  window: RunWindow;
  /** One sentence for the log. */
  message: string;
}

/** The state a run row has for a send date, as far as the due check cares. */
export interface RecordedRun {
  sendDate: string;
  state: 'running' | 'sent' | 'skipped' | 'failed';
}

/**
 * What is due at `now`: today's digest (local date of `now` in the schedule zone) once its
 * trigger has passed and until its deadline, unless the run table already has it as sent or
 * skipped. Only today's digest is ever due: an older day's is never sent automatically.
 * A `running` or `failed` record is due again; the claim and the send ledger decide the rest.
 */
export function dueRun(now: Date, schedule: Schedule, lastRecorded?: RecordedRun): DueRun | SkippedRun {
  const { timeZone } = schedule;
  const sendDate = localDate(now.getTime(), timeZone);
  const scheduledAt = instantOn(sendDate, schedule.time, timeZone);
  const cutoff = instantOn(sendDate, schedule.catchUpUntil, timeZone).getTime();
  const deadline = new Date(Math.max(cutoff, scheduledAt.getTime() + ON_TIME_GRACE_MS));
  const window = runWindow(scheduledAt, schedule);
  const base = { sendDate, scheduledAt, deadline, window };
  const recorded = lastRecorded?.sendDate === sendDate ? lastRecorded.state : undefined;
  if (recorded === 'sent') {
    return { ...base, skip: 'already-sent', message: `the digest of ${sendDate} was already sent` };
  }
  if (recorded === 'skipped') {
    return { ...base, skip: 'already-skipped', message: `the digest of ${sendDate} was already skipped` };
  }
  if (now < scheduledAt) {
    return {
      ...base,
      skip: 'not-yet',
      message: `not due yet: the digest of ${sendDate} goes out at ${schedule.time} ${timeZone}`,
    };
  }
  if (now >= deadline) {
    return {
      ...base,
      skip: 'after-cutoff',
      message:
        `the ${schedule.time} run of ${sendDate} did not happen and it is past ` +
        `catchUpUntil ${schedule.catchUpUntil} ${timeZone}, so it is not sent`,
    };
  }
  return { ...base, late: now.getTime() - scheduledAt.getTime() >= ON_TIME_GRACE_MS };
}

/** True when `dueRun` found something to send. */
export function isDue(run: DueRun | SkippedRun): run is DueRun {
  return !('skip' in run);
}

/** The window of the digest triggered at `scheduledAt`. */
export function runWindow(scheduledAt: Date, schedule: Schedule): RunWindow {
  const { timeZone } = schedule;
  if (schedule.window === 'last-24h') {
    const until = scheduledAt;
    return { kind: 'last-24h', timeZone, since: new Date(until.getTime() - 24 * 3600 * 1000), until };
  }
  // previousDay reads the calendar, so the day before a DST change is still one local day.
  return { kind: 'previous-day', timeZone, date: previousDay(scheduledAt, timeZone) };
}

/** The build request for a run: the window in the schedule zone, the clock at the trigger. */
export function buildRequestFor(
  run: Pick<DueRun, 'scheduledAt' | 'window'>,
  config: Config,
  cwd: string,
): BuildRequest {
  const { window } = run;
  const request: BuildRequest = {
    config: { ...config, timeZone: window.timeZone },
    cwd,
    now: run.scheduledAt,
  };
  if (window.kind === 'previous-day') return { ...request, date: window.date };
  return { ...request, since: window.since.toISOString(), until: window.until.toISOString() };
}

/** A short description of a run window for logs, e.g. `2024-03-30 (Europe/Berlin)`. */
export function windowLabel(window: RunWindow): string {
  if (window.kind === 'previous-day') return `${window.date} (${window.timeZone})`;
  return `${window.since.toISOString()}..${window.until.toISOString()} (last 24 h)`;
}
