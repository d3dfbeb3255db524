import { performance } from 'node:perf_hooks';
import { DigestError } from '../errors.js';
import {
  type ClaimScope,
  type DeliveryRecord,
  type DeliveryState,
  type DigestParts,
  type Ledger,
  normalizeEmail,
  type ResultEntry,
  type SendLock,
  type Subscriber,
  type SubscriberStore,
} from '../store/index.js';
import type { RenderedDigest } from '../types.js';
import type { MessageSigner } from './_dkim.js';
import { messageIdFor } from './_headers.js';
import { ClaimedJobs, type Job, type JobSource, listedJobs } from './_jobs.js';
import {
  type DigestMessage,
  type MessageCopy,
  type MessageSettings,
  prepareDigestMessage,
} from './_message.js';
import { signToken, unsubscribeUrl } from './_token.js';
import type { DeliveryOutcome, DeliveryTransport, OutgoingMessage } from './_transport.js';

/** Pacing and retry settings (config `send.*`). */
export interface SendSettings {
  /** Messages in flight at once (= pooled connections). */
  connections: number;
  /** Most messages per second, 0 for no limit. */
  rateLimit: number;
  /** Attempts for a temporary (4xx) failure within one run. */
  maxAttempts: number;
  /** Delay before the first retry, ms; doubles each attempt. */
  retryDelayMs: number;
  /** Failures in a row whose cause is the sender (see blameOf) after which the run stops. */
  maxConsecutiveFailures: number;
  /**
   * Messages handed to the transport at once. Default 2 x connections: each connection has its next
   * message queued when it finishes one. This is also the most rows a killed run can leave `unknown`.
   */
  inFlight?: number;
  /**
   * Shared sending (PostgreSQL): how long a sender's claim on its rows lasts without a renewal, s
   * (config `send.leaseSeconds`, default 30). A sender with nothing to claim looks again every
   * third of it while others hold rows.
   */
  leaseSeconds?: number;
}

/** One digest to send. */
export interface SendInput {
  /** Stable id of the digest; the ledger key (e.g. `day:2020-09-13@UTC`). */
  digestKey: string;
  /** `YYYY-MM-DD`, for messages and the digest record. */
  date: string;
  rendered: Pick<RenderedDigest, 'subject' | 'html' | 'text'>;
  /** Item count, for the digest record. */
  items?: number;
  /** From, List-Id, mailto (config). */
  message: Omit<MessageSettings, 'date'>;
  /** Public base URL of the subscriber web (one-click unsubscribe). */
  publicUrl: string;
  /** DIGEST_SECRET, which signs the unsubscribe tokens. */
  secret: string;
  settings: SendSettings;
  /** Also retry rows that failed permanently. */
  retryFailed?: boolean;
  /** Also resend rows left `unknown` by an interrupted run (same Message-ID). */
  resendUnknown?: boolean;
  /** Close rows left `unknown` as `sent` without sending them (most were delivered); not with resendUnknown. */
  markUnknownSent?: boolean;
  /** Mixed into Message-IDs; a test copy (`--to`) uses a fresh one so it is never taken as a duplicate. */
  messageIdSeed?: string;
}

/** Progress after each finished attempt. */
export interface SendProgress {
  /** Messages this run means to send. */
  total: number;
  sent: number;
  /** Final failures so far (not counting ones waiting for a retry). */
  failed: number;
  /** Waiting for a retry. */
  retrying: number;
  elapsedMs: number;
  /** Messages per second so far. */
  rate: number;
  /** Estimated time left, ms; undefined until there is a rate. */
  etaMs?: number;
}

/** Who to send to, where, and what to tell along the way. */
export interface SendDeps {
  subscribers: Pick<SubscriberStore, 'list'>;
  ledger: Ledger;
  transport: DeliveryTransport;
  /** DKIM or another final step over each message. */
  signer?: MessageSigner;
  /** Clock for the Date header. Default `new Date()`. */
  now?: () => Date;
  onProgress?: (progress: SendProgress) => void;
  /** Stop starting new messages (the ones in flight finish and are recorded). */
  signal?: AbortSignal;
  /**
   * Shared sending only: called with the digest's stored copy (what this sender sends, whichever
   * machine built it) before the first message, e.g. to keep the web archive's copy the same.
   */
  onSharedCopy?: (parts: DigestParts) => Promise<void>;
}

