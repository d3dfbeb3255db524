import { DigestError } from '../errors.js';
import { normalizeEmail, normalizeName, parseTopics } from './_address.js';

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
 * Where subscribers live: a SQLite file (SqliteSubscriberStore) or a PostgreSQL database
 * (PgSubscriberStore), with the same outcomes; their pure parts are in _subscriber-rows.ts.
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
