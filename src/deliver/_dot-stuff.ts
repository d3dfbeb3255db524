/**
 * SMTP DATA transparency (RFC 5321 4.5.2), byte for byte as nodemailer's DataStream does it, but
 * on pieces of a message: a dot at the start of a line gets a second dot, a bare CR or bare LF
 * becomes CRLF, and the content ends with the `.` line. DataStream's only state between chunks is
 * the previous byte, so stuffing each piece with the byte before it gives the same bytes as
 * stuffing the joined message. The constant pieces of a digest are stuffed once (see
 * prepareDigestMessage); per recipient only the few personalised pieces are.
 */

const CR = 0x0d;
const LF = 0x0a;
const DOT = 0x2e;

/** The byte before a piece; `undefined` at the start of the message (the same as after LF). */
export type PrevByte = number | undefined;

/** One piece dot-stuffed, given the byte before it; the piece itself when nothing changes. */
export function dotStuff(chunk: Buffer, prev: PrevByte): Buffer {
  const len = chunk.length;
  let parts: Buffer[] | undefined;
  let lastPos = 0;
  let before = prev;
  for (let i = 0; i < len; i++) {
    const byte = chunk[i] as number;
    let insert: Buffer | undefined;
    if (before === CR && byte !== LF) insert = byte === DOT ? INSERT_LF_DOT : INSERT_LF;
    else if (byte === LF && before !== CR) insert = INSERT_CR;
    else if (byte === DOT && (before === LF || before === undefined)) insert = INSERT_DOT;
    if (insert) {
      parts ??= [];
      if (i > lastPos) parts.push(chunk.subarray(lastPos, i));
      parts.push(insert);
      lastPos = i;
    }
    before = byte;
  }
  if (!parts) return chunk;
  if (lastPos < len) parts.push(chunk.subarray(lastPos));
  return Buffer.concat(parts);
}

/** The end of the DATA content after a message whose last byte is `last`: the `.` line. */
export function dataTerminator(last: PrevByte): Buffer {
  if (last === LF) return END_AFTER_LF;
  if (last === CR) return END_AFTER_CR;
  return END_OTHER;
}

/** The last byte of a run of pieces, or `prev` when they are all empty. */
export function lastByte(chunk: Buffer, prev: PrevByte): PrevByte {
  return chunk.length > 0 ? chunk[chunk.length - 1] : prev;
}

const INSERT_LF = Buffer.from('\n');
const INSERT_LF_DOT = Buffer.from('\n.');
const INSERT_CR = Buffer.from('\r');
const INSERT_DOT = Buffer.from('.');
const END_AFTER_LF = Buffer.from('.\r\n');
const END_AFTER_CR = Buffer.from('\n.\r\n');
const END_OTHER = Buffer.from('\r\n.\r\n');
