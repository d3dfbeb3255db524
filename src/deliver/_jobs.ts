import type { ClaimScope, DeliveryRecord, Ledger, SendLock, Subscriber } from '../store/index.js';

/** One recipient to send to in this run. */
export interface Job {
  /** 1-based order of the job in this run (the dry run's file names). */
  seq: number;
  subscriber: Subscriber;
  messageId: string;
  /** Attempts in this run. */
  attempts: number;
}

/**
 * Where a delivery run takes its next new job from (retries stay with the run that holds them):
 * the list made up front by an exclusive sender, or batches claimed from a shared ledger.
 */
export interface JobSource {
  /** Jobs known to this run so far: the progress total. */
  readonly total: number;
  /** Most jobs the run will ever have at once (bounds its in-flight window). */
  readonly limit: number;
  /** Whether take() has a job now. */
  readonly ready: boolean;
  /** No new job will come any more. */
  readonly done: boolean;
  /** The next new job, if one is at hand. */
  take(): Job | undefined;
  /** Begin: `wake` is called when jobs arrive or the source is done, `fail` on a ledger error. */
  start(wake: () => void, fail: (cause: unknown) => void): void;
  /** No more claims or timers (the run ended). */
  stop(): void;
}

/** An exclusive sender's jobs: the list it made from the ledger, in order. */
export function listedJobs(jobs: Job[]): JobSource {
  let next = 0;
  return {
    get total() {
      return jobs.length;
    },
    limit: jobs.length,
    get ready() {
      return next < jobs.length;
    },
    get done() {
      return next >= jobs.length;
    },
    take: () => (next < jobs.length ? jobs[next++] : undefined),
    start: () => {},
    stop: () => {},
  };
}

export interface ClaimOptions {
  ledger: Required<Pick<Ledger, 'claim' | 'outstanding'>>;
  lock: SendLock;
  scope: ClaimScope;
  /** Rows per claim: a few times the run's in-flight window. */
  batch: number;
  /** Wait between two looks while other senders hold unsettled rows, ms (about lease / 3). */
  pollMs: number;
  /** The active subscribers, by id, as listed when the run started. */
  subscribers: Map<number, Subscriber>;
  /** Read the active subscribers again (a row claimed for someone who subscribed after the list). */
  relist: () => Promise<Subscriber[]>;
}

/** Wait after a claim that came back empty while rows were claimable (another sender's claim held them), ms. */
const CONTENDED_MS = 50;
/** Quick looks in a row before the source waits pollMs between them. */
const MAX_CONTENDED = 20;

/**
 * A shared sender's jobs: rows claimed from the ledger in batches, a new claim as soon as fewer
 * than a batch's worth are left at hand, so the window never runs dry while the database answers.
 * When a claim comes back empty the source asks what is outstanding: while other live senders
 * hold unsettled rows (which come back to the claimable ones if their sender dies) it looks again
 * every pollMs; once nothing is claimable and nothing is held, it is done.
 */
export class ClaimedJobs implements JobSource {
  readonly limit = Number.POSITIVE_INFINITY;
  readonly #options: ClaimOptions;
  readonly #atHand: Job[] = [];
  /** Every subscriber this run has taken a job for: a row claimed again is not sent again. */
  readonly #taken = new Set<number>();
  #handedOut = 0;
  #claiming = false;
  /** Contended claims in a row (see CONTENDED_MS). */
  #contended = 0;
  #finished = false;
  #stopped = false;
  #timer: NodeJS.Timeout | undefined;
  #wake: () => void = () => {};
  #fail: (cause: unknown) => void = () => {};

  constructor(options: ClaimOptions) {
    this.#options = options;
  }

  get total(): number {
    return this.#handedOut + this.#atHand.length;
  }

  get ready(): boolean {
    return this.#atHand.length > 0;
  }

  get done(): boolean {
    return this.#finished && this.#atHand.length === 0;
  }

  /**
   * The first claim, before the run starts: false when there is nothing to send and nothing to wait
   * for (the digest is done, or what is left is out of scope), so the transport is never opened.
   */
  async prime(): Promise<boolean> {
    const more = await this.#claimOnce();
    if (more === 'none') this.#finished = true;
    return more !== 'none';
  }

  take(): Job | undefined {
    const job = this.#atHand.shift();
    if (job) this.#handedOut++;
    this.#refill();
    return job;
  }

  start(wake: () => void, fail: (cause: unknown) => void): void {
    this.#wake = wake;
    this.#fail = fail;
    this.#refill();
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #refill(): void {
    if (this.#stopped || this.#finished || this.#claiming || this.#timer) return;
    if (this.#atHand.length >= this.#options.batch) return;
    this.#claiming = true;
    this.#claimOnce()
      .then((more) => {
        this.#claiming = false;
        if (this.#stopped) return;
        this.#contended = more === 'contended' ? this.#contended + 1 : 0;
        if (more === 'none') this.#finished = true;
        else if (more === 'jobs') this.#refill();
        else {
          // Contention clears within a transaction; a count that stays wrong must not spin.
          const quick = more === 'contended' && this.#contended <= MAX_CONTENDED;
          this.#timer = setTimeout(
            () => {
              this.#timer = undefined;
              this.#refill();
            },
            quick ? CONTENDED_MS : this.#options.pollMs,
          );
        }
        this.#wake();
      })
      .catch((cause) => {
        this.#claiming = false;
        this.#finished = true;
        this.#fail(cause);
        this.#wake();
      });
  }

  /**
   * One claim: 'jobs' when new rows came (put at hand), 'contended' when rows were claimable but
   * another sender's claim held them, 'wait' while others hold unsettled rows, 'none' when done.
   */
  async #claimOnce(): Promise<'jobs' | 'contended' | 'wait' | 'none'> {
    const { ledger, lock, scope, batch } = this.#options;
    const rows = await ledger.claim(lock, batch, scope);
    const fresh = rows.filter((r) => !this.#taken.has(r.subscriberId));
    if (fresh.length > 0) {
      await this.#add(fresh);
      return 'jobs';
    }
    // Rows this run took already (and settled) came back: nothing new for this sender.
    if (rows.length > 0) return 'none';
    const left = await ledger.outstanding(lock, scope);
    if (left.claimable > 0) return 'contended';
    return left.heldByOthers > 0 ? 'wait' : 'none';
  }

  async #add(rows: DeliveryRecord[]): Promise<void> {
    let known = this.#options.subscribers;
    if (rows.some((r) => !known.has(r.subscriberId))) {
      const again = await this.#options.relist();
      known = new Map(again.filter((s) => s.status === 'active').map((s) => [s.id, s]));
      for (const [id, s] of known) this.#options.subscribers.set(id, s);
    }
    for (const row of rows) {
      this.#taken.add(row.subscriberId);
      const subscriber = known.get(row.subscriberId);
      // No longer active: markSending would refuse it; the ledger lets the row go at release.
      if (!subscriber) continue;
      this.#atHand.push({
        seq: this.#handedOut + this.#atHand.length + 1,
        subscriber,
        // The row's Message-ID: a resend carries the id of the first attempt.
        messageId: row.messageId,
        attempts: 0,
      });
    }
  }
}
