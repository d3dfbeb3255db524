import type Database from 'better-sqlite3';
import { DigestError } from '../errors.js';
import { pidIsAlive } from '../store/index.js';
import type { RunWindow } from './_due.js';

// The `runs` table itself is created by the store's migration step 2 (src/store/_migrations.ts).

export type RunState = 'running' | 'sent' | 'skipped' | 'failed';

/** One row of the runs table. Times are epoch milliseconds. */
export interface RunRecord {
  scheduleKey: string;
  sendDate: string;
  state: RunState;
  scheduledAt: number;
  windowKind: RunWindow['kind'];
  windowLabel: string;
  digestKey: string | null;
  items: number | null;
  recipients: number | null;
  sent: number | null;
  failed: number | null;
  /** Why the run was skipped or failed, or a note about how it ended. */
  reason: string | null;
  /** How many times a process claimed this date. */
  attempts: number;
  ownerPid: number | null;
  ownerHost: string | null;
  startedAt: number;
  updatedAt: number;
  finishedAt: number | null;
}

/** The process doing a run. */
export interface RunOwner {
  pid: number;
  host: string;
}

export type ClaimResult =
  | {
      claimed: true /** a crashed or failed earlier attempt is taken over */;
      resumed: boolean;
      run: RunRecord;
    }
  | { claimed: false; run: RunRecord; reason: 'sent' | 'skipped' | 'running' };

export interface RunStoreOptions {
  /** Which schedule the rows belong to. Default `daily`: one schedule per database. */
  scheduleKey?: string;
  /** Whether a process on this host still exists. Default: `process.kill(pid, 0)`. */
  isProcessAlive?: (pid: number) => boolean;
  /** This machine's name, to know whose pids can be checked. */
  host: string;
  /** A `running` row not touched for this long is abandoned, whoever owns it. Default 10 minutes. */
  staleAfterMs?: number;
}

/** The default heartbeat interval of a running run; well inside the stale limit. */
export const HEARTBEAT_MS = 60 * 1000;

/** Read and write the runs table. Every state change is one short transaction. */
export class RunStore {
  readonly scheduleKey: string;
  private readonly isProcessAlive: (pid: number) => boolean;
  private readonly host: string;
  private readonly staleAfterMs: number;

  constructor(
    private readonly db: Database.Database,
    options: RunStoreOptions,
  ) {
    this.scheduleKey = options.scheduleKey ?? 'daily';
    this.isProcessAlive = options.isProcessAlive ?? pidIsAlive;
    this.host = options.host;
    this.staleAfterMs = options.staleAfterMs ?? 10 * 60 * 1000;
  }

  /** The run of one send date, if any. */
  get(sendDate: string): RunRecord | undefined {
    const row = this.db
      .prepare('SELECT * FROM runs WHERE schedule_key = ? AND send_date = ?')
      .get(this.scheduleKey, sendDate) as RawRow | undefined;
    return row && fromRow(row);
  }

  /** The most recent runs, newest send date first. */
  list(limit = 30): RunRecord[] {
    const rows = this.db
      .prepare('SELECT * FROM runs WHERE schedule_key = ? ORDER BY send_date DESC LIMIT ?')
      .all(this.scheduleKey, limit) as RawRow[];
    return rows.map(fromRow);
  }

  /**
   * Take the send date for this process, in one immediate transaction so that of two processes
   * claiming at once exactly one wins. A `failed` row, or a `running` row whose owner is gone
   * (dead pid on this host, or no heartbeat for `staleAfterMs`), is taken over.
   */
  claim(input: {
    sendDate: string;
    scheduledAt: Date;
    window: RunWindow;
    owner: RunOwner;
    now: Date;
  }): ClaimResult {
    const now = input.now.getTime();
    const take = this.db.transaction((): ClaimResult => {
      const existing = this.get(input.sendDate);
      if (!existing) {
        this.db
          .prepare(
            `INSERT INTO runs (schedule_key, send_date, state, scheduled_at, window_kind, window_label,
               attempts, owner_pid, owner_host, started_at, updated_at)
             VALUES (?, ?, 'running', ?, ?, ?, 1, ?, ?, ?, ?)`,
          )
          .run(
            this.scheduleKey,
            input.sendDate,
            input.scheduledAt.getTime(),
            input.window.kind,
            labelOf(input.window),
            input.owner.pid,
            input.owner.host,
            now,
            now,
          );
        return { claimed: true, resumed: false, run: this.mustGet(input.sendDate) };
      }
      if (existing.state === 'sent' || existing.state === 'skipped') {
        return { claimed: false, run: existing, reason: existing.state };
      }
      if (existing.state === 'running' && this.ownerAlive(existing, input.now)) {
        return { claimed: false, run: existing, reason: 'running' };
      }
      this.db
        .prepare(
          `UPDATE runs SET state = 'running', attempts = attempts + 1, owner_pid = ?, owner_host = ?,
             window_kind = ?, window_label = ?, updated_at = ?, finished_at = NULL
           WHERE schedule_key = ? AND send_date = ?`,
        )
        .run(
          input.owner.pid,
          input.owner.host,
          input.window.kind,
          labelOf(input.window),
          now,
          this.scheduleKey,
          input.sendDate,
        );
      return { claimed: true, resumed: true, run: this.mustGet(input.sendDate) };
    });
    return take.immediate();
  }