/** A subscriber the digest did not reach (yet), with the last reply. */
export interface SendFailure {
  subscriberId: number;
  email: string;
  state: Exclude<DeliveryState, 'sent'>;
  code: number | null;
  reply: string | null;
  attempts: number;
}

/** The outcome of a send run; `--json` prints it. */
export interface SendReport {
  digestKey: string;
  date: string;
  subject: string;
  /** Where messages went (SMTP URL without password, or the .eml folder). */
  destination: string;
  /** Active subscribers. */
  recipients: number;
  /** Subscribers skipped because they unsubscribed. */
  unsubscribed: number;
  counts: {
    /** Sent by this run. */
    sent: number;
    /** Already sent by an earlier run. */
    alreadySent: number;
    /** Not sent at the end of this run, by state. */
    failedTemp: number;
    failedPerm: number;
    unknown: number;
    pending: number;
    /** Left alone this run: permanent failures without --retry-failed, unknown without --resend-unknown. */
    skippedFailedPerm: number;
    skippedUnknown: number;
    /** Rows an interrupted run left `sending`, turned `unknown` at the start of this one. */
    recoveredUnknown: number;
    /** Unknown rows closed as sent without sending (--mark-unknown-sent); counted in alreadySent too. */
    markedSent: number;
    /** Active when the run started, unsubscribed or removed before their message was claimed: not sent. */
    leftDuringSend: number;
  };
  /** Everyone not sent, with the server's last reply. */
  failures: SendFailure[];
  /** Why the run stopped early, if it did. */
  stopped?: string;
  /** Bytes of messages sent by this run, and the size of one message. */
  bytes: number;
  messageBytes: number;
  durationMs: number;
  /** Every active subscriber has been sent the digest. */
  complete: boolean;
  /** Shared sending only: this sender's worker id (as in the ledger's claimed rows). */
  workerId?: string;
  /** Shared sending only: the copy of the digest every sender sends (see Ledger.storeCopy). */
  copy?: CopyNote;
}

/** Which copy of a digest a shared sender sent. */
export interface CopyNote {
  /** Worker id and host of the sender that stored it. */
  storedBy: string;
  storedAt: number;
  sha256: string;
  /** This sender stored it (it was the first). */
  mine: boolean;
  /** This sender's own build had other parts (subject, html or text): it sent the stored ones. */
  differs: boolean;
}

/** Default of SendSettings.leaseSeconds. */
const DEFAULT_LEASE_SECONDS = 30;

/**
 * Send one digest to every active subscriber, through the ledger:
 * 1. take the digest's send lock (E_SEND_LOCKED if another run holds it) and turn rows an
 *    interrupted run left `sending` into `unknown`;
 * 2. build the message template once (see prepareDigestMessage) and create `pending` rows;
 * 3. pick who to send to: not `sent`, and `failed_perm` / `unknown` only when asked;
 * 4. check the transport (E_SMTP: nothing sent), then send with `connections` in flight, paced to
 *    `rateLimit`, committing `sending` before and the outcome after each message (a subscriber
 *    no longer active by then is skipped); retry 4xx with doubling delays up to `maxAttempts`,
 *    per domain when the refusal is the recipient's; stop after `maxConsecutiveFailures` of the
 *    sender's failures in a row (see blameOf), or on a fatal one;
 * 5. release the lock and report every subscriber not sent, with the server's reply.
 * A shared ledger (PostgreSQL: any number of senders of one digest, on any machine) changes steps
 * 1, 3 and 4: the lock joins the other senders; the first one stores the rendered parts and
 * every sender sends the stored ones (see sharedCopy); step 4 takes its jobs from batches claimed
 * from the ledger instead of one list (see ClaimedJobs), retries the 4xx of the rows it holds,
 * and under a rate limit sends its equal share, rateLimit / live senders. A sender with nothing
 * left to claim waits while others hold rows and ends when nothing is claimable or held; the
 * digest is complete once every row is sent, whoever sent it.
 * The caller owns the transport and closes it.
 */
