import type { DigestCounts, WindowCounts } from '../store/_delivery-stats.js';

/** Gmail's spam-rate limit for bulk senders (0.3 %), and the rate from which to warn (0.1 %). */
export const COMPLAINT_LIMIT = 0.003;
export const COMPLAINT_WARN = 0.001;
/** The bounce rate mailbox providers start to distrust a sender at (2 %). */
export const BOUNCE_LIMIT = 0.02;
/** The window of the send summary's warning, days. */
export const RATE_WINDOW_DAYS = 30;

export interface Rates {
  /** sent minus bounced: what reached a mailbox. */
  delivered: number;
  /** (hard + soft) / sent; 0 when nothing was sent. */
  bounceRate: number;
  /** complaints / delivered; 0 when nothing was delivered. */
  complaintRate: number;
}

/** The rates of a digest's or a window's counts. */
export function ratesOf(
  counts: Pick<DigestCounts | WindowCounts, 'sent' | 'hard' | 'soft' | 'complaints'>,
): Rates {
  const bounced = counts.hard + counts.soft;
  const delivered = Math.max(0, counts.sent - bounced);
  return {
    delivered,
    bounceRate: counts.sent > 0 ? bounced / counts.sent : 0,
    complaintRate: delivered > 0 ? counts.complaints / delivered : 0,
  };
}

/** A rate as a percentage with two decimals, e.g. `0.25 %`. */
export function percent(rate: number): string {
  return `${(rate * 100).toFixed(2)} %`;
}

/**
 * What to warn about in a window's counts: a complaint rate from 0.1 % (over Gmail's 0.3 % limit
 * said so), a bounce rate from 2 %. Empty when neither, or nothing was sent.
 */
export function rateWarnings(counts: WindowCounts, days = RATE_WINDOW_DAYS): string[] {
  if (counts.sent === 0) return [];
  const rates = ratesOf(counts);
  const warnings: string[] = [];
  const span = `over the last ${days} days (${counts.complaints} of ${rates.delivered} delivered)`;
  if (rates.complaintRate >= COMPLAINT_LIMIT) {
    warnings.push(
      `complaint rate ${percent(rates.complaintRate)} ${span} is over Gmail's 0.3 % limit: mail to Gmail and Yahoo will be refused or sent to spam; check who is on the list and how they joined`,
    );
  } else if (rates.complaintRate >= COMPLAINT_WARN) {
    warnings.push(
      `complaint rate ${percent(rates.complaintRate)} ${span} is near Gmail's 0.3 % limit (warning from 0.1 %)`,
    );
  }
  if (rates.bounceRate >= BOUNCE_LIMIT) {
    warnings.push(
      `bounce rate ${percent(rates.bounceRate)} over the last ${days} days (${counts.hard + counts.soft} of ${counts.sent} sent) is over 2 %: import or fetch the bounces, and clean the list`,
    );
  }
  return warnings;
}
