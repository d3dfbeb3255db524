import { inTransaction, type PgPool } from '../store/pg/_pool.js';
import {
  type ClaimInput,
  type ClaimResult,
  claimRefusal,
  fromRow,
  labelOf,
  mustExist,
  type RawRow,
  type RunFields,
  type RunRecord,
  type RunSettings,
  type RunState,
  type RunStore,
  type RunStoreOptions,
  runSettings,
  type SkipInput,
} from './_runs.js';

const ROW = 'SELECT * FROM runs WHERE schedule_key = $1 AND send_date = $2';

/**
 * RunStore on PostgreSQL, for schedulers on any number of machines sharing one database. A claim
 * is one transaction: the INSERT of a new day waits on a racing one and then does nothing (the
 * UNIQUE (schedule_key, send_date) key), and an existing row is read FOR UPDATE, so two takeovers
 * of a dead owner's run queue on the row lock and the second sees the first's fresh claim. The
 * times are the callers' clocks, as on SQLite: machines sharing a database keep them in step (NTP).
 */
export class PgRunStore implements RunStore {
  readonly scheduleKey: string;
  private readonly settings: RunSettings;

  constructor(
    private readonly pool: PgPool,
    options: RunStoreOptions,
  ) {
    this.settings = runSettings(options);
    this.scheduleKey = this.settings.scheduleKey;
  }

  async get(sendDate: string): Promise<RunRecord | undefined> {
    const { rows } = await this.pool.query<RawRow>(ROW, [this.scheduleKey, sendDate]);
    return rows[0] && fromRow(rows[0]);
  }

  async list(limit = 30): Promise<RunRecord[]> {
    // Ordered byte by byte (COLLATE "C"), as SQLite orders, whatever the database's locale.
    const { rows } = await this.pool.query<RawRow>(
      'SELECT * FROM runs WHERE schedule_key = $1 ORDER BY send_date COLLATE "C" DESC LIMIT $2',
      [this.scheduleKey, limit],
    );
    return rows.map(fromRow);
  }

  async claim(input: ClaimInput): Promise<ClaimResult> {
    const now = input.now.getTime();
    return inTransaction(this.pool, async (client): Promise<ClaimResult> => {
      const inserted = await client.query<RawRow>(
        `INSERT INTO runs (schedule_key, send_date, state, scheduled_at, window_kind, window_label,
           attempts, owner_pid, owner_host, started_at, updated_at)
         VALUES ($1, $2, 'running', $3, $4, $5, 1, $6, $7, $8, $8)
         ON CONFLICT (schedule_key, send_date) DO NOTHING
         RETURNING *`,
        [
          this.scheduleKey,
          input.sendDate,
          input.scheduledAt.getTime(),
          input.window.kind,
          labelOf(input.window),
          input.owner.pid,
          input.owner.host,
          now,
        ],
      );
      if (inserted.rows[0]) return { claimed: true, resumed: false, run: fromRow(inserted.rows[0]) };
      const locked = await client.query<RawRow>(`${ROW} FOR UPDATE`, [this.scheduleKey, input.sendDate]);
      const existing = mustExist(locked.rows[0] && fromRow(locked.rows[0]), input.sendDate);
      const refused = claimRefusal(existing, input.now, this.settings);
      if (refused) return refused;
      const taken = await client.query<RawRow>(
        `UPDATE runs SET state = 'running', attempts = attempts + 1, owner_pid = $1, owner_host = $2,
           window_kind = $3, window_label = $4, updated_at = $5, finished_at = NULL
         WHERE schedule_key = $6 AND send_date = $7
         RETURNING *`,
        [
          input.owner.pid,
          input.owner.host,
          input.window.kind,
          labelOf(input.window),
          now,
          this.scheduleKey,
          input.sendDate,
        ],
      );
      return { claimed: true, resumed: true, run: fromRow(taken.rows[0] as RawRow) };
    });
  }

  async recordSkipped(input: SkipInput): Promise<RunRecord> {
    const now = input.now.getTime();
    await this.pool.query(
      `INSERT INTO runs (schedule_key, send_date, state, scheduled_at, window_kind, window_label, reason,
         started_at, updated_at, finished_at)
       VALUES ($1, $2, 'skipped', $3, $4, $5, $6, $7, $7, $7)
       ON CONFLICT (schedule_key, send_date) DO NOTHING`,
      [
        this.scheduleKey,
        input.sendDate,
        input.scheduledAt.getTime(),
        input.window.kind,
        labelOf(input.window),
        input.reason,
        now,
      ],
    );
    return mustExist(await this.get(input.sendDate), input.sendDate);
  }

  async update(sendDate: string, fields: RunFields, now: Date): Promise<void> {
    await this.pool.query(
      `UPDATE runs SET ${PROGRESS}, reason = coalesce($6, reason), updated_at = $7
       WHERE schedule_key = $8 AND send_date = $9`,
      [...progress(fields), fields.reason ?? null, now.getTime(), this.scheduleKey, sendDate],
    );
  }

  async finish(
    sendDate: string,
    state: Exclude<RunState, 'running'>,
    fields: RunFields,
    now: Date,
  ): Promise<RunRecord> {
    // One statement: the progress fields kept as `update` keeps them, the reason replaced.
    const { rows } = await this.pool.query<RawRow>(
      `UPDATE runs SET ${PROGRESS}, reason = $6, state = $7, finished_at = $8, updated_at = $8
       WHERE schedule_key = $9 AND send_date = $10
       RETURNING *`,
      [...progress(fields), fields.reason ?? null, state, now.getTime(), this.scheduleKey, sendDate],
    );
    return mustExist(rows[0] && fromRow(rows[0]), sendDate);
  }
}

// $1..$5: a progress field left out (null) keeps the stored value.
const PROGRESS = `digest_key = coalesce($1, digest_key), items = coalesce($2, items),
  recipients = coalesce($3, recipients), sent = coalesce($4, sent), failed = coalesce($5, failed)`;

function progress(fields: RunFields): (string | number | null)[] {
  return [
    fields.digestKey ?? null,
    fields.items ?? null,
    fields.recipients ?? null,
    fields.sent ?? null,
    fields.failed ?? null,
  ];
}
