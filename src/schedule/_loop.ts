import { Cron } from 'croner';
import type { RunOutcome } from './_runner.js';
import { cronPattern, type Schedule } from './_schedule.js';

export interface SchedulerOptions {
  schedule: Schedule;
  /** One due check and send at `now` (see `runScheduled`). */
  runOnce: (now: Date) => Promise<RunOutcome>;
  /** Called with every outcome, start-up check included. */
  onOutcome: (outcome: RunOutcome) => void;
  /** Called when a run throws instead of returning an outcome (a bug or a broken database). */
  onError: (error: unknown) => void;
  clock: () => Date;
  /** Aborted: the job stops, the run in flight finishes, `done` resolves. */
  signal?: AbortSignal;
  /** The instant of the start-up check (catch-up); default `clock()`. */
  startAt?: Date;
}

/** A running scheduler. */
export interface Scheduler {
  /** Resolves once the signal is aborted and the run in flight (if any) has ended. */
  done: Promise<void>;
  /** The next trigger croner has planned, or null once stopped. */
  nextRun(): Date | null;
}

/**
 * Run the daily schedule in this process. First a start-up check at `startAt` (which sends a
 * missed run before `catchUpUntil`), then croner fires at each local `time` in the schedule
 * zone, DST included. Runs never overlap (croner's `protect`); each one goes through
 * `runOnce`, so the runs table still decides whether anything is sent.
 */
export function startScheduler(options: SchedulerOptions): Scheduler {
  const { schedule, signal } = options;
  let inFlight: Promise<void> = Promise.resolve();
  const check = (now: Date) => {
    const run = options.runOnce(now).then(options.onOutcome, options.onError);
    inFlight = run;
    return run;
  };
  const job = new Cron(
    cronPattern(schedule.time),
    { timezone: schedule.timeZone, protect: true, paused: true },
    // croner fires at or after the planned instant, never before, so the clock is past the trigger.
    () => check(options.clock()),
  );
  const done = new Promise<void>((resolve) => {
    const stop = () => {
      job.stop();
      inFlight.then(() => resolve());
    };
    if (signal?.aborted) stop();
    else signal?.addEventListener('abort', stop, { once: true });
    // Start the timer only after the start-up check, so a trigger cannot overlap it.
    check(options.startAt ?? options.clock()).then(() => {
      if (!job.isStopped()) job.resume();
    });
  });
  return { done, nextRun: () => (job.isStopped() ? null : job.nextRun()) };
}
