import { randomBytes, timingSafeEqual } from 'node:crypto';
import { DigestError } from '../errors.js';
import { addressKey, normalizeEmail } from './_address.js';
import {
  FREQUENCIES,
  type Frequency,
  type ImportCounts,
  type Preferences,
  type SignupOptions,
  type Subscriber,
  type SubscriberInput,
  type SubscriberStatus,
} from './_subscribers.js';

/**
 * The pure parts of a subscriber store: the row layout, the checks and every decision (what an
 * import row counts as, what a signup mails, whether a link confirms). The SQLite and PostgreSQL
 * stores both read rows, call these, and write what they say, so the two cannot drift apart.
 */

/** A `subscribers` row as both databases return it (times epoch ms, topics a JSON array). */
export interface SubscriberRecord {
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

/** The part of an `addresses` row a decision needs. */
export interface AddressRecord {
  id: number;
  suppressed_at: number | null;
}

/** The preference columns of a subscriber row. */
export type PreferenceColumns = Pick<SubscriberRecord, 'name' | 'topics' | 'frequency' | 'weekday'>;

/** The columns of a new subscriber row, in the order NEW_SUBSCRIBER_COLUMNS names them. */
export type NewSubscriberRow = Pick<
  SubscriberRecord,
  'id' | 'email' | 'name' | 'topics' | 'status' | 'created_at' | 'updated_at' | 'unsubscribed_at'
> &
  Pick<SubscriberRecord, 'frequency' | 'weekday'>;

/** The column list of an INSERT of a NewSubscriberRow. */
export const NEW_SUBSCRIBER_COLUMNS = [
  'id',
  'email',
  'name',
  'topics',
  'status',
  'created_at',
  'updated_at',
  'unsubscribed_at',
  'frequency',
  'weekday',
] as const satisfies readonly (keyof NewSubscriberRow)[];

/** A NewSubscriberRow's values in NEW_SUBSCRIBER_COLUMNS order, for a prepared INSERT. */
export function newSubscriberValues(row: NewSubscriberRow) {
  return [
    row.id,
    row.email,
    row.name,
    row.topics,
    row.status,
    row.created_at,
    row.updated_at,
    row.unsubscribed_at,
    row.frequency,
    row.weekday,
  ] as [
    number,
    string,
    string,
    string,
    SubscriberStatus,
    number,
    number,
    number | null,
    Frequency,
    number | null,
  ];
}

/** The lookup key of an address (see addressKey), or undefined when it can't be an address. */
export function lookupKey(email: string): string | undefined {
  const address = normalizeEmail(email);
  return address.ok ? addressKey(address.email) : undefined;
}

/** The row an import or `add` creates for an address seen for the first time on the list. */
export function importedSubscriber(
  address: AddressRecord,
  row: SubscriberInput,
  now: number,
): NewSubscriberRow {
  const suppressed = address.suppressed_at !== null;
  return {
    id: address.id,
    email: row.email,
    name: row.name,
    topics: JSON.stringify(row.topics),
    status: suppressed ? 'unsubscribed' : 'active',
    created_at: now,
    updated_at: now,
    // A suppressed address joins as unsubscribed, since the time it unsubscribed.
    unsubscribed_at: address.suppressed_at,
    frequency: row.frequency ?? 'daily',
    weekday: row.weekday ?? null,
  };
}

/** What an import row that created a subscriber counts as. */
export function insertOutcome(created: NewSubscriberRow): keyof ImportCounts {
  return created.status === 'unsubscribed' ? 'keptUnsubscribed' : 'added';
}

/** What an import row for an existing subscriber counts as, once merged (see merged). */
export function updateOutcome(existing: SubscriberRecord, changed: boolean): keyof ImportCounts {
  if (existing.status === 'unsubscribed') return 'keptUnsubscribed';
  return changed ? 'updated' : 'unchanged';
}

/** Whether `next` differs from the row's stored preferences (the one comparison an update needs). */
export function preferencesChanged(row: PreferenceColumns, next: PreferenceColumns): boolean {
  return (
    next.name !== row.name ||
    next.topics !== row.topics ||
    next.frequency !== row.frequency ||
    next.weekday !== row.weekday
  );
}

/** Throw E_SUBSCRIBER (naming `email`) unless the frequency and weekday are ones a row may hold. */
export function checkSchedule(email: string, frequency: Frequency, weekday: number | null): void {
  if (!FREQUENCIES.includes(frequency)) {
    throw new DigestError(
      'E_SUBSCRIBER',
      `${email}: frequency "${frequency}" is not one of ${FREQUENCIES.join(', ')}`,
    );
  }
  if (weekday !== null && !(Number.isInteger(weekday) && weekday >= 1 && weekday <= 7)) {
    throw new DigestError('E_SUBSCRIBER', `${email}: weekday ${weekday} is not 1 (Monday) to 7 (Sunday)`);
  }
}

/** A row's stored preferences with the given ones applied (absent ones kept), checked. */
export function merged(row: SubscriberRecord, given: Partial<Preferences>): PreferenceColumns {
  const frequency = given.frequency ?? row.frequency;
  const weekday = given.weekday === undefined ? row.weekday : given.weekday;
  checkSchedule(row.email, frequency, weekday);
  return {
    name: given.name ?? row.name,
    topics: given.topics ? JSON.stringify(given.topics) : row.topics,
    frequency,
    weekday,
  };
}

/** True for a suppression that only `resubscribe` lifts (src/bounces), not the subscriber's own link. */
export function isBounceSuppression(reason: string | null | undefined): boolean {
  return reason === 'bounced' || reason === 'complained';
}

/**
 * The first decision of a signup, from the address's suppression and its subscriber row (if any):
 * mail nothing (suppressed, or a notice went out less than quietMs ago), send the "already
 * subscribed" notice (an active address: nothing the form says changes it, anyone can type an
 * address), or write the form (`insert` a new row, `update` a pending one) and go on to
 * signupMail.
 */
export function signupStart(
  address: AddressRecord | undefined,
  row: SubscriberRecord | undefined,
  options: SignupOptions,
  now: number,
): { action: 'none'; reason: 'suppressed' | 'recent' } | { action: 'notice' | 'insert' | 'update' } {
  if (address?.suppressed_at != null) return { action: 'none', reason: 'suppressed' };
  if (row?.status === 'unsubscribed') return { action: 'none', reason: 'suppressed' };
  if (row?.status === 'active') {
    return recent(row.notice_sent_at, now, options.quietMs)
      ? { action: 'none', reason: 'recent' }
      : { action: 'notice' };
  }
  return { action: row ? 'update' : 'insert' };
}

/** The row a signup creates (pending with double opt-in, else active): the form's name, topics, frequency. */
export function signedUpSubscriber(
  id: number,
  input: SubscriberInput,
  options: SignupOptions,
  now: number,
): NewSubscriberRow {
  return {
    id,
    email: input.email,
    name: input.name,
    topics: JSON.stringify(input.topics),
    status: options.doubleOptIn ? 'pending' : 'active',
    created_at: now,
    updated_at: now,
    unsubscribed_at: null,
    frequency: input.frequency ?? 'daily',
    weekday: null,
  };
}

/** A pending row's preferences after a new signup form: the latest form's name, topics and frequency win. */
export function signupPreferences(row: SubscriberRecord, input: SubscriberInput): PreferenceColumns {
  return merged(row, { ...input, weekday: input.weekday ?? row.weekday });
}

/**
 * The second decision of a signup, once the form is written (`row` as it was before: its nonce and
 * last confirmation time): activate at once (no double opt-in), mail nothing (a confirmation went
 * out less than quietMs ago), or mail a confirmation with `nonce` (one nonce while pending: every
 * confirmation mail carries it, the first click uses it up).
 */
export function signupMail(
  row: Pick<SubscriberRecord, 'confirm_nonce' | 'confirm_sent_at'> | undefined,
  options: SignupOptions,
  now: number,
): { action: 'activate' } | { action: 'none'; reason: 'recent' } | { action: 'confirm'; nonce: string } {
  if (!options.doubleOptIn) return { action: 'activate' };
  if (row && recent(row.confirm_sent_at, now, options.quietMs)) return { action: 'none', reason: 'recent' };
  return { action: 'confirm', nonce: row?.confirm_nonce ?? randomBytes(18).toString('base64url') };
}

/** What following a confirmation link does to `row` (its address suppression `address`). */
export function confirmStep(
  row: SubscriberRecord | undefined,
  address: AddressRecord | undefined,
  nonce: string,
): 'invalid' | 'already' | 'confirm' {
  if (!row) return 'invalid';
  if (address?.suppressed_at != null) return 'invalid';
  if (row.status === 'active' && row.confirm_nonce === null && row.confirmed_at !== null) return 'already';
  if (row.status !== 'pending' || !sameSecret(row.confirm_nonce, nonce)) return 'invalid';
  return 'confirm';
}

function recent(at: number | null, now: number, quietMs: number): boolean {
  return at !== null && now - at < quietMs;
}

/** Constant-time comparison of a stored secret with a given one; false when none is stored. */
export function sameSecret(stored: string | null, given: string): boolean {
  if (stored === null) return false;
  const a = Buffer.from(stored);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** A stored row as the Subscriber the store hands out. */
export function toSubscriber(row: SubscriberRecord): Subscriber {
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
