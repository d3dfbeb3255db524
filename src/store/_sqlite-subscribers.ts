import { addressKey } from './_address.js';
import type { SqliteDatabase } from './_db.js';
import {
  type AddressRecord,
  confirmStep,
  importedSubscriber,
  insertOutcome,
  isBounceSuppression,
  lookupKey,
  merged,
  NEW_SUBSCRIBER_COLUMNS,
  type NewSubscriberRow,
  newSubscriberValues,
  preferencesChanged,
  type SubscriberRecord,
  signedUpSubscriber,
  signupMail,
  signupPreferences,
  signupStart,
  toSubscriber,
  updateOutcome,
} from './_subscriber-rows.js';
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
} from './_subscribers.js';

/** The SubscriberStore on an open SQLite database (see openDatabase). */
export class SqliteSubscriberStore implements SubscriberStore {
  readonly #db: SqliteDatabase;
  readonly #now: () => number;
  readonly #byKey;
  readonly #byId;
  readonly #address;
  readonly #newAddress;
  readonly #insertRow;
  readonly #update;
  readonly #suppress;

  /** `now` is the clock for stored times (epoch ms), default Date.now. */
  constructor(db: SqliteDatabase, options: { now?: () => number } = {}) {
    this.#db = db;
    this.#now = options.now ?? Date.now;
    this.#byKey = db.prepare<[string], SubscriberRecord>('SELECT * FROM subscribers WHERE lower(email) = ?');
    this.#byId = db.prepare<[number], SubscriberRecord>('SELECT * FROM subscribers WHERE id = ?');
    this.#address = db.prepare<[string], AddressRecord>(
      'SELECT id, suppressed_at FROM addresses WHERE address = ?',
    );
    this.#newAddress = db.prepare<[string, number]>(
      'INSERT INTO addresses (address, created_at) VALUES (?, ?)',
    );
    this.#insertRow = db.prepare<ReturnType<typeof newSubscriberValues>>(
      `INSERT INTO subscribers (${NEW_SUBSCRIBER_COLUMNS.join(', ')})
       VALUES (${NEW_SUBSCRIBER_COLUMNS.map(() => '?').join(', ')})`,
    );
    this.#update = db.prepare<[string, string, string, number | null, number, number]>(
      'UPDATE subscribers SET name = ?, topics = ?, frequency = ?, weekday = ?, updated_at = ? WHERE id = ?',
    );
    this.#suppress = db.prepare<[number | null, string | null, number]>(
      'UPDATE addresses SET suppressed_at = ?, suppressed_reason = ? WHERE id = ?',
    );
  }

  async importMany(rows: SubscriberInput[]): Promise<ImportCounts> {
    const now = this.#now();
    const counts: ImportCounts = { added: 0, updated: 0, unchanged: 0, keptUnsubscribed: 0 };
    this.#db
      .transaction(() => {
        for (const row of rows) {
          const outcome = this.#upsert(row, now);
          counts[outcome]++;
        }
      })
      .immediate();
    return counts;
  }

  async add(input: SubscriberInput): Promise<AddOutcome> {
    const now = this.#now();
    return this.#db
      .transaction(() => {
        const key = addressKey(input.email);
        const before = this.#byKey.get(key);
        this.#upsert(input, now);
        const after = this.#byKey.get(key) as SubscriberRecord;
        return {
          subscriber: toSubscriber(after),
          created: before === undefined,
          suppressed: after.status === 'unsubscribed',
        };
      })
      .immediate();
  }

  async remove(email: string): Promise<boolean> {
    const key = lookupKey(email);
    if (key === undefined) return false;
    return this.#db.prepare('DELETE FROM subscribers WHERE lower(email) = ?').run(key).changes > 0;
  }

  async resubscribe(email: string): Promise<ResubscribeOutcome> {
    const key = lookupKey(email);
    if (key === undefined) return { wasSuppressed: false };
    const now = this.#now();
    return this.#db
      .transaction((): ResubscribeOutcome => {
        const address = this.#address.get(key);
        if (address) this.#suppress.run(null, null, address.id);
        const row = this.#byKey.get(key);
        if (row && row.status !== 'active') {
          this.#db
            .prepare(
              "UPDATE subscribers SET status = 'active', unsubscribed_at = NULL, updated_at = ? WHERE id = ?",
            )
            .run(now, row.id);
        }
        const after = this.#byKey.get(key);
        return {
          wasSuppressed: address?.suppressed_at != null,
          subscriber: after && toSubscriber(after),
        };
      })
      .immediate();
  }

  async findByEmail(email: string): Promise<Subscriber | undefined> {
    const key = lookupKey(email);
    const row = key === undefined ? undefined : this.#byKey.get(key);
    return row && toSubscriber(row);
  }

  async findById(id: number): Promise<Subscriber | undefined> {
    const row = this.#byId.get(id);
    return row && toSubscriber(row);
  }

  async list(filter: { status?: SubscriberStatus } = {}): Promise<Subscriber[]> {
    const rows = filter.status
      ? this.#db
          .prepare<[string], SubscriberRecord>('SELECT * FROM subscribers WHERE status = ? ORDER BY id')
          .all(filter.status)
      : this.#db.prepare<[], SubscriberRecord>('SELECT * FROM subscribers ORDER BY id').all();
    return rows.map(toSubscriber);
  }

  async setStatus(id: number, status: SubscriberStatus): Promise<boolean> {
    const now = this.#now();
    return this.#db
      .transaction(() => {
        const row = this.#byId.get(id);
        if (!row) return false;
        if (row.status === status) return true;
        // A bounce or complaint suppression (src/bounces) is lifted only by `resubscribe`.
        if (status === 'active' && this.#bounceSuppressed(id)) return false;
        this.#db
          .prepare('UPDATE subscribers SET status = ?, unsubscribed_at = ?, updated_at = ? WHERE id = ?')
          .run(status, status === 'unsubscribed' ? now : null, now, id);
        if (status === 'unsubscribed') this.#suppress.run(now, 'unsubscribed', id);
        else this.#suppress.run(null, null, id);
        return true;
      })
      .immediate();
  }

  async setPreferences(id: number, preferences: Partial<Preferences>): Promise<Subscriber | undefined> {
    const now = this.#now();
    return this.#db
      .transaction(() => {
        const row = this.#byId.get(id);
        if (!row) return undefined;
        const next = merged(row, preferences);
        if (preferencesChanged(row, next)) {
          this.#update.run(next.name, next.topics, next.frequency, next.weekday, now, id);
        }
        return toSubscriber(this.#byId.get(id) as SubscriberRecord);
      })
      .immediate();
  }

  async signUp(input: SubscriberInput, options: SignupOptions): Promise<SignupDecision> {
    const now = this.#now();
    return this.#db
      .transaction((): SignupDecision => {
        const key = addressKey(input.email);
        const found = this.#byKey.get(key);
        const start = signupStart(this.#address.get(key), found, options, now);
        if (start.action === 'none') return start;
        if (found && start.action === 'notice') {
          this.#db.prepare('UPDATE subscribers SET notice_sent_at = ? WHERE id = ?').run(now, found.id);
          return { action: 'notice', subscriber: toSubscriber(found), sequence: now, at: now };
        }
        let id: number;
        if (!found) {
          id = this.#addressOf(key, now).id;
          this.#insert(signedUpSubscriber(id, input, options, now));
        } else {
          id = found.id;
          const next = signupPreferences(found, input);
          this.#update.run(next.name, next.topics, next.frequency, next.weekday, now, id);
        }
        const mail = signupMail(found, options, now);
        if (mail.action === 'none') return mail;
        if (mail.action === 'activate') {
          this.#db
            .prepare(
              "UPDATE subscribers SET status = 'active', confirm_nonce = NULL, updated_at = ? WHERE id = ?",
            )
            .run(now, id);
          return { action: 'activated', subscriber: toSubscriber(this.#byId.get(id) as SubscriberRecord) };
        }
        this.#db
          .prepare(
            `UPDATE subscribers SET confirm_nonce = ?, confirm_count = confirm_count + 1, confirm_sent_at = ?
             WHERE id = ?`,
          )
          .run(mail.nonce, now, id);
        const after = this.#byId.get(id) as SubscriberRecord;
        return {
          action: 'confirm',
          subscriber: toSubscriber(after),
          nonce: mail.nonce,
          sequence: after.confirm_count,
          at: now,
        };
      })
      .immediate();
  }

  async confirm(id: number, nonce: string): Promise<ConfirmOutcome> {
    const now = this.#now();
    return this.#db
      .transaction((): ConfirmOutcome => {
        const row = this.#byId.get(id);
        const step = confirmStep(row, row && this.#address.get(addressKey(row.email)), nonce);
        if (!row || step === 'invalid') return { outcome: 'invalid' };
        if (step === 'already') return { outcome: 'already', subscriber: toSubscriber(row) };
        this.#db
          .prepare(
            `UPDATE subscribers SET status = 'active', confirm_nonce = NULL, confirmed_at = ?, updated_at = ?
             WHERE id = ?`,
          )
          .run(now, now, id);
        return { outcome: 'confirmed', subscriber: toSubscriber(this.#byId.get(id) as SubscriberRecord) };
      })
      .immediate();
  }

  /** True when the address is suppressed because it bounced or complained (see recordEvents). */
  #bounceSuppressed(id: number): boolean {
    const row = this.#db
      .prepare<[number], { reason: string | null }>(
        'SELECT suppressed_reason AS reason FROM addresses WHERE id = ?',
      )
      .get(id);
    return isBounceSuppression(row?.reason);
  }

  async signupMailFailed(id: number, kind: 'confirm' | 'notice', at: number): Promise<void> {
    const column = kind === 'confirm' ? 'confirm_sent_at' : 'notice_sent_at';
    this.#db.prepare(`UPDATE subscribers SET ${column} = NULL WHERE id = ? AND ${column} = ?`).run(id, at);
  }

  /** The address's id (created on first sight) and when it was suppressed, if it is. */
  #addressOf(key: string, now: number): AddressRecord {
    const found = this.#address.get(key);
    if (found) return found;
    this.#newAddress.run(key, now);
    return this.#address.get(key) as AddressRecord;
  }

  #insert(row: NewSubscriberRow): void {
    this.#insertRow.run(...newSubscriberValues(row));
  }

  #upsert(row: SubscriberInput, now: number): keyof ImportCounts {
    const existing = this.#byKey.get(addressKey(row.email));
    if (!existing) {
      const created = importedSubscriber(this.#addressOf(addressKey(row.email), now), row, now);
      this.#insert(created);
      return insertOutcome(created);
    }
    const next = merged(existing, row);
    const changed = preferencesChanged(existing, next);
    if (changed) this.#update.run(next.name, next.topics, next.frequency, next.weekday, now, existing.id);
    return updateOutcome(existing, changed);
  }
}
