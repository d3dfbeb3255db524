import { randomBytes, timingSafeEqual } from 'node:crypto';
import { DigestError } from '../errors.js';
import { addressKey, normalizeEmail, normalizeName, parseTopics } from './_address.js';
import type { SqliteDatabase } from './_db.js';

/** `pending`: signed up through the web form, not yet confirmed; never sent a digest. */
export type SubscriberStatus = 'active' | 'unsubscribed' | 'pending';

/** How often a subscriber gets a digest: every day, once a week on their weekday, or not now. */
export const FREQUENCIES = ['daily', 'weekly', 'paused'] as const;
export type Frequency = (typeof FREQUENCIES)[number];

/** What a subscriber chooses on the preference page (src/web). */
export interface Preferences {
  frequency: Frequency;
  /** 1 = Monday ... 7 = Sunday: the day of a weekly edition; null = the configured default weekday. */
  weekday: number | null;
  topics: string[];
  name: string;
}

/** One subscriber as stored. Times are epoch milliseconds. */
export interface Subscriber {
  id: number;
  /** Normalised: the domain lower-cased. */
  email: string;
  name: string;
  topics: string[];
  status: SubscriberStatus;
  /** Default 'daily'. */
  frequency: Frequency;
  /** 1 = Monday ... 7 = Sunday, for a weekly edition; null (default) = the configured weekday. */
  weekday: number | null;
  createdAt: number;
  updatedAt: number;
  unsubscribedAt: number | null;
  /** When the subscriber followed the confirmation link of a web signup; null otherwise. */
  confirmedAt: number | null;
}

/** What to add or update; email, name and topics must already be validated (see normalizeEmail). */
export interface SubscriberInput {
  email: string;
  name: string;
  topics: string[];
  /** Default 'daily' for a new subscriber; left as it is on an update when absent. */
  frequency?: Frequency;
  /** Default null for a new subscriber; left as it is on an update when absent. */
  weekday?: number | null;
}

/** The outcome of an import: rows that were new, changed, unchanged, and unsubscribed ones left so. */
export interface ImportCounts {
  added: number;
  updated: number;
  unchanged: number;
  /** Rows whose address had unsubscribed: name/topics updated, still unsubscribed. */
  keptUnsubscribed: number;
}

/** What `add` did: created the row, or updated one; an unsubscribed address stays unsubscribed. */
export interface AddOutcome {
  subscriber: Subscriber;
  created: boolean;
  /** The address unsubscribed (its suppression record says when): added or kept as unsubscribed. */
  suppressed: boolean;
}

/** What `resubscribe` did. */
export interface ResubscribeOutcome {
  /** The address had a suppression record, now cleared. */
  wasSuppressed: boolean;
  /** The subscriber, now active; undefined when the address is not on the list (removed). */
  subscriber?: Subscriber;
}

/**
 * Where subscribers live. Async so that a server database can take SQLite's place later.
 * Addresses given to lookups are normalised first and compared case-insensitively (addressKey).
 * A subscriber's id is its address's: never handed out again, and the same after remove and add.
 * An unsubscribe leaves a suppression record that outlives `remove`; only `resubscribe` (an
 * explicit request) or `setStatus(id, 'active')` (the subscriber's own link) clears it.
 */
export interface SubscriberStore {
  /** Add or update many rows in one transaction. Never re-activates an unsubscribed address. */
  importMany(rows: SubscriberInput[]): Promise<ImportCounts>;
  /** Add one subscriber or update an existing one; never re-activates an unsubscribed address. */
  add(input: SubscriberInput): Promise<AddOutcome>;
  /** Delete a subscriber; false when the address is unknown. The ledger and any suppression stay. */
  remove(email: string): Promise<boolean>;
  /** Clear the address's suppression and make its subscriber active (an explicit request). */
  resubscribe(email: string): Promise<ResubscribeOutcome>;
  findByEmail(email: string): Promise<Subscriber | undefined>;
  findById(id: number): Promise<Subscriber | undefined>;
  /** Subscribers by id; only one status when given. */
  list(filter?: { status?: SubscriberStatus }): Promise<Subscriber[]>;
  /**
   * Unsubscribe or re-subscribe (suppression record included); false when the id is unknown, or
   * when re-subscribing an address suppressed after a bounce or complaint (only `resubscribe` can).
   */
  setStatus(id: number, status: SubscriberStatus): Promise<boolean>;
  /** Save what the subscriber chose (absent fields unchanged); undefined when the id is unknown. */
  setPreferences(id: number, preferences: Partial<Preferences>): Promise<Subscriber | undefined>;
  /**
   * A signup through the web form: decide what to mail (if anything) and record it, in one
   * transaction, so two signups at once never both mail. See SignupDecision.
   */
  signUp(input: SubscriberInput, options: SignupOptions): Promise<SignupDecision>;
  /** Follow a confirmation link: a pending subscriber whose nonce matches becomes active (once). */
  confirm(id: number, nonce: string): Promise<ConfirmOutcome>;
  /**
   * A signup mail that signUp decided on (`at`: its decision's time) did not go out: the next
   * signup may mail at once instead of after the quiet hour.
   */
  signupMailFailed(id: number, kind: 'confirm' | 'notice', at: number): Promise<void>;
}

