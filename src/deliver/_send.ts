import { performance } from 'node:perf_hooks';
import { DigestError } from '../errors.js';
import {
  type DeliveryRecord,
  type DeliveryState,
  type Ledger,
  normalizeEmail,
  type ResultEntry,
  type Subscriber,
  type SubscriberStore,
} from '../store/index.js';
import type { RenderedDigest } from '../types.js';
import type { MessageSigner } from './_dkim.js';
import { messageIdFor } from './_headers.js';
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
}

interface Job {
  seq: number;
  subscriber: Subscriber;
  messageId: string;
  attempts: number;
}

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
 * The caller owns the transport and closes it.
 */
export async function sendDigest(input: SendInput, deps: SendDeps): Promise<SendReport> {
  const started = performance.now();
  const { ledger, transport } = deps;
  const key = input.digestKey;
  const message = prepareDigestMessage(input.rendered, {
    ...input.message,
    date: (deps.now ?? (() => new Date()))(),
  });
  checkPublicUrl(input.publicUrl);
  const lock = await ledger.lock(key);
  try {
    const recoveredUnknown = await ledger.recoverInterrupted(key);
    const markedSent = input.markUnknownSent
      ? await ledger.closeUnknown(key, 'marked sent without resending (--mark-unknown-sent)')
      : 0;
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
    if (jobs.length > 0) {
      await transport.verify();
      await ledger.recordDigest({
        digestKey: key,
        date: input.date,
        subject: message.subject,
        items: input.items ?? 0,
      });
      run = await deliverAll(jobs, message, input, deps, lock);
    }
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
    };
  } finally {
    await lock.release();
  }
}

/** Longest an outcome waits for the next `sending` commit to carry it into the ledger, ms. */
const RESULT_FLUSH_MS = 100;

interface RunOutcome {
  sent: number;
  bytes: number;
  messageBytes: number;
  stopped?: string;
}

