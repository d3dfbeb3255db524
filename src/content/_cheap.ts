import { isZoned, parsePublished } from './_dates.js';

/** What the cheap first look found: the top-level `publishedDateTime` text and its instant. */
export interface CheapDate {
  /** The value as YAML would read it (quotes removed), e.g. `2021-02-05T11:46:00-08:00`. */
  text: string;
  /** The instant, epoch ms, in the time zone given to `cheapPublished`. */
  ms: number;
  /** True when the instant depends on the time zone (date-only or a time without Z or offset). */
  zoned: boolean;
}

const KEY = Buffer.from('\npublishedDateTime:');
const CLOSE = Buffer.from('\n---');
const NL = 0x0a;
// A UTF-8 byte order mark: TextDecoder drops it before the full parse sees the text, so do we.
const BOM = [0xef, 0xbb, 0xbf] as const;
const OPENING = /^---[ \t]*\r?$/;
// Anything after a closing quote other than blanks and a comment makes the line ambiguous.
const AFTER_QUOTE = /^(?:[ \t]+#.*)?[ \t]*$/;

/**
 * A first look at an article file's raw bytes, without a YAML parse: the value of the top-level
 * `publishedDateTime:` line, or undefined when the look can't tell for certain. It finds the
 * key only on a line of its own at column 0 inside the front matter block, delimited the way
 * gray-matter delimits it (the first `---` line, up to the next line starting with `---`).
 *
 * In a file that YAML reads without error, such a line is the top-level key (js-yaml refuses a
 * column-0 continuation of a quoted scalar or a flow collection, and block scalars and nested
 * values are indented), and the value accepted here is exactly the string YAML produces. So for
 * every valid file this returns the article's own `publishedMs` or undefined; an invalid file
 * may get a date here, which is why only out-of-window dates may skip the full parse.
 *
 * A second `publishedDateTime:` line is not looked for: YAML refuses duplicate keys, so such a
 * file is invalid, and that is reported whenever the first date is in the window (looking would
 * mean scanning every file to its end).
 *
 * Undefined ("full parse needed") for: no front matter, no such line, a value on the next line, a quoted value with escapes or that spans lines, anchors/tags/aliases, an
 * indented line after the value (a plain scalar that continues), and any text that
 * `parsePublished` does not accept.
 */
export function cheapPublished(bytes: Uint8Array, timeZone: string): CheapDate | undefined {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const start = buf[0] === BOM[0] && buf[1] === BOM[1] && buf[2] === BOM[2] ? 3 : 0;
  const firstEnd = buf.indexOf(NL, start);
  if (firstEnd === -1 || !OPENING.test(buf.toString('latin1', start, firstEnd))) return undefined;
  const keyAt = buf.indexOf(KEY, firstEnd);
  if (keyAt === -1) return undefined;
  // Inside the block: no closing line (gray-matter's first `\n---` after the opening dashes)
  // before the key. Searched only up to the key, so the rest of the file is never scanned.
  if (buf.subarray(0, keyAt).indexOf(CLOSE, start + 3) !== -1) return undefined;

  const valueStart = keyAt + KEY.length;
  const lineEnd = nextLineEnd(buf, valueStart, buf.length);
  const text = scalarAfterKey(buf.toString('utf8', valueStart, lineEnd).replace(/\r$/, ''));
  // The closing line is neither blank nor indented, so looking past it changes nothing.
  if (text === undefined || continues(buf, lineEnd, buf.length)) return undefined;
  const ms = parsePublished(text, timeZone);
  if (ms === undefined) return undefined;
  return { text, ms, zoned: isZoned(text) };
}

/** The scalar after `publishedDateTime:` on its line, or undefined when it is not a simple one. */
function scalarAfterKey(rest: string): string | undefined {
  // YAML needs a blank between the colon and the value.
  if (rest !== '' && rest[0] !== ' ' && rest[0] !== '\t') return undefined;
  const value = rest.replace(/^[ \t]+/, '');
  if (value === '') return undefined;
  const quote = value[0];
  if (quote === '"' || quote === "'") {
    const close = value.indexOf(quote, 1);
    if (close === -1) return undefined;
    const inner = value.slice(1, close);
    // Escapes (`\x41`, `''`) would make YAML's string differ from the raw text.
    if (quote === '"' && inner.includes('\\')) return undefined;
    if (quote === "'" && value[close + 1] === "'") return undefined;
    return AFTER_QUOTE.test(value.slice(close + 1)) ? inner : undefined;
  }
  // A plain scalar ends at a comment (` #`); anchors, tags and flow values fail parsePublished.
  const hash = value.search(/[ \t]#/);
  return (hash === -1 ? value : value.slice(0, hash)).trim();
}

function nextLineEnd(buf: Buffer, from: number, end: number): number {
  const at = buf.indexOf(NL, from);
  return at === -1 || at > end ? end : at;
}

/** Whether the next non-blank line of the block is indented, i.e. could continue the value. */
function continues(buf: Buffer, lineEnd: number, end: number): boolean {
  let pos = lineEnd;
  // Bounded by the block's length: each turn moves to the next line.
  while (pos < end) {
    const from = pos + 1;
    const to = nextLineEnd(buf, from, end);
    const line = buf.toString('latin1', from, to);
    if (line.trim() !== '') return line[0] === ' ' || line[0] === '\t';
    pos = to;
  }
  return false;
}