export async function sendDigest(input: SendInput, deps: SendDeps): Promise<SendReport> {
  const started = performance.now();
  const { ledger, transport } = deps;
  const key = input.digestKey;
  const settings = { ...input.message, date: (deps.now ?? (() => new Date()))() };
  let message = prepareDigestMessage(input.rendered, settings);
  checkPublicUrl(input.publicUrl);
  const lock = await ledger.lock(key);
  try {
    let recoveredUnknown = await ledger.recoverInterrupted(key);
    const markedSent = input.markUnknownSent
      ? await ledger.closeUnknown(key, 'marked sent without resending (--mark-unknown-sent)')
      : 0;
    const copy = ledger.shared ? await sharedCopy(ledger, key, input.rendered, lock) : undefined;
    if (copy?.note.differs) message = prepareDigestMessage(copy.parts, settings);
    if (copy) await deps.onSharedCopy?.(copy.parts);
    const everyone = await deps.subscribers.list();
    const active = everyone.filter((s) => s.status === 'active');
    const seed = input.messageIdSeed ?? '';
    const ids = new Map(active.map((s) => [s.id, messageIdFor(`${key}${seed}`, s.id, message.domain)]));
    await ledger.enqueue(
      key,
      active.map((s) => ({ subscriberId: s.id, email: s.email, messageId: ids.get(s.id) as string })),
    );
    const rows = new Map((await ledger.list(key)).map((r) => [r.subscriberId, r]));
    const jobs: Job[] = [];
    let alreadySent = 0;
    let skippedFailedPerm = 0;
    let skippedUnknown = 0;
    for (const subscriber of active) {
      const row = rows.get(subscriber.id);
      const state = row?.state ?? 'pending';
      if (state === 'sent') alreadySent++;
      else if (state === 'failed_perm' && !input.retryFailed) skippedFailedPerm++;
      else if (state === 'unknown' && !input.resendUnknown) skippedUnknown++;
      else {
        // The row's Message-ID, not a fresh one: a resend must carry the id of the first attempt.
        const messageId = row?.messageId ?? (ids.get(subscriber.id) as string);
        jobs.push({ seq: jobs.length + 1, subscriber, messageId, attempts: 0 });
      }
    }
    let run: RunOutcome = { sent: 0, bytes: 0, messageBytes: 0 };
    const source = ledger.shared ? claimedJobs(ledger, lock, input, active, deps) : listedJobs(jobs);
    if (source instanceof ClaimedJobs ? await source.prime() : jobs.length > 0) {
      await transport.verify();
      await ledger.recordDigest({
        digestKey: key,
        date: input.date,
        subject: message.subject,
        items: input.items ?? 0,
      });
      run = await deliverAll(source, message, input, deps, lock);
    }
    // A sender that died while others worked: its `sending` rows are unknown once its lease ran out.
    if (ledger.shared) recoveredUnknown += await ledger.recoverInterrupted(key);
    const final = new Map((await ledger.list(key)).map((r) => [r.subscriberId, r]));
    // Who unsubscribed or was removed while the run went on: the ledger refused their messages
    // (see Ledger.markSending), so they are neither sent nor failures.
    const stillActive = new Set((await deps.subscribers.list({ status: 'active' })).map((s) => s.id));
    const left = active.filter((s) => !stillActive.has(s.id) && final.get(s.id)?.state !== 'sent');
    const failures = active
      .filter((s) => stillActive.has(s.id))
      .map((s) => final.get(s.id))
      .filter((r): r is DeliveryRecord => r !== undefined && r.state !== 'sent')
      .map((r) => ({
        subscriberId: r.subscriberId,
        email: r.email,
        state: r.state as SendFailure['state'],
        code: r.lastCode,
        reply: r.lastReply,
        attempts: r.attempts,
      }));
    const count = (state: DeliveryState) => failures.filter((f) => f.state === state).length;
    return {
      digestKey: key,
      date: input.date,
      subject: message.subject,
      destination: transport.description,
      recipients: active.length,
      unsubscribed: everyone.length - active.length,
      counts: {
        sent: run.sent,
        alreadySent,
        failedTemp: count('failed_temp'),
        failedPerm: count('failed_perm'),
        unknown: count('unknown'),
        pending: count('pending') + count('sending'),
        skippedFailedPerm,
        skippedUnknown,
        recoveredUnknown,
        markedSent,
        leftDuringSend: left.length,
      },
      failures,
      stopped: run.stopped,
      bytes: run.bytes,
      messageBytes: run.messageBytes,
      durationMs: performance.now() - started,
      complete: failures.length === 0,
      ...(ledger.shared ? { workerId: lock.workerId } : {}),
      ...(copy ? { copy: copy.note } : {}),
    };
  } finally {
    await lock.release();
  }
}

