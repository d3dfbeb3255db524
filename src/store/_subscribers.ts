import { DigestError } from '../errors.js';
import { normalizeEmail, normalizeName, parseTopics } from './_address.js';
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

/**
 * Where subscribers live. Async so that a server database can take SQLite's place later.
 * Addresses given to lookups are normalised first, so the domain's case never matters.
 */
export interface SubscriberStore {
  /** Add or update many rows in one transaction. Never re-activates an unsubscribed address. */
  importMany(rows: SubscriberInput[]): Promise<ImportCounts>;
  /** Add one subscriber, or update and re-activate an existing one (an explicit request). */
  add(input: SubscriberInput): Promise<{ subscriber: Subscriber; created: boolean; reactivated: boolean }>;
  /** Delete a subscriber; false when the address is unknown. The send ledger keeps its rows. */
  remove(email: string): Promise<boolean>;
  findByEmail(email: string): Promise<Subscriber | undefined>;
  findById(id: number): Promise<Subscriber | undefined>;
  /** Subscribers by id; only one status when given. */
  list(filter?: { status?: SubscriberStatus }): Promise<Subscriber[]>;
  /** Unsubscribe or re-subscribe; false when the id is unknown. Repeating it changes nothing. */
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

/** The SubscriberStore on an open SQLite database (see openDatabase). */
export class SqliteSubscriberStore implements SubscriberStore {
  readonly #db: SqliteDatabase;
  readonly #now: () => number;
  readonly #byEmail;
  readonly #byId;
  readonly #insert;
  readonly #update;

  /** `now` is the clock for stored times (epoch ms), default Date.now. */
  constructor(db: SqliteDatabase, options: { now?: () => number } = {}) {
    this.#db = db;
    this.#now = options.now ?? Date.now;
    this.#byEmail = db.prepare<[string], SubscriberRecord>('SELECT * FROM subscribers WHERE email = ?');
    this.#byId = db.prepare<[number], SubscriberRecord>('SELECT * FROM subscribers WHERE id = ?');
    this.#insert = db.prepare<[string, string, string, number, number]>(
      'INSERT INTO subscribers (email, name, topics, created_at, updated_at) VALUES (?, ?, ?, ?, ?)',
    );
    this.#update = db.prepare<[string, string, number, number]>(
      'UPDATE subscribers SET name = ?, topics = ?, updated_at = ? WHERE id = ?',
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

  async add(input: SubscriberInput) {
    const now = this.#now();
    return this.#db
      .transaction(() => {
        const before = this.#byEmail.get(input.email);
        this.#upsert(input, now);
        let reactivated = false;
        if (before?.status === 'unsubscribed') {
          this.#db
            .prepare(
              "UPDATE subscribers SET status = 'active', unsubscribed_at = NULL, updated_at = ? WHERE id = ?",
            )
            .run(now, before.id);
          reactivated = true;
        }
        const after = this.#byEmail.get(input.email) as SubscriberRecord;
        return { subscriber: toSubscriber(after), created: before === undefined, reactivated };
      })
      .immediate();
  }

  async remove(email: string): Promise<boolean> {
    const key = lookupKey(email);
    if (key === undefined) return false;
    return this.#db.prepare('DELETE FROM subscribers WHERE email = ?').run(key).changes > 0;
  }

  async findByEmail(email: string): Promise<Subscriber | undefined> {
    const key = lookupKey(email);
    const row = key === undefined ? undefined : this.#byEmail.get(key);
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
    const row = this.#byId.get(id);
    if (!row) return false;
    if (row.status === status) return true;
    this.#db
      .prepare('UPDATE subscribers SET status = ?, unsubscribed_at = ?, updated_at = ? WHERE id = ?')
      .run(status, status === 'unsubscribed' ? now : null, now, id);
    return true;
  }

  #upsert(row: SubscriberInput, now: number): 'added' | 'updated' | 'unchanged' | 'keptUnsubscribed' {
    const topics = JSON.stringify(row.topics);
    const existing = this.#byEmail.get(row.email);
    if (!existing) {
      this.#insert.run(row.email, row.name, topics, now, now);
      return 'added';
    }
    const changed = existing.name !== row.name || existing.topics !== topics;
    if (changed) this.#update.run(row.name, topics, now, existing.id);
    if (existing.status === 'unsubscribed') return 'keptUnsubscribed';
    return changed ? 'updated' : 'unchanged';
  }
}

/** The stored form of an address for lookups, or undefined when it can't be an address. */
function lookupKey(email: string): string | undefined {
  const address = normalizeEmail(email);
  return address.ok ? address.email : undefined;
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