/** How a signup is handled (config `signup`). */
export interface SignupOptions {
  /** true: the subscriber stays `pending` until they follow the emailed link. */
  doubleOptIn: boolean;
  /** No second mail to one address within this many ms (a confirmation, or a notice). */
  quietMs: number;
}

/**
 * What a signup does. The web answer is the same for all of them; only the mail differs.
 * - `confirm`: send the confirmation mail, ledger key `confirm:<id>:<sequence>`, link with `nonce`;
 * - `notice`: the address is already active: send the "you are already subscribed" mail, ledger
 *   key `notice:<id>:<sequence>` (the send time, epoch ms);
 * - `activated`: double opt-in is off: active at once, nothing to mail;
 * - `none`: nothing to mail: the address is suppressed (unsubscribed, bounced, complained), or it
 *   was mailed less than `quietMs` ago.
 */
export type SignupDecision =
  | { action: 'confirm'; subscriber: Subscriber; nonce: string; sequence: number; at: number }
  | { action: 'notice'; subscriber: Subscriber; sequence: number; at: number }
  | { action: 'activated'; subscriber: Subscriber }
  | { action: 'none'; reason: 'suppressed' | 'recent' };

/** `already`: the link was used before (nothing changes); `invalid`: anything else unusable. */
export type ConfirmOutcome =
  | { outcome: 'confirmed' | 'already'; subscriber: Subscriber }
  | { outcome: 'invalid' };

interface SubscriberRecord {
  id: number;
  email: string;
  name: string;
  topics: string;
  status: SubscriberStatus;
  created_at: number;
  updated_at: number;
  unsubscribed_at: number | null;
  frequency: Frequency;
  weekday: number | null;
  confirm_nonce: string | null;
  confirm_count: number;
  confirm_sent_at: number | null;
  notice_sent_at: number | null;
  confirmed_at: number | null;
}

/** Validate raw user input (CLI `add`, web forms) into a SubscriberInput, or throw E_SUBSCRIBER. */
export function subscriberInput(email: string, name = '', topics = ''): SubscriberInput {
  const address = normalizeEmail(email);
  if (!address.ok) throw new DigestError('E_SUBSCRIBER', `the address "${email}" ${address.reason}`);
  const checkedName = normalizeName(name);
  if (!checkedName.ok) throw new DigestError('E_SUBSCRIBER', `${address.email}: ${checkedName.reason}`);
  const checkedTopics = parseTopics(topics);
  if (!checkedTopics.ok) throw new DigestError('E_SUBSCRIBER', `${address.email}: ${checkedTopics.reason}`);
  return { email: address.email, name: checkedName.value, topics: checkedTopics.topics };
}

interface AddressRecord {
  id: number;
  suppressed_at: number | null;
}

