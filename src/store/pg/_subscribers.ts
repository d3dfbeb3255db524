import { addressKey } from '../_address.js';
import {
  type AddressRecord,
  checkSchedule,
  confirmStep,
  importedSubscriber,
  insertOutcome,
  isBounceSuppression,
  lookupKey,
  merged,
  NEW_SUBSCRIBER_COLUMNS,
  type NewSubscriberRow,
  newSubscriberValues,
  type PreferenceColumns,
  preferencesChanged,
  type SubscriberRecord,
  signedUpSubscriber,
  signupMail,
  signupPreferences,
  signupStart,
  toSubscriber,
  updateOutcome,
} from '../_subscriber-rows.js';
import type {
  AddOutcome,
  ConfirmOutcome,
  ImportCounts,
  Preferences,
  ResubscribeOutcome,
  SignupDecision,
  SignupOptions,
  Subscriber,
  SubscriberInput,
  SubscriberStatus,
  SubscriberStore,
} from '../_subscribers.js';
import { copyImportRows } from './_import-rows.js';
import { inTransaction, type PgClient, type PgPool } from './_pool.js';

type Queryable = PgPool | PgClient;

/** Held (per transaction) by an import: two imports at once run one after the other, never deadlock. */
const IMPORT_LOCK = 'news-digest subscribers import';

/**
 * The SubscriberStore on a PostgreSQL database, with the SQLite store's outcomes (the decisions are
 * the shared ones of _subscriber-rows.ts). Any number of processes may use one database at once:
 * every write to an address runs in a transaction that first locks the address's `addresses` row
 * (creating it if need be, with ON CONFLICT), so two signups, adds or imports of one address take
 * turns instead of failing on a unique index or both mailing. importMany COPYs the rows into a
 * temporary table and writes them with a few set-based statements.
 */
export class PgSubscriberStore implements SubscriberStore {
  readonly #pool: PgPool;
  readonly #now: () => number;

  /** `now` is the clock for stored times (epoch ms), default Date.now. */
  constructor(pool: PgPool, options: { now?: () => number } = {}) {
    this.#pool = pool;
    this.#now = options.now ?? Date.now;
  }

