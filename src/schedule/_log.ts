import { TZDate } from '@date-fns/tz';
import { windowLabel } from './_due.js';
import type { RunOutcome } from './_runner.js';

/** An instant as local time in a zone, e.g. `2024-03-31 07:00 Europe/Berlin (05:00Z)`. */
export function localTime(at: Date, timeZone: string): string {
  const d = new TZDate(at.getTime(), timeZone);
  const p = (n: number) => String(n).padStart(2, '0');
  const local = `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
  return `${local} ${timeZone} (${at.toISOString().slice(11, 16)}Z)`;
}

/**
 * The one log line of a trigger: digest date, window, outcome, next run. e.g.
 * `digest 2024-03-31 window 2024-03-30 (Europe/Berlin): sent: 50 of 50 sent; next run 2024-04-01 07:00 ...`
 */
export function outcomeLine(outcome: RunOutcome): string {
  const { timeZone } = outcome.window;
  return (
    `digest ${outcome.sendDate} window ${windowLabel(outcome.window)}: ${outcome.kind}: ${outcome.message}; ` +
    `next run ${localTime(outcome.next, timeZone)}`
  );
}