/** The SubscriberStore on an open SQLite database (see openDatabase). */
export class SqliteSubscriberStore implements SubscriberStore {
  readonly #db: SqliteDatabase;
  readonly #now: () => number;
  readonly #byKey;
  readonly #byId;
  readonly #address;
  readonly #newAddress;
  readonly #insert;
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
    this.#insert = db.prepare<
      [number, string, string, string, string, number, number, number | null, Frequency, number | null]
    >(
      `INSERT INTO subscribers (id, email, name, topics, status, created_at, updated_at, unsubscribed_at,
         frequency, weekday)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.#update = db.prepare<[string, string, Frequency, number | null, number, number]>(
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
        if (
          next.name !== row.name ||
          next.topics !== row.topics ||
          next.frequency !== row.frequency ||
          next.weekday !== row.weekday
        ) {
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
        const address = this.#address.get(key);
        if (address?.suppressed_at != null) return { action: 'none', reason: 'suppressed' };
        let row = this.#byKey.get(key);
        if (row?.status === 'unsubscribed') return { action: 'none', reason: 'suppressed' };
        const recent = (at: number | null) => at !== null && now - at < options.quietMs;
        if (row?.status === 'active') {
          // Nothing the form says changes an active subscriber: anyone can type their address.
          if (recent(row.notice_sent_at)) return { action: 'none', reason: 'recent' };
          this.#db.prepare('UPDATE subscribers SET notice_sent_at = ? WHERE id = ?').run(now, row.id);
          return { action: 'notice', subscriber: toSubscriber(row), sequence: now, at: now };
        }
        // New or still pending: the latest form's name, topics and frequency win.
        if (!row) {
          const id = this.#addressOf(key, now).id;
          const status = options.doubleOptIn ? 'pending' : 'active';
          const frequency = input.frequency ?? 'daily';
          const topics = JSON.stringify(input.topics);
          this.#insert.run(id, input.email, input.name, topics, status, now, now, null, frequency, null);
          row = this.#byId.get(id) as SubscriberRecord;
        } else {
          const next = merged(row, { ...input, weekday: input.weekday ?? row.weekday });
          this.#update.run(next.name, next.topics, next.frequency, next.weekday, now, row.id);
        }
        if (!options.doubleOptIn) {
          this.#db
            .prepare(
              "UPDATE subscribers SET status = 'active', confirm_nonce = NULL, updated_at = ? WHERE id = ?",
            )
            .run(now, row.id);
          return {
            action: 'activated',
            subscriber: toSubscriber(this.#byId.get(row.id) as SubscriberRecord),
          };
        }
        if (recent(row.confirm_sent_at)) return { action: 'none', reason: 'recent' };
        // One nonce while pending: every confirmation mail carries it, the first click uses it up.
        const nonce = row.confirm_nonce ?? randomBytes(18).toString('base64url');
        this.#db
          .prepare(
            `UPDATE subscribers SET confirm_nonce = ?, confirm_count = confirm_count + 1, confirm_sent_at = ?
             WHERE id = ?`,
          )
          .run(nonce, now, row.id);
        const after = this.#byId.get(row.id) as SubscriberRecord;
        return {
          action: 'confirm',
          subscriber: toSubscriber(after),
          nonce,
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
        if (!row) return { outcome: 'invalid' };
        const address = this.#address.get(addressKey(row.email));
        if (address?.suppressed_at != null) return { outcome: 'invalid' };
        if (row.status === 'active' && row.confirm_nonce === null && row.confirmed_at !== null) {
          return { outcome: 'already', subscriber: toSubscriber(row) };
        }
        if (row.status !== 'pending' || !sameSecret(row.confirm_nonce, nonce)) return { outcome: 'invalid' };
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
    return row?.reason === 'bounced' || row?.reason === 'complained';
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

  #upsert(row: SubscriberInput, now: number): 'added' | 'updated' | 'unchanged' | 'keptUnsubscribed' {
    const topics = JSON.stringify(row.topics);
    const key = addressKey(row.email);
    const existing = this.#byKey.get(key);
    if (!existing) {
      const address = this.#addressOf(key, now);
      const suppressed = address.suppressed_at !== null;
      this.#insert.run(
        address.id,
        row.email,
        row.name,
        topics,
        suppressed ? 'unsubscribed' : 'active',
        now,
        now,
        address.suppressed_at,
        row.frequency ?? 'daily',
        row.weekday ?? null,
      );
      return suppressed ? 'keptUnsubscribed' : 'added';
    }
    const next = merged(existing, row);
    const changed =
      existing.name !== next.name ||
      existing.topics !== next.topics ||
      existing.frequency !== next.frequency ||
      existing.weekday !== next.weekday;
    if (changed) this.#update.run(next.name, next.topics, next.frequency, next.weekday, now, existing.id);
    if (existing.status === 'unsubscribed') return 'keptUnsubscribed';
    return changed ? 'updated' : 'unchanged';
  }
}

/** The lookup key of an address (see addressKey), or undefined when it can't be an address. */
function lookupKey(email: string): string | undefined {
  const address = normalizeEmail(email);
  return address.ok ? addressKey(address.email) : undefined;
}

/** A row's stored preferences with the given ones applied (absent ones kept), checked. */
function merged(
  row: SubscriberRecord,
  given: Partial<Preferences>,
): Pick<SubscriberRecord, 'name' | 'topics' | 'frequency' | 'weekday'> {
  const frequency = given.frequency ?? row.frequency;
  const weekday = given.weekday === undefined ? row.weekday : given.weekday;
  if (!FREQUENCIES.includes(frequency)) {
    throw new DigestError(
      'E_SUBSCRIBER',
      `${row.email}: frequency "${frequency}" is not one of ${FREQUENCIES.join(', ')}`,
    );
  }
  if (weekday !== null && !(Number.isInteger(weekday) && weekday >= 1 && weekday <= 7)) {
    throw new DigestError('E_SUBSCRIBER', `${row.email}: weekday ${weekday} is not 1 (Monday) to 7 (Sunday)`);
  }
  return {
    name: given.name ?? row.name,
    topics: given.topics ? JSON.stringify(given.topics) : row.topics,
    frequency,
    weekday,
  };
}

/** Constant-time comparison of a stored secret with a given one; false when none is stored. */
function sameSecret(stored: string | null, given: string): boolean {
  if (stored === null) return false;
  const a = Buffer.from(stored);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

function toSubscriber(row: SubscriberRecord): Subscriber {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    topics: JSON.parse(row.topics) as string[],
    status: row.status,
    frequency: row.frequency,
    weekday: row.weekday,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    unsubscribedAt: row.unsubscribed_at,
    confirmedAt: row.confirmed_at,
  };
}