  async importMany(rows: SubscriberInput[]): Promise<ImportCounts> {
    const now = this.#now();
    // What merged() and the CHECK constraints would refuse, refused before anything is written.
    for (const row of rows) checkSchedule(row.email, row.frequency ?? 'daily', row.weekday ?? null);
    // A second row of one address (case aside) is applied after the first, as SQLite applies rows
    // one by one: the bulk pass takes each address's first row, the few others follow it.
    const seen = new Set<string>();
    const first: SubscriberInput[] = [];
    const again: SubscriberInput[] = [];
    for (const row of rows) {
      const key = addressKey(row.email);
      (seen.has(key) ? again : first).push(row);
      seen.add(key);
    }
    return inTransaction(this.#pool, async (client) => {
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [IMPORT_LOCK]);
      const counts =
        first.length > 0
          ? await importBulk(client, first, now)
          : { added: 0, updated: 0, unchanged: 0, keptUnsubscribed: 0 };
      for (const row of again) {
        const address = await lockAddress(client, addressKey(row.email), now);
        counts[await upsert(client, row, address, now)]++;
      }
      return counts;
    });
  }

  async add(input: SubscriberInput): Promise<AddOutcome> {
    const now = this.#now();
    return inTransaction(this.#pool, async (client) => {
      const key = addressKey(input.email);
      const address = await lockAddress(client, key, now);
      const before = await byKey(client, key);
      await upsert(client, input, address, now, before);
      const after = (await byKey(client, key)) as SubscriberRecord;
      return {
        subscriber: toSubscriber(after),
        created: before === undefined,
        suppressed: after.status === 'unsubscribed',
      };
    });
  }

  async remove(email: string): Promise<boolean> {
    const key = lookupKey(email);
    if (key === undefined) return false;
    return inTransaction(this.#pool, async (client) => {
      await lockAddress(client, key);
      const deleted = await client.query('DELETE FROM subscribers WHERE lower(email) = $1', [key]);
      return (deleted.rowCount ?? 0) > 0;
    });
  }

  async resubscribe(email: string): Promise<ResubscribeOutcome> {
    const key = lookupKey(email);
    if (key === undefined) return { wasSuppressed: false };
    const now = this.#now();
    return inTransaction(this.#pool, async (client) => {
      const address = await lockAddress(client, key);
      if (address) await suppress(client, address.id, null, null);
      const row = await byKey(client, key);
      if (row && row.status !== 'active') {
        await client.query(
          "UPDATE subscribers SET status = 'active', unsubscribed_at = NULL, updated_at = $1 WHERE id = $2",
          [now, row.id],
        );
      }
      const after = await byKey(client, key);
      return { wasSuppressed: address?.suppressed_at != null, subscriber: after && toSubscriber(after) };
    });
  }

  async findByEmail(email: string): Promise<Subscriber | undefined> {
    const key = lookupKey(email);
    const row = key === undefined ? undefined : await byKey(this.#pool, key);
    return row && toSubscriber(row);
  }

  async findById(id: number): Promise<Subscriber | undefined> {
    const row = await byId(this.#pool, id);
    return row && toSubscriber(row);
  }

  async list(filter: { status?: SubscriberStatus } = {}): Promise<Subscriber[]> {
    const result = filter.status
      ? await this.#pool.query<SubscriberRecord>('SELECT * FROM subscribers WHERE status = $1 ORDER BY id', [
          filter.status,
        ])
      : await this.#pool.query<SubscriberRecord>('SELECT * FROM subscribers ORDER BY id');
    return result.rows.map(toSubscriber);
  }

  async setStatus(id: number, status: SubscriberStatus): Promise<boolean> {
    const now = this.#now();
    return inTransaction(this.#pool, async (client) => {
      const address = await lockAddressById(client, id);
      const row = await byId(client, id);
      if (!row) return false;
      if (row.status === status) return true;
      // A bounce or complaint suppression (src/bounces) is lifted only by `resubscribe`.
      if (status === 'active' && isBounceSuppression(address?.suppressed_reason)) return false;
      await client.query(
        'UPDATE subscribers SET status = $1, unsubscribed_at = $2, updated_at = $3 WHERE id = $4',
        [status, status === 'unsubscribed' ? now : null, now, id],
      );
      if (status === 'unsubscribed') await suppress(client, id, now, 'unsubscribed');
      else await suppress(client, id, null, null);
      return true;
    });
  }

  async setPreferences(id: number, preferences: Partial<Preferences>): Promise<Subscriber | undefined> {
    const now = this.#now();
    return inTransaction(this.#pool, async (client) => {
      await lockAddressById(client, id);
      const row = await byId(client, id);
      if (!row) return undefined;
      const next = merged(row, preferences);
      if (preferencesChanged(row, next)) await update(client, id, next, now);
      return toSubscriber((await byId(client, id)) as SubscriberRecord);
    });
  }

  async signUp(input: SubscriberInput, options: SignupOptions): Promise<SignupDecision> {
    const now = this.#now();
    return inTransaction(this.#pool, async (client): Promise<SignupDecision> => {
      const key = addressKey(input.email);
      // Locked first: a second signup of this address waits here and then sees what this one wrote.
      const address = await lockAddress(client, key, now);
      const found = await byKey(client, key);
      const start = signupStart(address, found, options, now);
      if (start.action === 'none') return start;
      if (found && start.action === 'notice') {
        await client.query('UPDATE subscribers SET notice_sent_at = $1 WHERE id = $2', [now, found.id]);
        return { action: 'notice', subscriber: toSubscriber(found), sequence: now, at: now };
      }
      const id = address.id;
      if (!found) await insert(client, signedUpSubscriber(id, input, options, now));
      else await update(client, id, signupPreferences(found, input), now);
      const mail = signupMail(found, options, now);
      if (mail.action === 'none') return mail;
      if (mail.action === 'activate') {
        await client.query(
          "UPDATE subscribers SET status = 'active', confirm_nonce = NULL, updated_at = $1 WHERE id = $2",
          [now, id],
        );
        return {
          action: 'activated',
          subscriber: toSubscriber((await byId(client, id)) as SubscriberRecord),
        };
      }
      const after = await client.query<SubscriberRecord>(
        `UPDATE subscribers SET confirm_nonce = $1, confirm_count = confirm_count + 1, confirm_sent_at = $2
         WHERE id = $3 RETURNING *`,
        [mail.nonce, now, id],
      );
      const row = after.rows[0] as SubscriberRecord;
      return {
        action: 'confirm',
        subscriber: toSubscriber(row),
        nonce: mail.nonce,
        sequence: row.confirm_count,
        at: now,
      };
    });
  }

  async confirm(id: number, nonce: string): Promise<ConfirmOutcome> {
    const now = this.#now();
    return inTransaction(this.#pool, async (client): Promise<ConfirmOutcome> => {
      const address = await lockAddressById(client, id);
      const row = await byId(client, id);
      const step = confirmStep(row, address, nonce);
      if (!row || step === 'invalid') return { outcome: 'invalid' };
      if (step === 'already') return { outcome: 'already', subscriber: toSubscriber(row) };
      const after = await client.query<SubscriberRecord>(
        `UPDATE subscribers SET status = 'active', confirm_nonce = NULL, confirmed_at = $1, updated_at = $1
         WHERE id = $2 RETURNING *`,
        [now, id],
      );
      return { outcome: 'confirmed', subscriber: toSubscriber(after.rows[0] as SubscriberRecord) };
    });
  }

  async signupMailFailed(id: number, kind: 'confirm' | 'notice', at: number): Promise<void> {
    const column = kind === 'confirm' ? 'confirm_sent_at' : 'notice_sent_at';
    await this.#pool.query(`UPDATE subscribers SET ${column} = NULL WHERE id = $1 AND ${column} = $2`, [
      id,
      at,
    ]);
  }
}

