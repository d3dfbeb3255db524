import { Cron } from 'croner';
import type { RunOutcome } from './_runner.js';
import { cronPattern, type Schedule } from './_schedule.js';

/** After a failed or busy run, the scheduler looks again this often (local clock minutes). */
export const RETRY_EVERY_MINUTES = 15;
/** At most this many extra looks per day; the deadline (`catchUpUntil`) ends them sooner. */
export const MAX_RETRIES = 8;

export interface SchedulerOptions {
  schedule: Schedule;
  /** One due check and send at `now` (see `runScheduled`). */
  runOnce: (now: Date) => Promise<RunOutcome>;
  /** Called with every outcome, start-up check and retries included. */
  onOutcome: (outcome: RunOutcome) => void;
  /** Called when a run throws instead of returning an outcome (a bug or a broken database). */
  onError: (error: unknown) => void;
  clock: () => Date;
  /** Aborted: the jobs stop, the run in flight finishes, `done` resolves. */
  signal?: AbortSignal;
  /** The instant of the start-up check (catch-up); default `clock()`. */
  startAt?: Date;
}

/** A running scheduler. */
export interface Scheduler {
  /** Resolves once the signal is aborted and the run in flight (if any) has ended. */
  done: Promise<void>;
  /** The next daily trigger croner has planned, or null once stopped. */
  nextRun(): Date | null;
}

/**
 * Whether to look again at `now` after `last`: it failed (e.g. the SMTP server was down) or another
 * process held the day (which may die), today's deadline has not passed, and retries are left.
 */
export function retryWanted(last: RunOutcome | undefined, now: Date, retries: number): boolean {
  if (!last || (last.kind !== 'failed' && last.kind !== 'busy')) return false;
  return retries < MAX_RETRIES && now >= last.scheduledAt && now < last.deadline;
}

/**
 * Run the daily schedule in this process. First a start-up check at `startAt` (which sends a
 * missed run before `catchUpUntil`), then croner fires at each local `time` in the schedule zone,
 * DST included. A second croner job looks again every 15 minutes after a failed or busy run, until
 * the deadline. Checks never overlap: each waits for the one before. Each goes through `runOnce`,
 * so the runs table still decides whether anything is sent.
 */
export function startScheduler(options: SchedulerOptions): Scheduler {
  const { schedule, signal } = options;
  let inFlight: Promise<void> = Promise.resolve();
  let busy = false;
  let last: RunOutcome | undefined;
  let retries = 0;
  let stopped = false;
  const check = (now: () => Date, retry: boolean) => {
    inFlight = inFlight.then(async () => {
      if (stopped) return;
      busy = true;
      try {
        const outcome = await options.runOnce(now());
        if (!retry || outcome.sendDate !== last?.sendDate) retries = 0;
        last = outcome;
        options.onOutcome(outcome);
      } catch (error) {
        options.onError(error);
      } finally {
        busy = false;
      }
    });
    return inFlight;
  };
  const timing = { timezone: schedule.timeZone, protect: true, paused: true };
  // croner fires at or after the planned instant, never before, so the clock is past the trigger.
  const daily = new Cron(cronPattern(schedule.time), timing, () => check(options.clock, false));
  const retry = new Cron(`*/${RETRY_EVERY_MINUTES} * * * *`, timing, () => {
    const now = options.clock();
    if (busy || !retryWanted(last, now, retries)) return;
    retries++;
    return check(() => now, true);
  });
  const done = new Promise<void>((resolve) => {
    const stop = () => {
      stopped = true;
      daily.stop();
      retry.stop();
      inFlight.then(() => resolve());
    };
    if (signal?.aborted) stop();
    else signal?.addEventListener('abort', stop, { once: true });
    // The timers start only after the start-up check, so a trigger cannot race it.
    const startAt = options.startAt ?? options.clock();
    check(() => startAt, false).then(() => {
      if (stopped) return;
      daily.resume();
      retry.resume();
    });
  });
  return { done, nextRun: () => (daily.isStopped() ? null : daily.nextRun()) };
}
