import type { StoredBounceKind } from '../store/_bounce-events.js';

/** What the bounce rules act on (config `bounces`). */
export interface BounceRules {
  /** Enhanced status codes that suppress at once; `x` matches any number. Default `['5.1.x', '5.2.1', '5.4.4']`. */
  hard: string[];
  /** Status codes counted as soft bounces. Default `['4.x.x', '5.2.2']`. */
  soft: string[];
  /** Soft bounces, each on a different digest, after which the address is suppressed. Default 3. */
  softLimit: number;
  /** The window those soft bounces must fall in, days. Default 30. */
  softWindowDays: number;
}

export const DEFAULT_BOUNCE_RULES: BounceRules = {
  hard: ['5.1.x', '5.2.1', '5.4.4'],
  soft: ['4.x.x', '5.2.2'],
  softLimit: 3,
  softWindowDays: 30,
};

/** An enhanced status code (RFC 3463): class.subject.detail. */
const STATUS = /^([245])\.(\d{1,3})\.(\d{1,3})$/;

/** The enhanced status code in a text (e.g. `smtp; 550 5.1.1 <a@b>: user unknown`), or undefined. */
export function findStatus(text: string | undefined): string | undefined {
  if (!text) return undefined;
  return /(?<![\d.])([245]\.\d{1,3}\.\d{1,3})(?![\d.])/.exec(text)?.[1];
}

/** True when `status` matches `pattern` (`5.1.x`: x is any number in that place). */
export function statusMatches(status: string, pattern: string): boolean {
  const s = STATUS.exec(status.trim());
  const p = pattern.trim().split('.');
  if (!s || p.length !== 3) return false;
  return p.every((part, i) => part === 'x' || part === s[i + 1]);
}

/**
 * The kind of a delivery failure with this enhanced status code under the rules: 'hard', 'soft',
 * or 'other' (a failure the rules do not act on, e.g. 5.7.1 policy: stored, no effect). A `2.x.x`
 * (delivered, relayed, expanded) is no failure at all: undefined.
 */
export function kindOfStatus(
  status: string,
  rules: BounceRules = DEFAULT_BOUNCE_RULES,
): StoredBounceKind | undefined {
  if (!STATUS.test(status.trim())) return 'other';
  if (status.trim().startsWith('2.')) return undefined;
  if (rules.hard.some((p) => statusMatches(status, p))) return 'hard';
  if (rules.soft.some((p) => statusMatches(status, p))) return 'soft';
  return 'other';
}
