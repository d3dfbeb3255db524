import { type BackendLike, backendOf } from '../store/_backend.js';
import { bounceEventsFor } from '../store/_bounce-events.js';
import { deliveryStatsFor } from '../store/_delivery-stats.js';
import type { BounceEvent, RecordOutcome } from './_event.js';
import { recordEvents } from './_event.js';
import { type BounceRules, findStatus, kindOfStatus } from './_rules.js';
import { RATE_WINDOW_DAYS, rateWarnings } from './_stats.js';

/** What a send learns about bounces: added to its report (`bounces`) and summary. */
export interface SendBounceNotes {
  /** Subscribers not mailed because their address bounced or complained. */
  suppressed: { bounced: number; complained: number };
  /** The send's own permanent refusals recorded as bounces (see sendRejections). */
  rejections: Pick<RecordOutcome, 'recorded' | 'suppressed'>;
  /** Complaint and bounce rates of the last 30 days over their limits. */
  warnings: string[];
}

/** The part of a send report this reads. */
export interface SentReport {
  digestKey: string;
  failures: { subscriberId: number; email: string; state: string; reply: string | null }[];
}

/**
 * The bounces among a send's failures: a permanent refusal (`failed_perm`) whose reply holds a
 * status code the rules call hard or soft (e.g. `550 5.1.1 user unknown` at RCPT TO). One event
 * per digest and subscriber, so a `--retry-failed` that fails again records nothing new.
 */
export function sendRejections(report: SentReport, rules: BounceRules, at: number): BounceEvent[] {
  const events: BounceEvent[] = [];
  for (const failure of report.failures) {
    if (failure.state !== 'failed_perm') continue;
    const status = findStatus(failure.reply ?? '');
    const kind = status ? kindOfStatus(status, rules) : undefined;
    if (!status || (kind !== 'hard' && kind !== 'soft')) continue;
    events.push({
      email: failure.email,
      subscriberId: failure.subscriberId,
      digestKey: report.digestKey,
      kind,
      status,
      diagnostic: failure.reply ?? undefined,
      source: 'smtp',
      sourceId: `smtp:${report.digestKey}:${failure.subscriberId}`,
      at,
    });
  }
  return events;
}

/**
 * After a send to the list: count who was skipped as suppressed (of `skipped`, the subscribers
 * of the send that were not active), record the send's own rejections (sendRejections) through
 * the rules, and check the last 30 days' rates. `where` is the list's store (its backend, or the
 * handle of its SQLite file).
 */
export async function afterSend(
  where: BackendLike,
  report: SentReport,
  rules: BounceRules,
  now: number,
  skipped: number[],
): Promise<SendBounceNotes> {
  const backend = backendOf(where);
  const suppressions = await bounceEventsFor(backend).suppressions();
  const suppressed = { bounced: 0, complained: 0 };
  for (const id of skipped) {
    const reason = suppressions.get(id)?.suppressedReason;
    if (reason === 'bounced' || reason === 'complained') suppressed[reason]++;
  }
  const outcome = await recordEvents({ backend }, sendRejections(report, rules, now), rules, {
    now: () => now,
  });
  const window = await deliveryStatsFor(backend).windowCounts(now - RATE_WINDOW_DAYS * 86_400_000, now + 1);
  return {
    suppressed,
    rejections: { recorded: outcome.recorded, suppressed: outcome.suppressed },
    warnings: rateWarnings(window),
  };
}
