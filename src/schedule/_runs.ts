import type Database from 'better-sqlite3';
import { DigestError } from '../errors.js';
import { pidIsAlive } from '../store/index.js';
import type { RunWindow } from './_due.js';

// The `runs` table itself is created by the store's migrations: SQLite step 2
// (src/store/_migrations.ts), PostgreSQL step 1 (src/store/pg/_migrations.ts).

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

/** The progress fields of a run that `update` and `finish` set (a field left out keeps its value). */
export type RunFields = Partial<
  Pick<RunRecord, 'digestKey' | 'items' | 'recipients' | 'sent' | 'failed' | 'reason'>
>;

/** What `claim` is given: the day, its window, who claims it and when. */
export interface ClaimInput {
  sendDate: string;
  scheduledAt: Date;
  window: RunWindow;
  owner: RunOwner;
  now: Date;
}

/** What `recordSkipped` is given. */
export interface SkipInput {
  sendDate: string;
  scheduledAt: Date;
  window: RunWindow;
  reason: string;
  now: Date;
}

/**
 * The runs table of one schedule key: one row per local send date, claimed by one process at a
 * time. Implementations: SqliteRunStore (below) and PgRunStore (src/schedule/_runs-pg.ts);
 * runStoreFor picks one from the store's backend. Every state change is one short transaction.
 */
export interface RunStore {
  readonly scheduleKey: string;
  /** The run of one send date, if any. */
  get(sendDate: string): Promise<RunRecord | undefined>;
  /** The most recent runs, newest send date first. */
  list(limit?: number): Promise<RunRecord[]>;
  /**
   * Take the send date for this process; of any number of processes claiming at once, on one
   * machine or many, exactly one wins and the others see it `running`. A `failed` row, or a
   * `running` row whose owner is gone (dead pid on this host, or no heartbeat for `staleAfterMs`),
   * is taken over (see claimRefusal).
   */
  claim(input: ClaimInput): Promise<ClaimResult>;
  /** Record a day that will not be sent (past the catch-up cutoff) unless a row already exists. */
  recordSkipped(input: SkipInput): Promise<RunRecord>;
  /** Note progress of a claimed run (digest key, counts) and refresh its heartbeat. */
  update(sendDate: string, fields: RunFields, now: Date): Promise<void>;
  /** End a claimed run in a final state (`sent`, `skipped` or `failed`); `reason` is replaced. */
  finish(
    sendDate: string,
    state: Exclude<RunState, 'running'>,
    fields: RunFields,
    now: Date,
  ): Promise<RunRecord>;
}

/** RunStoreOptions with every default applied: what each implementation decides claims with. */
export interface RunSettings {
  scheduleKey: string;
  isProcessAlive: (pid: number) => boolean;
  host: string;
  staleAfterMs: number;
}

/** The options with their defaults (schedule `daily`, `process.kill(pid, 0)`, 10 minutes). */
export function runSettings(options: RunStoreOptions): RunSettings {
  return {
    scheduleKey: options.scheduleKey ?? 'daily',
    isProcessAlive: options.isProcessAlive ?? pidIsAlive,
    host: options.host,
    staleAfterMs: options.staleAfterMs ?? 10 * 60 * 1000,
  };
}

/**
 * Why a claim of the day of `existing` (its row, read under the claim's lock) is refused, or
 * undefined when the claim takes the row over: a `sent` or `skipped` day is done; a `running` one
 * is someone else's while its owner lives (a fresh heartbeat and, on this host, a live pid; another
 * host's pid cannot be checked, so only the heartbeat counts); a `failed` one is retried.
 */
export function claimRefusal(existing: RunRecord, now: Date, settings: RunSettings): ClaimResult | undefined {
  if (existing.state === 'sent' || existing.state === 'skipped') {
    return { claimed: false, run: existing, reason: existing.state };
  }
  if (existing.state === 'running' && ownerAlive(existing, now, settings)) {
    return { claimed: false, run: existing, reason: 'running' };
  }
  return undefined;
}

function ownerAlive(run: RunRecord, now: Date, settings: RunSettings): boolean {
  if (now.getTime() - run.updatedAt > settings.staleAfterMs) return false;
  if (run.ownerHost === settings.host && run.ownerPid !== null) return settings.isProcessAlive(run.ownerPid);
  return true;
}

/** RunStore on a SQLite file: each claim is one immediate transaction, so one of two processes wins. */
export class SqliteRunStore implements RunStore {
  readonly scheduleKey: string;
  private readonly settings: RunSettings;

  constructor(
    private readonly db: Database.Database,
    options: RunStoreOptions,
  ) {
    this.settings = runSettings(options);
    this.scheduleKey = this.settings.scheduleKey;
  }

  async get(sendDate: string): Promise<RunRecord | undefined> {
    return this.read(sendDate);
  }

  async list(limit = 30): Promise<RunRecord[]> {
    const rows = this.db
      .prepare('SELECT * FROM runs WHERE schedule_key = ? ORDER BY send_date DESC LIMIT ?')
      .all(this.scheduleKey, limit) as RawRow[];
    return rows.map(fromRow);
  }

  async claim(input: ClaimInput): Promise<ClaimResult> {
    const now = input.now.getTime();
    const take = this.db.transaction((): ClaimResult => {
      const existing = this.read(input.sendDate);
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
      const refused = claimRefusal(existing, input.now, this.settings);
      if (refused) return refused;
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

  async recordSkipped(input: SkipInput): Promise<RunRecord> {
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

  async update(sendDate: string, fields: RunFields, now: Date): Promise<void> {
    this.write(sendDate, fields, now);
  }

  async finish(
    sendDate: string,
    state: Exclude<RunState, 'running'>,
    fields: RunFields,
    now: Date,
  ): Promise<RunRecord> {
    this.write(sendDate, fields, now);
    this.db
      .prepare(
        `UPDATE runs SET state = ?, reason = ?, finished_at = ?, updated_at = ?
         WHERE schedule_key = ? AND send_date = ?`,
      )
      .run(state, fields.reason ?? null, now.getTime(), now.getTime(), this.scheduleKey, sendDate);
    return this.mustGet(sendDate);
  }

  private read(sendDate: string): RunRecord | undefined {
    const row = this.db
      .prepare('SELECT * FROM runs WHERE schedule_key = ? AND send_date = ?')
      .get(this.scheduleKey, sendDate) as RawRow | undefined;
    return row && fromRow(row);
  }

  private write(sendDate: string, fields: RunFields, now: Date): void {
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

  private mustGet(sendDate: string): RunRecord {
    return mustExist(this.read(sendDate), sendDate);
  }
}

/** `run`, or E_DB: a row that was just written is not there. */
export function mustExist(run: RunRecord | undefined, sendDate: string): RunRecord {
  if (!run) throw new DigestError('E_DB', `the run of ${sendDate} vanished from the runs table`);
  return run;
}

/** How a run's window is shown in its row: `2025-01-14@Europe/Berlin`, or `since..until`. */
export function labelOf(window: RunWindow): string {
  return window.kind === 'previous-day'
    ? `${window.date}@${window.timeZone}`
    : `${window.since.toISOString()}..${window.until.toISOString()}`;
}

/** A runs row as both databases return it (times in epoch ms). */
export interface RawRow {
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

/** A runs row as a RunRecord. */
export function fromRow(row: RawRow): RunRecord {
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
