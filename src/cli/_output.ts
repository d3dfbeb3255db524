import type { CliContext } from './_command.js';

/**
 * Colour for people, plain text for logs: on when stderr is a terminal, off under NO_COLOR (any
 * value, https://no-color.org), TERM=dumb, or when stderr is a file or a pipe. FORCE_COLOR=1 turns it on.
 */
export function colorOn(env: Record<string, string | undefined>, stderrIsTTY: boolean): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '' && env.FORCE_COLOR !== '0') return true;
  return stderrIsTTY && env.TERM !== 'dumb';
}

const RED = '\u001b[31m';
const YELLOW = '\u001b[33m';
const BOLD = '\u001b[1m';
const RESET = '\u001b[0m';

/** `text` in red and bold (an error's first word) when colour is on. */
export function red(ctx: Pick<CliContext, 'color'>, text: string): string {
  return ctx.color ? `${BOLD}${RED}${text}${RESET}` : text;
}

/** `text` in yellow when colour is on. */
export function yellow(ctx: Pick<CliContext, 'color'>, text: string): string {
  return ctx.color ? `${YELLOW}${text}${RESET}` : text;
}

/** Print one warning on stderr: `warning: text` (the one spelling), the word in yellow on a terminal. */
export function warn(ctx: Pick<CliContext, 'color' | 'stderr'>, text: string): void {
  ctx.stderr.write(`${yellow(ctx, 'warning:')} ${text}${text.endsWith('\n') ? '' : '\n'}`);
}

/** `1 message`, `2 messages`. */
export function plural(n: number, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 ? word : many}`;
}

/**
 * `header` and `cells` as columns two spaces apart, each as wide as its widest cell; the last
 * column is not padded, so a long value does not push trailing spaces. One line a row.
 */
export function textTable(header: string[], cells: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] ?? '').length)));
  const line = (c: string[]) =>
    c
      .map((v, i) => (i === c.length - 1 ? v : v.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return `${[header, ...cells].map(line).join('\n')}\n`;
}
