import { describe, expect, it } from 'vitest';
import {
  dryRunSummary,
  failureLines,
  progressLine,
  type SendReport,
  sendSummary,
} from '../../src/deliver/index.js';

function report(counts: Partial<SendReport['counts']> = {}, extra: Partial<SendReport> = {}): SendReport {
  return {
    digestKey: 'day:2020-09-13@UTC',
    date: '2020-09-13',
    subject: 'Daily',
    destination: 'smtp://127.0.0.1:2525',
    recipients: 200,
    unsubscribed: 0,
    counts: {
      sent: 200,
      alreadySent: 0,
      failedTemp: 0,
      failedPerm: 0,
      unknown: 0,
      pending: 0,
      skippedFailedPerm: 0,
      skippedUnknown: 0,
      recoveredUnknown: 0,
      markedSent: 0,
      leftDuringSend: 0,
      ...counts,
    },
    failures: [],
    bytes: 0,
    messageBytes: 45_000,
    durationMs: 1234,
    complete: true,
    ...extra,
  };
}

describe('summary lines', () => {
  it.each([
    [report(), 'Sent digest 2020-09-13 to 200 of 200 subscribers (0 failed) in 1.2 s'],
    [
      report({ sent: 0, alreadySent: 200 }),
      'Sent digest 2020-09-13 to 0 of 200 subscribers (200 already sent, 0 failed) in 1.2 s',
    ],
    [
      report(
        { sent: 180, failedPerm: 10, failedTemp: 2, unknown: 3, pending: 5, skippedUnknown: 3 },
        { unsubscribed: 4 },
      ),
      'Sent digest 2020-09-13 to 180 of 200 subscribers (12 failed, 3 unknown, 5 not attempted, 3 skipped, 4 unsubscribed) in 1.2 s',
    ],
  ])('%#', (r, line) => {
    expect(sendSummary(r)).toBe(line);
  });

  it('dry run', () => {
    expect(dryRunSummary(report({}, { destination: 'out/2020-09-13/eml', unsubscribed: 1 }))).toBe(
      'Dry run: wrote 200 messages for digest 2020-09-13 to out/2020-09-13/eml (subject "Daily", 44 KB each; 1 unsubscribed skipped) in 1.2 s',
    );
  });

  it.each([
    [
      { total: 200, sent: 0, failed: 0, retrying: 0, elapsedMs: 0, rate: 0 },
      '[------------------------] 0/200 sent, 0 failed, 0 msg/s',
    ],
    [
      { total: 200, sent: 100, failed: 20, retrying: 2, elapsedMs: 1000, rate: 120, etaMs: 666 },
      '[##############----------] 100/200 sent, 20 failed, 2 to retry, 120 msg/s, 0.7 s left',
    ],
  ])('progress %#', (p, line) => {
    expect(progressLine(p)).toBe(line);
  });

  it("a dry run's progress says written, and one message is one message", () => {
    const p = { total: 1, sent: 1, failed: 0, retrying: 0, elapsedMs: 5, rate: 200 };
    expect(progressLine(p, 4, 'written')).toBe('[####] 1/1 written, 0 failed, 200 msg/s');
    expect(dryRunSummary(report({ sent: 1 }, { destination: 'out/2020-09-13/eml' }))).toMatch(
      /^Dry run: wrote 1 message for digest 2020-09-13 to out/,
    );
  });

  it('lists failures with replies and says what to do', () => {
    const failures = Array.from({ length: 22 }, (_, i) => ({
      subscriberId: i,
      email: `s${i}@example.com`,
      state: 'failed_perm' as const,
      code: 550,
      reply: '550 no such user',
      attempts: 1,
    }));
    const lines = failureLines(
      report({ failedPerm: 22, unknown: 0 }, { failures, stopped: '10 failures in a row' }),
    );
    expect(lines[0]).toBe('  failed_perm s0@example.com: 550 no such user');
    expect(lines).toContain('  ... and 2 more (--json lists all)');
    expect(lines.join('\n')).toContain('--retry-failed');
    expect(lines.at(-1)).toBe('Stopped: 10 failures in a row');
  });
});
