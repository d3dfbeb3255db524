import type { SendProgress, SendReport } from './_send.js';

/** What a send to the list adds to its report about bounces (src/bounces/_after-send.ts). */
export interface BounceNotes {
  bounces?: {
    /** Subscribers skipped because their address bounced or complained (part of `unsubscribed`). */
    suppressed: { bounced: number; complained: number };
    /** Complaint and bounce rates of the last 30 days over their limits. */
    warnings: string[];
  };
}

/** The progress bar line for a terminal, e.g. `[#####-----] 120/200 sent, 2 failed, 850 msg/s, 0.1 s left`. */
export function progressLine(p: SendProgress, width = 24, verb: 'sent' | 'written' = 'sent'): string {
  const done = p.sent + p.failed;
  const filled = p.total > 0 ? Math.min(width, Math.round((done / p.total) * width)) : width;
  const parts = [
    `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${p.sent}/${p.total} ${verb}`,
    `${p.failed} failed`,
  ];
  if (p.retrying > 0) parts.push(`${p.retrying} to retry`);
  parts.push(`${Math.round(p.rate)} msg/s`);
  if (p.etaMs !== undefined) parts.push(`${seconds(p.etaMs)} left`);
  return parts.join(', ');
}

/** The line that ends a send run, e.g. `Sent digest 2020-09-13 to 200 of 200 subscribers (0 failed) in 1.2 s`. */
export function sendSummary(report: SendReport & BounceNotes): string {
  const c = report.counts;
  const s = report.bounces?.suppressed ?? { bounced: 0, complained: 0 };
  const suppressed = s.bounced + s.complained;
  if (report.recipients === 0) {
    const gone = report.unsubscribed > 0 ? ` (${report.unsubscribed} unsubscribed)` : '';
    return `No active subscribers${gone}: nothing sent for digest ${report.date}`;
  }
  const notes = [
    c.alreadySent > 0 && `${c.alreadySent} already sent`,
    c.markedSent > 0 && `${c.markedSent} unknown marked sent`,
    `${c.failedTemp + c.failedPerm} failed`,
    c.unknown > 0 && `${c.unknown} unknown`,
    c.pending > 0 && `${c.pending} not attempted`,
    c.skippedFailedPerm + c.skippedUnknown > 0 && `${c.skippedFailedPerm + c.skippedUnknown} skipped`,
    report.unsubscribed > suppressed && `${report.unsubscribed - suppressed} unsubscribed`,
    suppressed > 0 && `${suppressed} suppressed (${s.bounced} bounced, ${s.complained} complained)`,
    c.leftDuringSend > 0 && `${c.leftDuringSend} unsubscribed or removed during the send, not sent`,
  ].filter(Boolean);
  return (
    `Sent digest ${report.date} to ${c.sent} of ${report.recipients} subscribers (${notes.join(', ')}) ` +
    `in ${seconds(report.durationMs)}`
  );
}

/** The line that ends a dry run. */
export function dryRunSummary(report: SendReport): string {
  const kb = Math.max(1, Math.round(report.messageBytes / 1024));
  const skipped = report.unsubscribed > 0 ? `; ${report.unsubscribed} unsubscribed skipped` : '';
  const failed = report.failures.length > 0 ? `; ${report.failures.length} not written` : '';
  return (
    `Dry run: wrote ${report.counts.sent} message${report.counts.sent === 1 ? '' : 's'} for digest ${report.date} to ${report.destination} ` +
    `(subject "${report.subject}", ${kb} KB each${skipped}${failed}) in ${seconds(report.durationMs)}`
  );
}

/**
 * What to tell about the recipients not sent: one line for each that was tried (at most `limit`),
 * then what to do; those not tried yet are one count in the summary line, not a line each. The replies are the server's, so an
 * operator sees why without opening the database.
 */
export function failureLines(report: SendReport & BounceNotes, limit = 20): string[] {
  const tried = report.failures.filter((f) => f.state !== 'pending' && f.state !== 'sending');
  const lines = tried
    .slice(0, limit)
    .map((f) => `  ${f.state.padEnd(11)} ${f.email}: ${f.reply ?? 'no reply'}`);
  if (tried.length > limit) lines.push(`  ... and ${tried.length - limit} more (--json lists all)`);
  const c = report.counts;

  if (c.failedTemp > 0)
    lines.push(`${c.failedTemp} failed temporarily: run \`digest send\` again later to retry them.`);
  if (c.failedPerm > 0) {
    lines.push(`${c.failedPerm} failed permanently (5xx): fix the addresses, or retry with --retry-failed.`);
  }
  if (c.unknown > 0) {
    lines.push(
      `${c.unknown} unknown: the server got the whole message but no answer came, so nobody can tell ` +
        'whether it was delivered (most are). `--mark-unknown-sent` records them as sent; ' +
        '`--resend-unknown` resends them (same Message-ID), most likely as duplicates.',
    );
  }
  if (report.stopped) lines.push(`Stopped: ${report.stopped}`);
  for (const warning of report.bounces?.warnings ?? []) lines.push(`warning: ${warning}`);
  return lines;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
