import { createHash } from 'node:crypto';
import { encode as qpEncode, wrap as qpWrap } from 'nodemailer/lib/qp';
import { DigestError } from '../errors.js';
import { PLACEHOLDERS, personalize } from '../render/index.js';
import type { RecipientParts, RenderedDigest } from '../types.js';
import {
  feedbackIdValue,
  headerLine,
  listIdValue,
  mailbox,
  parseFrom,
  rfc5322Date,
  textHeader,
  unsubscribeMailto,
} from './_headers.js';

/** The message settings of a digest (from config). */
export interface MessageSettings {
  /** Config `from`, e.g. `"News Digest" <digest@example.com>`. */
  from: string;
  /** Config `listId`; empty derives it from `from`. */
  listId?: string;
  /** Config `unsubscribeMailto`; empty for none. */
  unsubscribeMailto?: string;
  /** The Date header of every copy. */
  date: Date;
  /** The digest's ledger key: when given, a `Feedback-ID` header names it (see feedbackIdValue). */
  digestKey?: string;
}

/** One recipient's values; `email` must be a validated address. */
export interface MessageRecipient {
  email: string;
  name: string;
  messageId: string;
  unsubscribeUrl: string;
}

/** One recipient's copy of a digest, as pieces (no 60 KB concatenation per recipient). */
export interface MessageCopy {
  /** The message in order: joined, they are the message (CRLF line ends, 7-bit). */
  readonly pieces: readonly Buffer[];
  /** Bytes of the message (of `pieces`). */
  readonly length: number;
}

/** A digest made into a message template, ready to stamp out one copy per recipient. */
export interface DigestMessage {
  /** The Subject as sent (one line). */
  subject: string;
  /** The sender address (also the SMTP envelope sender). */
  fromAddress: string;
  /** The domain of Message-IDs. */
  domain: string;
  /** The whole message for one recipient, CRLF line ends, 7-bit, ready for SMTP. */
  build(recipient: MessageRecipient): Buffer;
  /** The same message as pieces. */
  copy(recipient: MessageRecipient): MessageCopy;
}

type Key = keyof RecipientParts;
/** A constant piece of a message (encoded once per digest), or where a recipient's value goes. */
type Segment = Buffer | Key;

const KEYS = Object.keys(PLACEHOLDERS) as Key[];
const MARKERS = new RegExp(`(${KEYS.map((k) => escapeRegExp(PLACEHOLDERS[k])).join('|')})`);
const KEY_OF = new Map(KEYS.map((k) => [PLACEHOLDERS[k] as string, k]));
// Recipient values never hold a line break (personalize makes them one line), so one can separate them.
const PROBE = KEYS.map((k) => PLACEHOLDERS[k]).join('\n');

/**
 * Turn a rendered digest into a message template, once per digest:
 * 1. check the sender, List-Id and mailto settings (E_CONFIG) and that the HTML has a visible
 *    unsubscribe link (E_TEMPLATE); give the text part one if its template has none;
 * 2. build the headers that are the same for everyone (From, Subject, Date, List-*, Feedback-ID,
 *    MIME);
 * 3. cut the HTML and text at the recipient markers, quoted-printable encode each piece and
 *    dot-stuff it for SMTP.
 * Each copy is then the pieces joined with that recipient's few encoded values, so the cost per
 * recipient is a hash, an HMAC and the few small pieces, never a render, an encoding or a
 * dot-stuffing pass over the whole body.
 */
export function prepareDigestMessage(
  rendered: Pick<RenderedDigest, 'subject' | 'html' | 'text'>,
  settings: MessageSettings,
): DigestMessage {
  const sender = parseFrom(settings.from);
  const listId = listIdValue(settings.listId ?? '', sender);
  const mailto = unsubscribeMailto(settings.unsubscribeMailto ?? '');
  if (!rendered.html.includes(PLACEHOLDERS.unsubscribeUrl)) {
    throw new DigestError('E_TEMPLATE', 'the HTML template has no visible unsubscribe link', {
      hint: 'put <a href="{{recipient.unsubscribeUrl}}">Unsubscribe</a> in the footer of the template',
    });
  }
  const text = rendered.text.includes(PLACEHOLDERS.unsubscribeUrl)
    ? rendered.text
    : `${rendered.text.replace(/\s+$/, '')}\n\nUnsubscribe: ${PLACEHOLDERS.unsubscribeUrl}\n`;
  const subjectLine = textHeader('Subject', rendered.subject);
  const subject = rendered.subject.replace(/\s+/g, ' ').trim();
  const htmlSegments = segments(crlf(rendered.html));
  const textSegments = segments(crlf(text));
  const boundary = `=_nd_${createHash('sha256').update(rendered.html).update(text).digest('hex').slice(0, 24)}`;
  const fromLine = ascii(`${headerLine('From', mailbox(sender.name, sender.address))}\r\n`);
  const feedback = settings.digestKey
    ? `${headerLine('Feedback-ID', feedbackIdValue(settings.digestKey, listId))}\r\n`
    : '';
  const middle = ascii(
    `${subjectLine}\r\nDate: ${rfc5322Date(settings.date)}\r\n` +
      `${headerLine('List-Id', listId)}\r\n${feedback}`,
  );
  const tail = ascii(
    'List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\nMIME-Version: 1.0\r\n' +
      `Content-Type: multipart/alternative; boundary="${boundary}"\r\n\r\n` +
      partHead(boundary, 'text/plain'),
  );
  const between = ascii(`\r\n${partHead(boundary, 'text/html')}`);
  const end = ascii(`\r\n--${boundary}--\r\n`);

  const copy = (recipient: MessageRecipient): MessageCopy => {
    const values = recipientValues(recipient);
    const url = asciiUrl(values.url);
    const unsubscribe = mailto ? `<${url}>,\r\n <${mailto}>` : `<${url}>`;
    const out = new CopyBuilder();
    out.fixed(fromLine);
    out.dynamic(
      `${headerLine('To', mailbox(recipient.name, recipient.email))}\r\nMessage-ID: ${recipient.messageId}\r\n`,
    );
    out.fixed(middle);
    out.dynamic(`List-Unsubscribe: ${unsubscribe}\r\n`);
    out.fixed(tail);
    fill(out, textSegments, values.text);
    out.fixed(between);
    fill(out, htmlSegments, values.html);
    out.fixed(end);
    return out.finish();
  };

  return {
    subject,
    fromAddress: sender.address,
    domain: sender.domain,
    copy,
    build(recipient) {
      const { pieces, length } = copy(recipient);
      return Buffer.concat(pieces as Buffer[], length);
    },
  };
}