async function byKey(db: Queryable, key: string): Promise<SubscriberRecord | undefined> {
  return (await db.query<SubscriberRecord>('SELECT * FROM subscribers WHERE lower(email) = $1', [key]))
    .rows[0];
}

async function byId(db: Queryable, id: number): Promise<SubscriberRecord | undefined> {
  return (await db.query<SubscriberRecord>('SELECT * FROM subscribers WHERE id = $1', [id])).rows[0];
}

/**
 * Lock the address's row for the rest of the transaction; with `now`, create it first if it is new
 * (ON CONFLICT: when another transaction creates it at the same moment, wait for that one and
 * take its row). Without `now`, undefined for an address never seen.
 */
async function lockAddress(client: PgClient, key: string, now: number): Promise<AddressRecord>;
async function lockAddress(client: PgClient, key: string): Promise<AddressRecord | undefined>;
async function lockAddress(client: PgClient, key: string, now?: number): Promise<AddressRecord | undefined> {
  const select = 'SELECT id, suppressed_at FROM addresses WHERE address = $1 FOR UPDATE';
  const found = (await client.query<AddressRecord>(select, [key])).rows[0];
  if (found || now === undefined) return found;
  const made = await client.query<AddressRecord>(
    `INSERT INTO addresses (address, created_at) VALUES ($1, $2)
     ON CONFLICT (address) DO NOTHING RETURNING id, suppressed_at`,
    [key, now],
  );
  return made.rows[0] ?? (await client.query<AddressRecord>(select, [key])).rows[0];
}

async function lockAddressById(
  client: PgClient,
  id: number,
): Promise<(AddressRecord & { suppressed_reason: string | null }) | undefined> {
  const found = await client.query<AddressRecord & { suppressed_reason: string | null }>(
    'SELECT id, suppressed_at, suppressed_reason FROM addresses WHERE id = $1 FOR UPDATE',
    [id],
  );
  return found.rows[0];
}

async function suppress(
  client: PgClient,
  id: number,
  at: number | null,
  reason: string | null,
): Promise<void> {
  await client.query('UPDATE addresses SET suppressed_at = $1, suppressed_reason = $2 WHERE id = $3', [
    at,
    reason,
    id,
  ]);
}

const INSERT_SUBSCRIBER = `INSERT INTO subscribers (${NEW_SUBSCRIBER_COLUMNS.join(', ')})
  VALUES (${NEW_SUBSCRIBER_COLUMNS.map((_, i) => `$${i + 1}`).join(', ')})`;

async function insert(client: PgClient, row: NewSubscriberRow): Promise<void> {
  await client.query(INSERT_SUBSCRIBER, newSubscriberValues(row));
}

async function update(client: PgClient, id: number, next: PreferenceColumns, now: number): Promise<void> {
  await client.query(
    'UPDATE subscribers SET name = $1, topics = $2, frequency = $3, weekday = $4, updated_at = $5 WHERE id = $6',
    [next.name, next.topics, next.frequency, next.weekday, now, id],
  );
}

