import { createHash } from 'node:crypto';

/**
 * The send ledger: one row per (digest, subscriber), so that a crash, a pause or a second run never
 * sends a digest twice to the same person nor forgets anyone.
 *
 *   pending -> sending -> sent | failed_temp | failed_perm | unknown
 *
 * `sending` is committed just before a message's content goes out (after the server accepted its
 * envelope) and the outcome right after the server answers.
 * A row still `sending` when the next run starts belongs to a run that died mid-message: nobody can
 * tell whether the server took it, so it becomes `unknown` and is resent only on request.
 */

/** Every state of a ledger row. */
export const DELIVERY_STATES = [
  'pending',
  'sending',
  'sent',
  'failed_temp',
  'failed_perm',
  'unknown',
] as const;
export type DeliveryState = (typeof DELIVERY_STATES)[number];

/** One ledger row. Times are epoch milliseconds. */
export interface DeliveryRecord {
  digestKey: string;
  subscriberId: number;
  email: string;
  messageId: string;
  state: DeliveryState;
  /** Attempts over all runs. */
  attempts: number;
  /** The last SMTP reply code, if the server answered. */
  lastCode: number | null;
  /** The last SMTP reply or error text. */
  lastReply: string | null;
  createdAt: number;
  updatedAt: number;
  sentAt: number | null;
}

/** A row to create as `pending` (existing rows are left as they are). */
export interface DeliveryEntry {
  subscriberId: number;
  email: string;
  messageId: string;
}

/** The outcome of one attempt. */
export interface DeliveryResult {
  state: 'sent' | 'failed_temp' | 'failed_perm' | 'unknown';
  code?: number;
  reply?: string;
}

/** The outcome of an attempt at one subscriber, for committing several at once. */
export interface ResultEntry {
  subscriberId: number;
  result: DeliveryResult;
}

/** A digest that a send run started (what the web archive lists). */
export interface DigestRecord {
  digestKey: string;
  date: string;
  subject: string;
  items: number;
  firstSentAt: number;
  lastSentAt: number;
}

/** What a send run tells the ledger about its digest. */
export type DigestInfo = Omit<DigestRecord, 'firstSentAt' | 'lastSentAt'>;

/** Held by a run allowed to send a digest; see Ledger.lock. */
export interface SendLock {
  readonly digestKey: string;
  /** This sender, as written into the rows it holds (a random id per lock). */
  readonly workerId: string;
  /**
   * Senders of this digest working now, this one included, as of the last lease renewal: 1 for an
   * exclusive lock. A shared sender takes rateLimit / workers as its part of a global rate limit.
   */
  readonly workers: number;
  /** True once another process took the lock over (this one looked dead): stop sending. */
  readonly lost: boolean;
  release(): Promise<void>;
}

/** The rendered parts of a digest that every recipient gets. */
export interface DigestParts {
  subject: string;
  html: string;
  text: string;
}

/** A digest's parts as the first sender stored them (see Ledger.storeCopy). */
export interface StoredCopy extends DigestParts {
  /** SHA-256 (hex) of the parts, over subject, html and text. */
  sha256: string;
  /** The worker id and host of the sender that stored them. */
  storedBy: string;
  storedAt: number;
  /** True when this call stored them (this sender was the first). */
  mine: boolean;
}

/** Which settled rows a sender takes again besides pending and failed_temp ones. */
export interface ClaimScope {
  /** `--retry-failed`. */
  failedPerm: boolean;
  /** `--resend-unknown`. */
  unknown: boolean;
}

/** What is left of a digest for a shared sender that found nothing to claim. */
export interface Outstanding {
  /** Rows nobody holds that claim() would take now. */
  claimable: number;
  /**
   * Rows other live senders hold and have not settled (pending, or sending): they may come back if
   * their sender dies. Outcomes they hold (a 4xx they may retry) are not counted, so that senders
   * done but for those never wait for each other.
   */
  heldByOthers: number;
}

/**
 * Where delivery state lives. Async so that a server database can take SQLite's place later.
 * Every method commits before it resolves.
 */
