import { type BuildFn, type RunnerDeps, type RunOutcome, runScheduled, type SendFn } from './_runner.js';
import type { RunStore } from './_runs.js';

/** One edition's part of a scheduled check: its rows in the runs table, its build and its send. */
export interface EditionRun {
  /** The edition (`daily`, `daily#topics=a+b`, `weekly`…; see src/editions). */
  id: string;
  /** Keyed by editionScheduleKey(id). */
  runs: RunStore;
  build: BuildFn;
  send: SendFn;
}

/** One edition's outcome of a check. */
export interface EditionOutcome {
  id: string;
  outcome: RunOutcome;
}

/**
 * The schedule key of an edition's rows in the runs table: `daily` for the plain daily (the rows
 * the schedule always wrote, so a database from before editions goes on as it was), else
 * `edition:<id>`, e.g. `edition:weekly`.
 */
export function editionScheduleKey(id: string): string {
  return id === 'daily' ? 'daily' : `edition:${id}`;
}

/**
 * One due check per edition due today, in order: each edition has its own row per send date, so
 * "already sent", catch-up until `catchUpUntil`, `minItems`, retries after a failure and a
 * crashed run's takeover all apply to each edition on its own (the weekly can fail and be retried
 * while the daily is done). A stop signal ends the list: editions not reached start nothing.
 */
export async function runEditions(
  deps: Omit<RunnerDeps, 'runs' | 'build' | 'send'>,
  editions: readonly EditionRun[],
  now: Date = deps.clock(),
): Promise<EditionOutcome[]> {
  const outcomes: EditionOutcome[] = [];
  for (const edition of editions) {
    const { runs, build, send } = edition;
    outcomes.push({ id: edition.id, outcome: await runScheduled({ ...deps, runs, build, send }, now) });
  }
  return outcomes;
}

// What a retry cares about most first: a failure, then another process holding an edition.
const SEVERITY: RunOutcome['kind'][] = ['failed', 'busy', 'stopped'];

/** The outcome that decides a check's exit code and retry: the first failed, else busy, else stopped, else the first. */
export function decidingOutcome(outcomes: readonly EditionOutcome[]): EditionOutcome | undefined {
  for (const kind of SEVERITY) {
    const found = outcomes.find((o) => o.outcome.kind === kind);
    if (found) return found;
  }
  return outcomes[0];
}
