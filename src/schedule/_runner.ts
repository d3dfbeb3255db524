import { causeChain, DigestError } from '../errors.js';
import type { BuildResult } from '../pipeline.js';
import { localDate } from '../select/index.js';
import { type DueRun, dueRun, isDue, type RunWindow } from './_due.js';
import { HEARTBEAT_MS, type RunOwner, type RunRecord, type RunStore } from './_runs.js';
import { nextRun, type Schedule } from './_schedule.js';

/** What the scheduler needs to know of one send. */
export interface SendCounts {
  /** Active subscribers the digest is meant for. */
  recipients: number;
  /** Recipients who have the digest (this attempt and earlier ones, whoever sent it). */
  sent: number;
  /** Messages this process sent (with shared sending, other senders sent the rest). */
  sentHere?: number;
  /** Recipients whose delivery failed and is not being retried in this attempt. */
  failed: number;
  /** The send stopped early because the signal was aborted. */
  stopped?: boolean;
  /** Anything the log should add, e.g. how to resend recipients in an unknown state. */
  note?: string;
}

/** Sends a built digest to every active subscriber, never twice to one (the send ledger's job). */
export type SendFn = (built: BuildResult, options: { signal?: AbortSignal }) => Promise<SendCounts>;

/** Builds the digest of a due run (see `buildRequestFor`). */
export type BuildFn = (run: DueRun) => Promise<BuildResult>;

export interface RunnerDeps {
  schedule: Schedule;
  runs: RunStore;
  build: BuildFn;
  send: SendFn;
  owner: RunOwner;
  clock: () => Date;
  /** Aborted: start nothing new, let the message in flight finish. */
  signal?: AbortSignal;
  /** How often a running run refreshes its row so other processes know it is alive. Default 60 s. */
  heartbeatMs?: number;
  /**
   * The send ledger is shared (PostgreSQL): a day another live process is sending is joined (built
   * and sent alongside it, each recipient claimed from the ledger by one sender) instead of left
   * to it as busy. Its run row stays the owner's to finish. Default false (SQLite: one sender).
   */
  joinRunning?: boolean;
}

export type RunOutcomeKind =
  | 'sent'
  | 'failed'
  | 'stopped'
  | 'thin'
  | 'missed'
  | 'not-yet'
  | 'already-sent'
  | 'already-skipped'
  | 'busy'
  | 'joined';

/** How one due check ended: what the log line and the exit code are made from. */
export interface RunOutcome {
  kind: RunOutcomeKind;
  sendDate: string;
  scheduledAt: Date;
  /** After this instant the day is no longer sent automatically. */
  deadline: Date;
  window: RunWindow;
  /** One sentence for the log. */
  message: string;
  digestKey?: string;
  items?: number;
  counts?: SendCounts;
  /** The row as it ended up, when there is one. */
  run?: RunRecord;
  error?: unknown;
  /** The next trigger after this check. */
  next: Date;
}

/**
 * One scheduled run at `now`. The steps, in order:
 * 1. work out what is due (today's digest, between its trigger and its deadline, not yet done);
 * 2. record a missed day as skipped, or claim the day in the runs table (one process wins);
 * 3. build the digest of the run's window; fewer items than `minItems` ends the day as skipped;
 * 4. send it through the ledger; record sent, failed or stopped with the counts.
 */
export async function runScheduled(deps: RunnerDeps, now: Date = deps.clock()): Promise<RunOutcome> {
  const { schedule, runs } = deps;
  const next = nextRun(now, schedule);
  const recorded = await runs.get(localDate(now.getTime(), schedule.timeZone));
  const due = dueRun(now, schedule, recorded);
  const { sendDate, scheduledAt, deadline, window } = due;
  const base = { sendDate, scheduledAt, deadline, window, next };
  if (!isDue(due)) {
    if (due.skip === 'after-cutoff') return await missed(deps, due.message, base, now);
    // A skipped day says why it was skipped (a thin day, a missed run).
    const why = due.skip === 'already-skipped' && recorded?.reason ? ` (${recorded.reason})` : '';
    return { ...base, kind: due.skip, message: `${due.message}${why}`, run: recorded };
  }
  if (deps.signal?.aborted) return { ...base, kind: 'stopped', message: 'stopping: no new run started' };
  const claim = await runs.claim({ ...due, owner: deps.owner, now });
  if (!claim.claimed) {
    if (claim.reason !== 'running') {
      const kind = claim.reason === 'sent' ? 'already-sent' : 'already-skipped';
      return {
        ...base,
        kind,
        message: `the digest of ${due.sendDate} was already ${claim.reason}`,
        run: claim.run,
      };
    }
    const who = `pid ${claim.run.ownerPid} on ${claim.run.ownerHost}`;
    const busy: RunOutcome = {
      ...base,
      kind: 'busy',
      message: `the digest of ${due.sendDate} is being sent by ${who}`,
      run: claim.run,
    };
    return deps.joinRunning ? await joinRun(deps, due, busy, who) : busy;
  }
  // One heartbeat at a time, each after the one before; a failed one (the database briefly away)
  // is left for the next: the stale limit is many heartbeats long.
  let beating: Promise<void> = Promise.resolve();
  const heartbeat = setInterval(() => {
    beating = beating.then(() => runs.update(due.sendDate, {}, deps.clock())).catch(() => {});
  }, deps.heartbeatMs ?? HEARTBEAT_MS);
  heartbeat.unref();
  try {
    return await buildAndSend(deps, due, base, claim.resumed);
  } catch (error) {
    const locked = error instanceof DigestError && error.code === 'E_SEND_LOCKED';
    const reason = locked ? 'another process was sending this digest' : causeChain(error).join('; ');
    const run = await runs.finish(due.sendDate, 'failed', { reason }, deps.clock());
    const message = locked ? `the digest of ${due.sendDate} is being sent by another process` : reason;
    return { ...base, kind: locked ? 'busy' : 'failed', message, run, error };
  } finally {
    clearInterval(heartbeat);
    await beating;
  }
}

