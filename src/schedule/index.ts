export {
  buildRequestFor,
  type DueRun,
  dueRun,
  isDue,
  ON_TIME_GRACE_MS,
  type RecordedRun,
  type RunWindow,
  runWindow,
  type SkippedRun,
  type SkipReason,
  windowLabel,
} from './_due.js';
export {
  decidingOutcome,
  type EditionOutcome,
  type EditionRun,
  editionScheduleKey,
  runEditions,
} from './_editions.js';
export { localTime, outcomeLine } from './_log.js';
export {
  MAX_RETRIES,
  RETRY_EVERY_MINUTES,
  retryWanted,
  type Scheduler,
  type SchedulerOptions,
  startScheduler,
} from './_loop.js';
export {
  type BuildFn,
  type RunnerDeps,
  type RunOutcome,
  type RunOutcomeKind,
  runScheduled,
  type SendCounts,
  type SendFn,
} from './_runner.js';
export {
  type ClaimInput,
  type ClaimResult,
  HEARTBEAT_MS,
  type RunFields,
  type RunOwner,
  type RunRecord,
  type RunState,
  type RunStore,
  type RunStoreOptions,
  type SkipInput,
  SqliteRunStore,
} from './_runs.js';
export { runStoreFor } from './_runs-for.js';
export { PgRunStore } from './_runs-pg.js';
export { cronPattern, dailyCron, instantOn, nextRun, type Schedule, scheduleFrom } from './_schedule.js';