/**
 * Shared sending: the digest's stored copy (this sender's parts if it is the first), and whether
 * this sender's own build differs from it: then the stored parts are what it sends, so every
 * recipient gets the same digest whichever machine sent it.
 */
async function sharedCopy(
  ledger: Ledger,
  key: string,
  rendered: DigestParts,
  lock: SendLock,
): Promise<{ parts: DigestParts; note: CopyNote }> {
  const own = { subject: rendered.subject, html: rendered.html, text: rendered.text };
  const stored = await sharedOf(ledger).storeCopy(key, own, lock);
  const differs =
    !stored.mine && (stored.subject !== own.subject || stored.html !== own.html || stored.text !== own.text);
  return {
    parts: { subject: stored.subject, html: stored.html, text: stored.text },
    note: {
      storedBy: stored.storedBy,
      storedAt: stored.storedAt,
      sha256: stored.sha256,
      mine: stored.mine,
      differs,
    },
  };
}

/** The job source of a shared sender: claims of a few in-flight windows at a time. */
function claimedJobs(
  ledger: Ledger,
  lock: SendLock,
  input: SendInput,
  active: Subscriber[],
  deps: SendDeps,
): ClaimedJobs {
  const { settings } = input;
  const scope: ClaimScope = { failedPerm: input.retryFailed === true, unknown: input.resendUnknown === true };
  const window = Math.max(1, settings.inFlight ?? settings.connections * 2);
  return new ClaimedJobs({
    ledger: sharedOf(ledger),
    lock,
    scope,
    batch: window * 4,
    pollMs: ((settings.leaseSeconds ?? DEFAULT_LEASE_SECONDS) * 1000) / 3,
    subscribers: new Map(active.map((s) => [s.id, s])),
    relist: () => deps.subscribers.list({ status: 'active' }),
  });
}

/** The shared-sending methods of a ledger whose `shared` is true. */
function sharedOf(ledger: Ledger): Required<Pick<Ledger, 'storeCopy' | 'claim' | 'outstanding'>> {
  const { storeCopy, claim, outstanding } = ledger;
  if (!storeCopy || !claim || !outstanding) {
    throw new DigestError('E_DB', 'this ledger says it is shared but has no storeCopy, claim or outstanding');
  }
  return {
    storeCopy: storeCopy.bind(ledger),
    claim: claim.bind(ledger),
    outstanding: outstanding.bind(ledger),
  };
}

/** Longest an outcome waits for the next `sending` commit to carry it into the ledger, ms. */
const RESULT_FLUSH_MS = 100;
/**
 * Longest a run waits without looking at its send lock: losing the lock wakes nothing, and a run
 * waiting for a far-off retry must still notice it and stop.
 */
const LOCK_CHECK_MS = 1000;

interface RunOutcome {
  sent: number;
  bytes: number;
  messageBytes: number;
  stopped?: string;
}

interface Retry {
  job: Job;
  dueAt: number;
}

/** Everything one delivery run knows; the steps below read and change it, nothing else does. */
interface DeliveryRun {
  /** Where new jobs come from: a list, or claims from a shared ledger. */
  readonly source: JobSource;
  readonly message: DigestMessage;
  readonly input: SendInput;
  readonly deps: SendDeps;
  /** `workers`: senders of the digest now (1 unless shared), who split the rate limit. */
  readonly lock: Pick<SendLock, 'lost' | 'workers'>;
  /** Messages handed to the transport at once. */
  readonly window: number;
  readonly started: number;
  /** Jobs waiting for another attempt, earliest due first (kept in that order as they are added). */
  readonly retries: Retry[];
  /** Per-domain backoff of a recipient's temporary refusals (see deferTemp). */
  readonly domains: Map<string, { round: number; until: number }>;
  readonly results: PendingResults;
  inFlight: number;
  /** The sender's failures in a row (see blameOf). */
  consecutive: number;
  /** Final failures so far. */
  failed: number;
  /** When the rate limit lets the next message start. */
  nextSlot: number;
  /** The one timer that brings the run back when nothing is under way to do it (a retry, a slot). */
  timer: NodeJS.Timeout | undefined;
  /** A step threw (the ledger, a signer): nothing more starts, and the run rejects with it. */
  error: { cause: unknown } | undefined;
  readonly out: RunOutcome;
  /** Called once when nothing is in flight and nothing more will start. */
  finish: () => void;
}

