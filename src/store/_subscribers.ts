import { DigestError } from '../errors.js';
import { addressKey, normalizeEmail, normalizeName, parseTopics } from './_address.js';
import type { SqliteDatabase } from './_db.js';

export type SubscriberStatus = 'active' | 'unsubscribed';

/** One subscriber as stored. Times are epoch milliseconds. */
export interface Subscriber {
  id: number;
  /** Normalised: the domain lower-cased. */
  email: string;
  name: string;
  topics: string[];
  status: SubscriberStatus;
  createdAt: number;
  updatedAt: number;
  unsubscribedAt: number | null;
}

/** What to add or update; email, name and topics must already be validated (see normalizeEmail). */
export interface SubscriberInput {
  email: string;
  name: string;
  topics: string[];
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
  /** Unsubscribe or re-subscribe (suppression record included); false when the id is unknown. */
  setStatus(id: number, status: SubscriberStatus): Promise<boolean>;
}

interface SubscriberRecord {
  id: number;
  email: string;
  name: string;
  topics: string;
  status: SubscriberStatus;
  created_at: number;
  updated_at: number;
  unsubscribed_at: number | null;
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
    this.#insert = db.prepare<[number, string, string, string, string, number, number, number | null]>(
      `INSERT INTO subscribers (id, email, name, topics, status, created_at, updated_at, unsubscribed_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.#update = db.prepare<[string, string, number, number]>(
      'UPDATE subscribers SET name = ?, topics = ?, updated_at = ? WHERE id = ?',
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
        this.#db
          .prepare('UPDATE subscribers SET status = ?, unsubscribed_at = ?, updated_at = ? WHERE id = ?')
          .run(status, status === 'unsubscribed' ? now : null, now, id);
        if (status === 'unsubscribed') this.#suppress.run(now, 'unsubscribed', id);
        else this.#suppress.run(null, null, id);
        return true;
      })
      .immediate();
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
      );
      return suppressed ? 'keptUnsubscribed' : 'added';
    }
    const changed = existing.name !== row.name || existing.topics !== topics;
    if (changed) this.#update.run(row.name, topics, now, existing.id);
    if (existing.status === 'unsubscribed') return 'keptUnsubscribed';
    return changed ? 'updated' : 'unchanged';
  }
}

/** The lookup key of an address (see addressKey), or undefined when it can't be an address. */
function lookupKey(email: string): string | undefined {
  const address = normalizeEmail(email);
  return address.ok ? addressKey(address.email) : undefined;
}

function toSubscriber(row: SubscriberRecord): Subscriber {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    topics: JSON.parse(row.topics) as string[],
    status: row.status,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    unsubscribedAt: row.unsubscribed_at,
  };
}