  /** Record a day that will not be sent (past the catch-up cutoff) unless a row already exists. */
  recordSkipped(input: {
    sendDate: string;
    scheduledAt: Date;
    window: RunWindow;
    reason: string;
    now: Date;
  }): RunRecord {
    const now = input.now.getTime();
    this.db
      .prepare(
        `INSERT INTO runs (schedule_key, send_date, state, scheduled_at, window_kind, window_label, reason,
           started_at, updated_at, finished_at)
         VALUES (?, ?, 'skipped', ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (schedule_key, send_date) DO NOTHING`,
      )
      .run(
        this.scheduleKey,
        input.sendDate,
        input.scheduledAt.getTime(),
        input.window.kind,
        labelOf(input.window),
        input.reason,
        now,
        now,
        now,
      );
    return this.mustGet(input.sendDate);
  }

  /** Note progress of a claimed run (digest key, counts) and refresh its heartbeat. */
  update(
    sendDate: string,
    fields: Partial<Pick<RunRecord, 'digestKey' | 'items' | 'recipients' | 'sent' | 'failed' | 'reason'>>,
    now: Date,
  ): void {
    this.db
      .prepare(
        `UPDATE runs SET digest_key = coalesce(?, digest_key), items = coalesce(?, items),
           recipients = coalesce(?, recipients), sent = coalesce(?, sent), failed = coalesce(?, failed),
           reason = coalesce(?, reason), updated_at = ?
         WHERE schedule_key = ? AND send_date = ?`,
      )
      .run(
        fields.digestKey ?? null,
        fields.items ?? null,
        fields.recipients ?? null,
        fields.sent ?? null,
        fields.failed ?? null,
        fields.reason ?? null,
        now.getTime(),
        this.scheduleKey,
        sendDate,
      );
  }

  /** End a claimed run in a final state (`sent`, `skipped` or `failed`). */
  finish(
    sendDate: string,
    state: Exclude<RunState, 'running'>,
    fields: Partial<Pick<RunRecord, 'digestKey' | 'items' | 'recipients' | 'sent' | 'failed' | 'reason'>>,
    now: Date,
  ): RunRecord {
    this.update(sendDate, fields, now);
    this.db
      .prepare(
        `UPDATE runs SET state = ?, reason = ?, finished_at = ?, updated_at = ?
         WHERE schedule_key = ? AND send_date = ?`,
      )
      .run(state, fields.reason ?? null, now.getTime(), now.getTime(), this.scheduleKey, sendDate);
    return this.mustGet(sendDate);
  }

  private ownerAlive(run: RunRecord, now: Date): boolean {
    if (now.getTime() - run.updatedAt > this.staleAfterMs) return false;
    if (run.ownerHost === this.host && run.ownerPid !== null) return this.isProcessAlive(run.ownerPid);
    return true;
  }

  private mustGet(sendDate: string): RunRecord {
    const run = this.get(sendDate);
    if (!run) throw new DigestError('E_DB', `the run of ${sendDate} vanished from the runs table`);
    return run;
  }
}

function labelOf(window: RunWindow): string {
  return window.kind === 'previous-day'
    ? `${window.date}@${window.timeZone}`
    : `${window.since.toISOString()}..${window.until.toISOString()}`;
}

interface RawRow {
  schedule_key: string;
  send_date: string;
  state: RunState;
  scheduled_at: number;
  window_kind: RunWindow['kind'];
  window_label: string;
  digest_key: string | null;
  items: number | null;
  recipients: number | null;
  sent: number | null;
  failed: number | null;
  reason: string | null;
  attempts: number;
  owner_pid: number | null;
  owner_host: string | null;
  started_at: number;
  updated_at: number;
  finished_at: number | null;
}

function fromRow(row: RawRow): RunRecord {
  return {
    scheduleKey: row.schedule_key,
    sendDate: row.send_date,
    state: row.state,
    scheduledAt: row.scheduled_at,
    windowKind: row.window_kind,
    windowLabel: row.window_label,
    digestKey: row.digest_key,
    items: row.items,
    recipients: row.recipients,
    sent: row.sent,
    failed: row.failed,
    reason: row.reason,
    attempts: row.attempts,
    ownerPid: row.owner_pid,
    ownerHost: row.owner_host,
    startedAt: row.started_at,
    updatedAt: row.updated_at,
    finishedAt: row.finished_at,
  };
}