/**
 * Step 4: send every job with `window` messages in flight:
 * - pump starts messages while there is room, a job to take (a due retry first, then the next
 *   new one from the source) and, under the rate limit, a free slot (see intervalOf); each
 *   finished message pumps again, and so does a claim that brings new jobs;
 * - attempt builds one recipient's copy, hands it to the transport and returns its outcome;
 * - record puts the outcome in the ledger (grouped with the next `sending` commit, see
 *   PendingResults) and decides: sent, a retry and when, or a final failure; and whether the
 *   run stops (fatal reply, too many of the sender's failures in a row);
 * - the run ends when nothing is in flight and nothing is left, or once stopped (interrupted, the
 *   send lock lost), after the messages in flight finished and were recorded.
 */
async function deliverAll(
  source: JobSource,
  message: DigestMessage,
  input: SendInput,
  deps: SendDeps,
  lock: Pick<SendLock, 'lost' | 'workers'>,
): Promise<RunOutcome> {
  const { settings } = input;
  let finish = () => {};
  const finished = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const started = performance.now();
  const run: DeliveryRun = {
    source,
    message,
    input,
    deps,
    lock,
    window: Math.max(1, Math.min(settings.inFlight ?? settings.connections * 2, source.limit)),
    started,
    retries: [],
    domains: new Map(),
    results: new PendingResults(deps.ledger, input.digestKey),
    inFlight: 0,
    consecutive: 0,
    failed: 0,
    nextSlot: started,
    timer: undefined,
    error: undefined,
    out: { sent: 0, bytes: 0, messageBytes: 0 },
    finish: () => finish(),
  };
  const onAbort = () => pump(run);
  deps.signal?.addEventListener('abort', onAbort);
  try {
    source.start(
      () => pump(run),
      (cause) => {
        run.error ??= { cause };
      },
    );
    pump(run);
    await finished;
  } finally {
    source.stop();
    deps.signal?.removeEventListener('abort', onAbort);
    clearTimeout(run.timer);
    await run.results.flush();
  }
  if (run.error) throw run.error.cause;
  return run.out;
}

/** Start what may start now; when nothing can, come back at the next due retry or slot. */
function pump(run: DeliveryRun): void {
  clearTimeout(run.timer);
  run.timer = undefined;
  // Each pass starts one message or leaves: at most `window` passes.
  while (!halted(run) && run.inFlight < run.window) {
    const now = performance.now();
    if (!jobReady(run, now)) break;
    const interval = intervalOf(run);
    if (interval > 0) {
      if (run.nextSlot > now) {
        wakeAt(run, run.nextSlot);
        return;
      }
      // A start that came late (a busy event loop) keeps its place, up to one interval behind:
      // lateness is made up by the next start instead of lowering the rate for good.
      run.nextSlot = Math.max(now - interval, run.nextSlot) + interval;
    }
    start(run, takeJob(run, now) as Job);
  }
  const due = halted(run) ? undefined : run.retries[0];
  if (run.inFlight === 0 && !due && (halted(run) || run.source.done)) {
    run.finish();
    return;
  }
  // A finishing message pumps again; a retry may fall due before any does.
  if (due) wakeAt(run, due.dueAt);
}

/**
 * Time between two message starts under the rate limit, ms; 0 without one. The limit is global:
 * each of the digest's live senders takes an equal share, re-read as their count changes.
 */
function intervalOf(run: DeliveryRun): number {
  const { rateLimit } = run.input.settings;
  return rateLimit > 0 ? (1000 * Math.max(1, run.lock.workers)) / rateLimit : 0;
}

function wakeAt(run: DeliveryRun, at: number): void {
  const ms = Math.min(Math.max(1, at - performance.now()), LOCK_CHECK_MS);
  run.timer = setTimeout(() => pump(run), ms);
}

/** Why the run stops starting messages, if it does (set once, kept). */
function halted(run: DeliveryRun): boolean {
  const { out } = run;
  if (!out.stopped && run.deps.signal?.aborted)
    out.stopped = 'interrupted; messages in flight were finished and recorded';
  if (!out.stopped && run.lock.lost) {
    out.stopped = run.deps.ledger.shared
      ? "this sender's lease ran out before it could renew it (the database was out of reach): its rows may be another sender's now"
      : 'another run took over the send lock of this digest';
  }
  return out.stopped !== undefined || run.error !== undefined;
}