/** One row of an import or an `add`, on a locked address: SqliteSubscriberStore's #upsert. */
async function upsert(
  client: PgClient,
  row: SubscriberInput,
  address: AddressRecord,
  now: number,
  existing?: SubscriberRecord,
): Promise<keyof ImportCounts> {
  const stored = existing ?? (await byKey(client, addressKey(row.email)));
  if (!stored) {
    const created = importedSubscriber(address, row, now);
    await insert(client, created);
    return insertOutcome(created);
  }
  const next = merged(stored, row);
  const changed = preferencesChanged(stored, next);
  if (changed) await update(client, stored.id, next, now);
  return updateOutcome(stored, changed);
}

/** importBulk's counts: keptUnsubscribed is the sum of the new rows and the existing ones it covers. */
type Tally = Record<'added' | 'kept_new' | 'kept_old' | 'updated' | 'unchanged', number>;

/**
 * Rows of distinct addresses, in one pass: COPY them into a temporary table, create the addresses
 * never seen (in file order, so ids follow the file as in SQLite), lock every address of the
 * file, then insert the new subscribers and update the changed ones in one statement that also
 * counts the outcomes by the rules of insertOutcome / updateOutcome (status and the comparison of
 * preferencesChanged, written in SQL).
 */
async function importBulk(client: PgClient, rows: SubscriberInput[], now: number): Promise<ImportCounts> {
  await copyImportRows(client, 'subscriber_import', rows);
  await client.query(
    `INSERT INTO addresses (address, created_at)
       SELECT i.key, $1 FROM subscriber_import i
       WHERE NOT EXISTS (SELECT 1 FROM addresses a WHERE a.address = i.key)
       ORDER BY i.ord
     ON CONFLICT (address) DO NOTHING`,
    [now],
  );
  await client.query(
    `SELECT count(*) FROM (
       SELECT 1 FROM addresses a JOIN subscriber_import i ON a.address = i.key ORDER BY a.id FOR UPDATE OF a
     ) locked`,
  );
  // PostgreSQL runs every data-modifying WITH part to completion, read or not, on one snapshot.
  const counts = await client.query<Tally>(
    `WITH source AS (
       SELECT i.*, a.id AS address_id, a.suppressed_at, s.id AS subscriber_id, s.status,
              s.name AS old_name, s.topics AS old_topics, s.frequency AS old_frequency, s.weekday AS old_weekday,
              COALESCE(i.frequency, s.frequency) AS next_frequency,
              CASE WHEN i.weekday_given THEN i.weekday ELSE s.weekday END AS next_weekday
       FROM subscriber_import i
       JOIN addresses a ON a.address = i.key
       LEFT JOIN subscribers s ON lower(s.email) = i.key
     ),
     existing AS (
       SELECT *, (old_name, old_topics, old_frequency, old_weekday)
                 IS DISTINCT FROM (name, topics, next_frequency, next_weekday) AS changed
       FROM source WHERE subscriber_id IS NOT NULL
     ),
     inserted AS (
       INSERT INTO subscribers (${NEW_SUBSCRIBER_COLUMNS.join(', ')})
       SELECT address_id, email, name, topics,
              CASE WHEN suppressed_at IS NULL THEN 'active' ELSE 'unsubscribed' END,
              $1, $1, suppressed_at, COALESCE(frequency, 'daily'), weekday
       FROM source WHERE subscriber_id IS NULL
       RETURNING status
     ),
     updated AS (
       UPDATE subscribers s
       SET name = e.name, topics = e.topics, frequency = e.next_frequency, weekday = e.next_weekday,
           updated_at = $1
       FROM existing e WHERE e.changed AND s.id = e.subscriber_id
     )
     SELECT (SELECT count(*) FROM inserted WHERE status = 'active') AS added,
            (SELECT count(*) FROM inserted WHERE status = 'unsubscribed') AS kept_new,
            (SELECT count(*) FROM existing WHERE status = 'unsubscribed') AS kept_old,
            (SELECT count(*) FROM existing WHERE status <> 'unsubscribed' AND changed) AS updated,
            (SELECT count(*) FROM existing WHERE status <> 'unsubscribed' AND NOT changed) AS unchanged`,
    [now],
  );
  const row = counts.rows[0] as Tally;
  return {
    added: row.added,
    updated: row.updated,
    unchanged: row.unchanged,
    keptUnsubscribed: row.kept_new + row.kept_old,
  };
}