type Base = Pick<RunOutcome, 'sendDate' | 'scheduledAt' | 'deadline' | 'window' | 'next'>;

async function buildAndSend(
  deps: RunnerDeps,
  due: DueRun,
  base: Base,
  resumed: boolean,
): Promise<RunOutcome> {
  const { runs, schedule } = deps;
  const built = await deps.build(due);
  const items = built.selection.items.length;
  const digestKey = built.digestKey;
  await runs.update(due.sendDate, { digestKey, items }, deps.clock());
  if (items < schedule.minItems || !built.rendered) {
    const reason = built.rendered
      ? `thin day: ${items} item${items === 1 ? '' : 's'} in the window, fewer than minItems ${schedule.minItems}; no email sent`
      : 'no articles in the window; no email sent';
    const run = await runs.finish(due.sendDate, 'skipped', { reason }, deps.clock());
    return { ...base, kind: 'thin', message: reason, digestKey, items, run };
  }
  const counts = await deps.send(built, { signal: deps.signal });
  const { recipients, sent, failed } = counts;
  const done = doneText(counts);
  const fields = { digestKey, items, recipients, sent, failed };
  const stopped = counts.stopped === true || (deps.signal?.aborted === true && sent + failed < recipients);
  if (stopped) {
    const reason = `stopped after ${done}; the next run sends the rest`;
    const run = await runs.finish(due.sendDate, 'failed', { ...fields, reason }, deps.clock());
    return { ...base, kind: 'stopped', message: reason, digestKey, items, counts, run };
  }
  if (failed > 0) {
    const reason = `${done}; the next run before the cutoff retries, or use \`digest send\``;
    const run = await runs.finish(due.sendDate, 'failed', { ...fields, reason }, deps.clock());
    return { ...base, kind: 'failed', message: reason, digestKey, items, counts, run };
  }
  const run = await runs.finish(due.sendDate, 'sent', fields, deps.clock());
  const how = resumed ? ' (resumed)' : due.late ? ' (caught up)' : '';
  return { ...base, kind: 'sent', message: `${done}${how}`, digestKey, items, counts, run };
}

/**
 * Shared sending: send the day another live process holds, alongside it (see joinRunning). Its
 * run row is not touched: the owner finishes it, or, if the owner dies, the next claim after its
 * heartbeat goes stale takes it over and finds what the joiners sent. A thin day is left to the
 * owner (nothing to join); a failure of this process is its own outcome, not the row's.
 */
async function joinRun(deps: RunnerDeps, due: DueRun, busy: RunOutcome, who: string): Promise<RunOutcome> {
  try {
    const built = await deps.build(due);
    const items = built.selection.items.length;
    const digestKey = built.digestKey;
    if (items < deps.schedule.minItems || !built.rendered) return { ...busy, digestKey, items };
    const counts = await deps.send(built, { signal: deps.signal });
    const here = counts.sentHere === undefined ? '' : `${counts.sentHere} sent by this process; `;
    const message = `joined the send of ${who}: ${here}${doneText(counts)}`;
    return { ...busy, kind: 'joined', message, digestKey, items, counts };
  } catch (error) {
    return { ...busy, kind: 'failed', message: causeChain(error).join('; '), error };
  }
}

/** `28 of 30 sent, 2 failed (note)`: how a send ended, for the log and the run row. */
function doneText(counts: SendCounts): string {
  const failed = counts.failed ? `, ${counts.failed} failed` : '';
  return `${counts.sent} of ${counts.recipients} sent${failed}${counts.note ? ` (${counts.note})` : ''}`;
}

async function missed(deps: RunnerDeps, message: string, base: Base, now: Date): Promise<RunOutcome> {
  const run = await deps.runs.recordSkipped({ ...base, reason: message, now });
  if (run.state === 'skipped') return { ...base, kind: 'missed', message, run };
  // A run that started but did not finish is left for a person to finish, not resent late.
  const unfinished =
    `the run of ${base.sendDate} is ${run.state} (${run.reason ?? 'unfinished'}) and it is past the ` +
    `catch-up cutoff; finish it by hand with \`digest send\` if it should still go out`;
  return { ...base, kind: 'missed', message: unfinished, run };
}
