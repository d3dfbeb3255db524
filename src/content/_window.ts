/**
 * The window a build keeps: the half-open interval [since, until) of epoch ms, and the IANA zone
 * that places date-only and offset-less `publishedDateTime` values (the zone decides which
 * instant such a date is, so it travels with the window it is compared to).
 */
export interface ContentWindow {
  since: number;
  until: number;
  timeZone: string;
}

/** Every instant a Date can hold, in `timeZone`: `check`, `--date latest` and the list of days. */
export function allTime(timeZone: string): ContentWindow {
  return { since: -8.64e15, until: 8.64e15, timeZone };
}

/** Whether the instant `ms` is inside the window. The one window test of content and select. */
export function inWindow(ms: number, window: { since: number; until: number }): boolean {
  return ms >= window.since && ms < window.until;
}

/** Why `ms` is outside the window (BEFORE_WINDOW or AFTER_WINDOW); undefined inside it. */
export function outsideReason(ms: number, window: { since: number; until: number }): string | undefined {
  if (inWindow(ms, window)) return undefined;
  return ms < window.since ? BEFORE_WINDOW : AFTER_WINDOW;
}

export const BEFORE_WINDOW = 'published before the window';
export const AFTER_WINDOW = 'published after the window';