export interface Ledger {
  /**
   * False (SQLite, memory): one sender per digest; lock() is exclusive, and the sender sends to the
   * rows it listed. True (PostgreSQL): any number of senders, on any machine, share a digest; lock()
   * joins them under a lease, and each takes its rows with claim().
   */
  readonly shared: boolean;
  /**
   * Exclusive: become the only sender of a digest, or throw E_SEND_LOCKED naming the running one.
   * Shared: register as one more sender, with a lease renewed while the lock is held; `lost` once a
   * renewal came too late (the rows it held may be another's by then: stop).
   */
  lock(digestKey: string): Promise<SendLock>;
  /**
   * Turn rows left `sending` by a dead run into `unknown`; returns how many. Call while locked.
   * Shared: only rows whose sender's lease ran out (or that it released); a live sender's are its
   * messages on their way.
   */
  recoverInterrupted(digestKey: string): Promise<number>;
  /**
   * Close every `unknown` row of a digest as `sent` without sending (`--mark-unknown-sent`), with
   * `reply` as its last reply; returns how many. Call while locked, after recoverInterrupted.
   */
  closeUnknown(digestKey: string, reply: string): Promise<number>;
  /** Create `pending` rows for entries that have none; returns how many were created. */
  enqueue(digestKey: string, entries: DeliveryEntry[]): Promise<number>;
  /** Every row of a digest, by subscriber id. */
  list(digestKey: string): Promise<DeliveryRecord[]>;
  /**
   * Commit `sending` just before a message goes out; false when the row is `sent` (or `sending`) already,
   * or missing, or its subscriber is no longer active (unsubscribed or removed since the run started). `settle`: outcomes of earlier attempts, committed first in the same transaction (one
   * commit per message instead of two; see markResults).
   */
  markSending(digestKey: string, subscriberId: number, settle?: ResultEntry[]): Promise<boolean>;
  /**
   * Commit the outcome of an attempt (+1 attempt). Applies to any row not `sent`: an attempt the server
   * refused at the envelope never reached `sending`.
   */
  markResult(digestKey: string, subscriberId: number, result: DeliveryResult): Promise<void>;
  /** markResult for each entry, in order, in one transaction. */
  markResults(digestKey: string, entries: ResultEntry[]): Promise<void>;
  /** How many rows are in each state. */
  counts(digestKey: string): Promise<Record<DeliveryState, number>>;
  /**
   * Note that a digest is being sent. The first call sets subject, item count and first time; later
   * runs (a resume after a template change) only move the last time, so the archive's subject and
   * count stay those of the copy that went out first, like its frozen web copy.
   */
  recordDigest(info: DigestInfo): Promise<void>;
  /** Digests that a send run started, newest date first. */
  listDigests(): Promise<DigestRecord[]>;
  /**
   * Shared only: store `parts` as the digest's copy unless one is stored already, and return the
   * stored one, so that every sender on every machine sends the same bytes.
   */
  storeCopy?(digestKey: string, parts: DigestParts, lock: SendLock): Promise<StoredCopy>;
  /**
   * Shared only: hold up to `limit` rows of the digest that no live sender holds (pending and
   * failed_temp, plus those `scope` adds), oldest subscriber first, for `lock`'s sender until its
   * lease runs out (SELECT ... FOR UPDATE SKIP LOCKED: two senders never get the same row).
   * markSending then refuses a row this sender does not hold.
   */
  claim?(lock: SendLock, limit: number, scope: ClaimScope): Promise<DeliveryRecord[]>;
  /** Shared only: what is left for a sender whose claim() came back empty (see Outstanding). */
  outstanding?(lock: SendLock, scope: ClaimScope): Promise<Outstanding>;
}

/**
 * The SHA-256 (hex) of a digest's parts, as StoredCopy.sha256: over the JSON array [subject, html,
 * text], so that no two different sets of parts run together into the same bytes.
 */
export function digestPartsSha256(parts: DigestParts): string {
  return createHash('sha256')
    .update(JSON.stringify([parts.subject, parts.html, parts.text]))
    .digest('hex');
}

/** A zero count for every state. */
export function emptyCounts(): Record<DeliveryState, number> {
  return Object.fromEntries(DELIVERY_STATES.map((s) => [s, 0])) as Record<DeliveryState, number>;
}