function jobReady(run: DeliveryRun, now: number): boolean {
  const due = run.retries[0];
  return (due !== undefined && due.dueAt <= now) || run.source.ready;
}

/** A retry that is due, else the next job never tried. */
function takeJob(run: DeliveryRun, now: number): Job | undefined {
  const due = run.retries[0];
  if (due && due.dueAt <= now) {
    run.retries.shift();
    return due.job;
  }
  return run.source.take();
}

function start(run: DeliveryRun, job: Job): void {
  run.inFlight++;
  const failed = (cause: unknown) => {
    run.error ??= { cause };
  };
  attempt(run, job)
    .then((outcome) => {
      if (outcome) record(run, job, outcome);
    })
    .catch(failed)
    .then(() => {
      run.inFlight--;
      try {
        reportProgress(run);
      } catch (cause) {
        failed(cause);
      }
      pump(run);
    });
}

/**
 * One attempt at one job: the recipient's copy, through the transport, which commits `sending`
 * when the message is about to leave (see OutgoingMessage.commit). Undefined when the ledger
 * refused that commit (another run sent it meanwhile): never twice, and nothing to record.
 */
async function attempt(run: DeliveryRun, job: Job): Promise<DeliveryOutcome | undefined> {
  const { input, deps, message, out } = run;
  const subscriber = job.subscriber;
  const address = normalizeEmail(subscriber.email);
  job.attempts++;
  if (!address.ok) return { state: 'failed_perm', reply: `the stored address ${address.reason}` };
  let refused = false;
  const commit = async () => {
    const go = await run.results.commitWith((batch) =>
      deps.ledger.markSending(input.digestKey, subscriber.id, batch),
    );
    refused = !go;
    return go;
  };
  const token = signToken(
    { purpose: 'unsub', subscriberId: subscriber.id, email: address.email },
    input.secret,
  );
  const recipient = {
    email: address.email,
    name: subscriber.name,
    messageId: job.messageId,
    unsubscribeUrl: unsubscribeUrl(input.publicUrl, token),
  };
  const outgoing = deps.signer
    ? signedMessage(await deps.signer(message.build(recipient)))
    : copyMessage(message.copy(recipient));
  out.messageBytes = outgoing.size;
  const outcome = await deps.transport.send(
    Object.assign(outgoing, {
      seq: job.seq,
      from: message.fromAddress,
      to: address.email,
      messageId: job.messageId,
      commit,
    }),
  );
  if (refused) return undefined;
  if (outcome.state === 'sent') out.bytes += outgoing.size;
  return outcome;
}

/** The outcome into the ledger, and what follows from it: done, a retry, or a stop. */
function record(run: DeliveryRun, job: Job, outcome: DeliveryOutcome): void {
  const { out } = run;
  const { settings } = run.input;
  const email = job.subscriber.email;
  run.results.add({
    subscriberId: job.subscriber.id,
    result: { state: outcome.state, code: outcome.code, reply: outcome.reply },
  });
  if (outcome.state === 'sent') {
    out.sent++;
    run.consecutive = 0;
    run.domains.delete(domainOf(email));
    return;
  }
  // Only failures that would hit every message (the sender's: 421, 5.7.x, login, no answer)
  // count toward stopping; a dead mailbox or a slow domain is that recipient's (see blameOf).
  const senders = (outcome.blame ?? 'sender') === 'sender';
  if (senders) run.consecutive++;
  const fatal = 'fatal' in outcome && outcome.fatal === true;
  if (outcome.state === 'failed_temp' && !fatal && job.attempts < settings.maxAttempts) {
    const dueAt = senders
      ? performance.now() + settings.retryDelayMs * 2 ** (job.attempts - 1)
      : deferTemp(run, email);
    addRetry(run.retries, { job, dueAt });
  } else run.failed++;
  if (fatal && !out.stopped) out.stopped = `stopped: ${outcome.reply}`;
  if (run.consecutive >= settings.maxConsecutiveFailures && !out.stopped) {
    out.stopped = `stopped after ${run.consecutive} failures in a row; last reply: ${outcome.reply}`;
  }
}

/**
 * Per-domain backoff for a recipient's temporary refusals (e.g. 451): the domain's retries wait
 * for its next round together, each round twice as far off, while other domains (and the
 * domain's not yet tried rows) go on; a message the domain accepts ends it. So one slow domain
 * neither stops nor stalls the run, and each of its rows gets its maxAttempts in this run.
 */