/** Step 4: the workers, the retry queue, pacing, and the stop rules. */
async function deliverAll(
  jobs: Job[],
  message: DigestMessage,
  input: SendInput,
  deps: SendDeps,
  lock: { readonly lost: boolean },
): Promise<RunOutcome> {
  const { ledger, transport, signal } = deps;
  const { settings } = input;
  const key = input.digestKey;
  const queue = [...jobs];
  const retries: { job: Job; dueAt: number }[] = [];
  const wake = new Wakeup();
  const onAbort = () => wake.notify();
  signal?.addEventListener('abort', onAbort);
  const interval = settings.rateLimit > 0 ? 1000 / settings.rateLimit : 0;
  const started = performance.now();
  let nextSlot = started;
  let inFlight = 0;
  let consecutive = 0;
  let failed = 0;
  const out: RunOutcome = { sent: 0, bytes: 0, messageBytes: 0 };
  // Group commit: outcomes wait here and go into the ledger with the next `sending` commit (one
  // transaction per message instead of two), or after RESULT_FLUSH_MS when no message follows.
  // A crash loses only these, whose rows are still `sending` and so become `unknown`, never resent
  // without --resend-unknown: the same as a crash while they were on the wire.
  const unsettled: ResultEntry[] = [];
  let flushTimer: NodeJS.Timeout | undefined;
  const takeUnsettled = () => {
    clearTimeout(flushTimer);
    flushTimer = undefined;
    return unsettled.splice(0);
  };
  const flush = async () => {
    const batch = takeUnsettled();
    if (batch.length === 0) return;
    try {
      await ledger.markResults(key, batch);
    } catch (error) {
      unsettled.unshift(...batch);
      throw error;
    }
  };
  const settle = (entry: ResultEntry) => {
    unsettled.push(entry);
    flushTimer ??= setTimeout(() => flush().catch(() => undefined), RESULT_FLUSH_MS);
  };

  const halted = () => {
    if (!out.stopped && signal?.aborted)
      out.stopped = 'interrupted; messages in flight were finished and recorded';
    if (!out.stopped && lock.lost) out.stopped = 'another run took over the send lock of this digest';
    return out.stopped !== undefined;
  };
  const take = (): Job | undefined => {
    const now = performance.now();
    retries.sort((a, b) => a.dueAt - b.dueAt);
    if (retries[0] && retries[0].dueAt <= now) return retries.shift()?.job;
    return queue.shift();
  };
  // Per-domain backoff for a recipient's temporary refusals (e.g. 451): the domain's retries wait
  // for its next round together, each round twice as far off, while other domains (and the
  // domain's not yet tried rows) go on; a message the domain accepts ends it. So one slow domain
  // neither stops nor stalls the run, and each of its rows gets its maxAttempts in this run.
  const domains = new Map<string, { round: number; until: number }>();
  const deferTemp = (job: Job): number => {
    const key = domainOf(job.subscriber.email);
    const now = performance.now();
    const domain = domains.get(key) ?? { round: 0, until: 0 };
    if (domain.until <= now) {
      domain.round++;
      domain.until = now + settings.retryDelayMs * 2 ** (domain.round - 1);
      domains.set(key, domain);
    }
    return domain.until;
  };
  const report = () => {
    if (!deps.onProgress) return;
    const elapsedMs = performance.now() - started;
    const done = out.sent + failed;
    const rate = elapsedMs > 0 ? (done * 1000) / elapsedMs : 0;
    const left = jobs.length - done;
    deps.onProgress({
      total: jobs.length,
      sent: out.sent,
      failed,
      retrying: retries.length,
      elapsedMs,
      rate,
      etaMs: rate > 0 ? (left / rate) * 1000 : undefined,
    });
  };

  const attempt = async (job: Job): Promise<void> => {
    const subscriber = job.subscriber;
    const address = normalizeEmail(subscriber.email);
    job.attempts++;
    // `sending` is committed when the transport is about to let the message out (see OutgoingMessage.commit).
    let refused = false;
    const commit = async () => {
      const batch = takeUnsettled();
      let go: boolean;
      try {
        go = await ledger.markSending(key, subscriber.id, batch);
      } catch (error) {
        unsettled.unshift(...batch);
        throw error;
      }
      refused = !go;
      return go;
    };
    let outcome: DeliveryOutcome;
    if (!address.ok) {
      outcome = { state: 'failed_perm', reply: `the stored address ${address.reason}` };
    } else {
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
      outcome = await transport.send(
        Object.assign(outgoing, {
          seq: job.seq,
          from: message.fromAddress,
          to: address.email,
          messageId: job.messageId,
          commit,
        }),
      );
      if (refused) return; // another run sent it meanwhile: never twice, and nothing to record
      if (outcome.state === 'sent') out.bytes += outgoing.size;
    }
    settle({
      subscriberId: subscriber.id,
      result: { state: outcome.state, code: outcome.code, reply: outcome.reply },
    });
    if (outcome.state === 'sent') {
      out.sent++;
      consecutive = 0;
      domains.delete(domainOf(subscriber.email));
      return;
    }
    // Only failures that would hit every message (the sender's: 421, 5.7.x, login, no answer)
    // count toward stopping; a dead mailbox or a slow domain is that recipient's (see blameOf).
    const senders = (outcome.blame ?? 'sender') === 'sender';
    if (senders) consecutive++;
    const fatal = 'fatal' in outcome && outcome.fatal === true;
    if (outcome.state === 'failed_temp' && !fatal && job.attempts < settings.maxAttempts) {
      const dueAt = senders
        ? performance.now() + settings.retryDelayMs * 2 ** (job.attempts - 1)
        : deferTemp(job);
      retries.push({ job, dueAt });
    } else failed++;
    if (fatal && !out.stopped) out.stopped = `stopped: ${outcome.reply}`;
    if (consecutive >= settings.maxConsecutiveFailures && !out.stopped) {
      out.stopped = `stopped after ${consecutive} failures in a row; last reply: ${outcome.reply}`;
    }
  };

  const worker = async (): Promise<void> => {
    for (let guard = 0; guard < 10_000_000; guard++) {
      if (halted()) return;
      const job = take();
      if (!job) {
        if (inFlight === 0 && retries.length === 0 && queue.length === 0) return;
        const due = retries.length ? Math.min(...retries.map((r) => r.dueAt)) - performance.now() : 1000;
        await wake.wait(Math.max(1, Math.min(due, 1000)));
        continue;
      }
      if (interval > 0) {
        const now = performance.now();
        const at = Math.max(now, nextSlot);
        nextSlot = at + interval;
        if (at > now) await wake.sleep(at - now);
      }
      if (halted()) {
        queue.unshift(job);
        return;
      }
      inFlight++;
      try {
        await attempt(job);
      } finally {
        inFlight--;
        report();
        wake.notify();
      }
    }
  };

  try {
    const window = settings.inFlight ?? settings.connections * 2;
    const workers = Math.max(1, Math.min(window, jobs.length));
    await Promise.all(Array.from({ length: workers }, worker));
  } finally {
    signal?.removeEventListener('abort', onAbort);
    wake.notify();
    await flush();
  }
  return out;
}

type MessageBody = Pick<OutgoingMessage, 'raw' | 'size' | 'data' | 'pieces'>;

/** A signed message: one buffer, dot-stuffed by the transport. */
function signedMessage(raw: Buffer): MessageBody {
  return { raw, size: raw.length };
}

/** A copy from the template: its SMTP form ready, the joined message made only if a transport asks. */
function copyMessage(copy: MessageCopy): MessageBody {
  let raw: Buffer | undefined;
  return {
    get raw() {
      raw ??= Buffer.concat(copy.pieces as Buffer[], copy.length);
      return raw;
    },
    size: copy.length,
    pieces: copy.pieces,
    data: copy.data,
  };
}

/** Lets idle workers wait for a retry to fall due, a message to finish, or a stop. */
class Wakeup {
  #waiters = new Set<() => void>();

  wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#waiters.add(done);
    });
  }

  /** A pause for pacing that a stop does not cut short (the slot is already taken). */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
  }

  notify(): void {
    for (const done of [...this.#waiters]) done();
  }
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