/** Collects a copy's pieces and their length. */
class CopyBuilder {
  readonly #pieces: Buffer[] = [];
  #length = 0;

  fixed(piece: Buffer): void {
    this.#add(piece);
  }

  dynamic(text: string): void {
    this.#add(ascii(text));
  }

  finish(): MessageCopy {
    return { pieces: this.#pieces, length: this.#length };
  }

  #add(raw: Buffer): void {
    if (raw.length === 0) return;
    this.#pieces.push(raw);
    this.#length += raw.length;
  }
}

/** The recipient's values exactly as `personalize` would insert them, in HTML and in text. */
function recipientValues(recipient: MessageRecipient) {
  const parts = { email: recipient.email, name: recipient.name, unsubscribeUrl: recipient.unsubscribeUrl };
  const filled = personalize({ html: PROBE, text: PROBE }, parts);
  const html = filled.html.split('\n');
  const text = filled.text.split('\n');
  const byKey = (values: string[]) =>
    Object.fromEntries(KEYS.map((k, i) => [k, values[i] ?? ''])) as Record<Key, string>;
  const raw = byKey(text);
  return { html: byKey(html), text: raw, url: raw.unsubscribeUrl };
}

/**
 * One body part: its pieces with the recipient's values, encoded. A part must not end on a soft
 * line break (the boundary's CRLF follows): a fixed last piece had it cut off once (see segments).
 */
function fill(out: CopyBuilder, parts: Segment[], values: Record<Key, string>): void {
  const last = parts.length - 1;
  for (let i = 0; i <= last; i++) {
    const part = parts[i] as Segment;
    if (typeof part !== 'string') out.fixed(part);
    else {
      const encoded = qpSegment(values[part]);
      out.dynamic(
        i === last && encoded.endsWith(SOFT_BREAK) ? encoded.slice(0, -SOFT_BREAK.length) : encoded,
      );
    }
  }
}

const SOFT_BREAK = '=\r\n';

/** Static pieces encoded once, markers kept as keys; the last piece without a final soft break. */
function segments(body: string): Segment[] {
  const pieces = body.split(MARKERS).filter((piece) => piece !== '');
  return pieces.map((piece, i) => {
    const key = KEY_OF.get(piece);
    if (key) return key;
    const encoded = qpSegment(piece);
    return ascii(
      i === pieces.length - 1 && encoded.endsWith(SOFT_BREAK)
        ? encoded.slice(0, -SOFT_BREAK.length)
        : encoded,
    );
  });
}

/**
 * Quoted-printable for one piece of a body, ending at the start of a line: with a soft line break
 * (`=` CRLF, which decodes to nothing) unless the piece ends with a real line break. Pieces can then
 * be joined in any combination and every line stays within 76 characters.
 */
export function qpSegment(text: string): string {
  if (text === '') return '';
  // Fast path for one line of printable ASCII (an address, a URL): only '=' and a final space need escaping.
  if (/^[\x20-\x7e]*$/.test(text)) {
    const encoded = text.replace(/=/g, '=3D').replace(/ $/, '=20');
    return `${encoded.length > 75 ? qpWrap(encoded, 75) : encoded}=\r\n`;
  }
  // 75, not 76: the '=' of the joining soft break may follow the last line.
  const encoded = qpWrap(qpEncode(text), 75);
  return encoded.endsWith('\r\n') ? encoded : `${encoded}=\r\n`;
}

/** A URL as header-safe ASCII: an IDN host punycoded, anything else outside printable ASCII percent-encoded. */
function asciiUrl(url: string): string {
  if (/^[\x21-\x7e]*$/.test(url)) return url;
  try {
    return new URL(url).href;
  } catch {
    return encodeURI(url);
  }
}

function partHead(boundary: string, type: string): string {
  return `--${boundary}\r\nContent-Type: ${type}; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n`;
}

function crlf(text: string): string {
  return text.replace(/\r?\n|\r/g, '\r\n');
}

function ascii(text: string): Buffer {
  return Buffer.from(text, 'latin1');
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