function deferTemp(run: DeliveryRun, email: string): number {
  const key = domainOf(email);
  const now = performance.now();
  const domain = run.domains.get(key) ?? { round: 0, until: 0 };
  if (domain.until <= now) {
    domain.round++;
    domain.until = now + run.input.settings.retryDelayMs * 2 ** (domain.round - 1);
    run.domains.set(key, domain);
  }
  return domain.until;
}

/** Insert in due order, after retries due at the same time (first refused, first retried). */
function addRetry(retries: Retry[], retry: Retry): void {
  let low = 0;
  let high = retries.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if ((retries[mid] as Retry).dueAt <= retry.dueAt) low = mid + 1;
    else high = mid;
  }
  retries.splice(low, 0, retry);
}

function reportProgress(run: DeliveryRun): void {
  const { deps, out, source } = run;
  if (!deps.onProgress) return;
  const elapsedMs = performance.now() - run.started;
  const done = out.sent + run.failed;
  const rate = elapsedMs > 0 ? (done * 1000) / elapsedMs : 0;
  const left = source.total - done;
  deps.onProgress({
    total: source.total,
    sent: out.sent,
    failed: run.failed,
    retrying: run.retries.length,
    elapsedMs,
    rate,
    etaMs: rate > 0 ? (left / rate) * 1000 : undefined,
  });
}

/**
 * Group commit: outcomes wait here and go into the ledger with the next `sending` commit (one
 * transaction per message instead of two), or after RESULT_FLUSH_MS when no message follows.
 * A crash loses only these, whose rows are still `sending` and so become `unknown`, never resent
 * without --resend-unknown: the same as a crash while they were on the wire.
 */
class PendingResults {
  #entries: ResultEntry[] = [];
  #timer: NodeJS.Timeout | undefined;
  readonly #ledger: Ledger;
  readonly #key: string;

  constructor(ledger: Ledger, key: string) {
    this.#ledger = ledger;
    this.#key = key;
  }

  add(entry: ResultEntry): void {
    this.#entries.push(entry);
    this.#timer ??= setTimeout(() => this.flush().catch(() => undefined), RESULT_FLUSH_MS);
  }

  /** Run a commit that carries the waiting outcomes; on failure they wait for the next one. */
  async commitWith<T>(commit: (batch: ResultEntry[]) => Promise<T>): Promise<T> {
    const batch = this.#take();
    try {
      return await commit(batch);
    } catch (error) {
      this.#entries.unshift(...batch);
      throw error;
    }
  }

  async flush(): Promise<void> {
    if (this.#entries.length === 0) return;
    await this.commitWith((batch) => this.#ledger.markResults(this.#key, batch));
  }

  #take(): ResultEntry[] {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    return this.#entries.splice(0);
  }
}

type MessageBody = Pick<OutgoingMessage, 'raw' | 'size' | 'pieces'>;

/** A signed message: one buffer, dot-stuffed by the transport. */
function signedMessage(raw: Buffer): MessageBody {
  return { raw, size: raw.length };
}

/** A copy from the template: its pieces, the joined message made only if a transport asks. */
function copyMessage(copy: MessageCopy): MessageBody {
  let raw: Buffer | undefined;
  return {
    get raw() {
      raw ??= Buffer.concat(copy.pieces as Buffer[], copy.length);
      return raw;
    },
    size: copy.length,
    pieces: copy.pieces,
  };
}

/** The domain of a stored address (lower-cased already; see normalizeEmail). */
function domainOf(email: string): string {
  return email.slice(email.lastIndexOf('@') + 1).toLowerCase();
}

function checkPublicUrl(publicUrl: string): void {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: a CR, LF or space anywhere breaks every link
  if (!/^https?:\/\/[^/\s]+/i.test(publicUrl) || /[\s\u0000-\u001f\u007f]/.test(publicUrl)) {
    throw new DigestError(
      'E_CONFIG',
      `"publicUrl" must be an http(s) URL without spaces or line breaks (got ${JSON.stringify(publicUrl)})`,
      {
        field: 'publicUrl',
        hint: 'set DIGEST_PUBLIC_URL to the public base URL of `digest serve`, e.g. https://news.example.com',
      },
    );
  }
}
