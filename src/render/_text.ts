/** Plain-text helpers shared by the template helpers and the render step. */

// C0/C1 controls and the Unicode line/paragraph separators.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

/** One line of text: control characters (CR/LF included) become spaces, runs of spaces one space. */
export function singleLine(value: string): string {
  return value.replace(CONTROL, ' ').replace(/\s+/g, ' ').trim();
}

/**
 * At most `max` characters, cut at a word boundary when there is one in the last third (or, with
 * `atWord`, anywhere: a subject line is never cut mid-word), with `…` added. Counts code points,
 * so an emoji or accented letter is never split in half. A single word longer than `max` is cut.
 */
export function truncate(value: string, max: number, options: { atWord?: boolean } = {}): string {
  const chars = Array.from(value);
  if (chars.length <= max) return value;
  if (max <= 1) return '…'.slice(0, Math.max(0, max));
  const cut = chars.slice(0, max - 1).join('');
  // The cut ends a word when the next character is a space; else back up to the last space.
  const space = /\s/.test(chars[max - 1] ?? '') ? cut.length : cut.search(/\s\S*$/);
  const least = options.atWord ? 1 : Math.floor(((max - 1) * 2) / 3);
  const head = space >= least ? cut.slice(0, space) : cut;
  return `${head.replace(/[\s,;:.\-–—]+$/u, '')}…`;
}

/**
 * Text wrapped to lines of at most `width` characters (a longer word, such as a URL, gets a line
 * of its own and is never broken). Every line starts with `indent`, the first with `firstIndent`.
 */
export function wrap(value: string, width: number, indent = '', firstIndent = indent): string {
  const words = singleLine(value).split(' ').filter(Boolean);
  const lines: string[] = [];
  let line = firstIndent;
  let lineHasWord = false;
  for (const word of words) {
    const candidate = lineHasWord ? `${line} ${word}` : `${line}${word}`;
    if (lineHasWord && Array.from(candidate).length > width) {
      lines.push(line);
      line = `${indent}${word}`;
    } else {
      line = candidate;
    }
    lineHasWord = true;
  }
  if (lineHasWord) lines.push(line);
  return lines.join('\n');
}

/**
 * The finished plain-text email: no control characters but newlines and tabs, no trailing
 * spaces, at most one blank line in a row, one final newline.
 */
export function tidyText(value: string): string {
  return `${value
    .replace(/\r\n?/g, '\n')
    // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point
    .replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, '')
    .replace(/[ \t]+$/gm, '')
    .replace(/\n{3,}/g, '\n\n')
    .trim()}\n`;
}
