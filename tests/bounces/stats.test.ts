import { describe, expect, it } from 'vitest';
import { percent, ratesOf, rateWarnings } from '../../src/bounces/_stats.js';

const window = (sent: number, hard: number, soft: number, complaints: number) => ({
  since: 0,
  until: 1,
  sent,
  hard,
  soft,
  complaints,
});

describe('rates and their limits', () => {
  it.each([
    [window(1000, 10, 5, 2), { delivered: 985, bounceRate: 0.015, complaintRate: 2 / 985 }],
    [window(0, 0, 0, 0), { delivered: 0, bounceRate: 0, complaintRate: 0 }],
    [window(3, 3, 0, 1), { delivered: 0, bounceRate: 1, complaintRate: 0 }],
  ])('%j has rates %j', (counts, rates) => {
    expect(ratesOf(counts)).toEqual(rates);
  });

  it.each([
    // complaints of 10,000 delivered: under 0.1 % nothing, from 0.1 % near the limit, from 0.3 % over it
    [window(10_000, 0, 0, 9), []],
    [
      window(10_000, 0, 0, 10),
      ['complaint rate 0.10 % over the last 30 days (10 of 10000 delivered) is near'],
    ],
    [
      window(10_000, 0, 0, 30),
      ["complaint rate 0.30 % over the last 30 days (30 of 10000 delivered) is over Gmail's 0.3 % limit"],
    ],
    // bounces of 1,000 sent: 1.9 % nothing, 2 % a warning
    [window(1000, 19, 0, 0), []],
    [window(1000, 15, 5, 0), ['bounce rate 2.00 % over the last 30 days (20 of 1000 sent) is over 2 %']],
    [window(0, 0, 0, 0), []],
  ])('%j warns %j', (counts, starts) => {
    const warnings = rateWarnings(counts);
    expect(warnings).toHaveLength(starts.length);
    for (const [i, start] of starts.entries()) expect(warnings[i]).toContain(start);
  });

  it('prints a rate as a percentage with two decimals', () => {
    expect(percent(0.0029)).toBe('0.29 %');
    expect(percent(1 / 17)).toBe('5.88 %');
  });
});
