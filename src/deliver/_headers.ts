import { createHash } from 'node:crypto';
import addressparser from 'nodemailer/lib/addressparser';
import { encodeWord, foldLines, quoteString } from 'nodemailer/lib/mime-funcs';
import MimeNode from 'nodemailer/lib/mime-node';
import { DigestError } from '../errors.js';
import { hasControlChars, normalizeEmail } from '../store/index.js';

/**
 * Header values, made safe. Nothing from content, config or the subscriber list can add a header:
 * text from content has control characters (CR, LF, ...) replaced by spaces, config values that
 * hold them are refused, and every header is built here, encoded (RFC 2047) and folded.
 */

/** Text for an unstructured header: control characters and runs of white space become one space. */
export function headerText(value: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
  return value.replace(/[\s\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ').trim();
}

/** One header line `Key: value`, folded at 76 characters, without the final CRLF. */
export function headerLine(key: string, encodedValue: string): string {
  return foldLines(`${key}: ${encodedValue}`, 76);
}

/** An unstructured header (e.g. Subject) with non-ASCII text as RFC 2047 encoded words. */
export function textHeader(key: string, value: string): string {
  return headerLine(key, MimeNode.encodeHeaderValue(key, headerText(value)));
}

/** A display name as an RFC 5322 phrase: bare when plain, quoted when it has specials, else encoded. */
export function encodePhrase(name: string): string {
  const text = headerText(name);
  if (/^[\w ]*$/.test(text)) return text;
  if (/^[\x20-\x7e]*$/.test(text)) return quoteString(text);
  return encodeWord(text, 'Q', 52);
}

/** `Name <address>`, or the bare address when there is no name. The address must be validated. */
export function mailbox(name: string, address: string): string {
  const phrase = encodePhrase(name);
  return phrase ? `${phrase} <${address}>` : address;
}

/** The sender from config `from` (`"Name" <addr>` or `addr`), or E_CONFIG naming the field. */
export function parseFrom(from: string): { name: string; address: string; domain: string } {
  const refuse = (why: string) =>
    new DigestError('E_CONFIG', `"from" ${why}`, {
      field: 'from',
      hint: 'set config "from" or DIGEST_FROM to one address, e.g. "News Digest" <digest@example.com>',
    });
  if (hasControlChars(from)) throw refuse('contains a control character (CR, LF, ...)');
  const parsed = addressparser(from);
  const first = parsed[0];
  if (parsed.length !== 1 || !first || !('address' in first) || !first.address) {
    throw refuse(`must hold exactly one address (got "${from}")`);
  }
  const address = normalizeEmail(first.address);
  if (!address.ok) throw refuse(`address "${first.address}" ${address.reason}`);
  const domain = address.email.slice(address.email.lastIndexOf('@') + 1);
  return { name: headerText(first.name ?? ''), address: address.email, domain };
}

/**
 * The List-Id value: config `listId` (`<label.domain>`, optionally with a name before it), or
 * derived from the sender, e.g. `News Digest <digest.example.com>`.
 */
export function listIdValue(listId: string, sender: { name: string; address: string }): string {
  if (hasControlChars(listId)) {
    throw new DigestError('E_CONFIG', '"listId" contains a control character (CR, LF, ...)', {
      field: 'listId',
    });
  }
  const given = listId.trim();
  if (given !== '') {
    const match =
      /^(.*?)\s*<?([A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)+)>?$/.exec(given);
    if (!match) {
      throw new DigestError('E_CONFIG', `"listId" must look like <digest.example.com> (got "${given}")`, {
        field: 'listId',
      });
    }
    const name = (match[1] ?? '').replace(/^"|"$/g, '');
    return name ? `${encodePhrase(name)} <${match[2]}>` : `<${match[2]}>`;
  }
  const [local = 'digest', domain = 'invalid'] = sender.address.split('@');
  const label = local.toLowerCase().replace(/[^a-z0-9-]+/g, '-') || 'digest';
  return sender.name ? `${encodePhrase(sender.name)} <${label}.${domain}>` : `<${label}.${domain}>`;
}

/**
 * The Feedback-ID value for Gmail's feedback loop (spam-complaint rates per field, in Postmaster
 * Tools): `<digest>:<list>:news-digest`, up to 4 colon-separated fields with the sender id last, so
 * each field is made of letters, digits, `.`, `_`, `@` and `-` only (a `:` in the digest key
 * becomes `-`). `listIdValue` is a List-Id value as listIdValue makes it.
 */
export function feedbackIdValue(digestKey: string, listIdValue: string): string {
  const field = (text: string) =>
    text
      .replace(/[^A-Za-z0-9._@-]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 100);
  const list = /<([^>]+)>\s*$/.exec(listIdValue)?.[1] ?? listIdValue;
  return `${field(digestKey) || 'digest'}:${field(list) || 'list'}:news-digest`;
}

/** `mailto:` target for List-Unsubscribe from config `unsubscribeMailto`, or undefined when unset. */
export function unsubscribeMailto(value: string): string | undefined {
  const given = value.trim().replace(/^mailto:/i, '');
  if (given === '') return undefined;
  const address = normalizeEmail(given.split('?')[0] ?? '');
  if (!address.ok) {
    throw new DigestError('E_CONFIG', `"unsubscribeMailto" address ${address.reason}`, {
      field: 'unsubscribeMailto',
    });
  }
  return `mailto:${address.email}?subject=unsubscribe`;
}

/**
 * The Message-ID of one digest for one subscriber: the same on every attempt and every run, so
 * mail systems can drop a copy resent after a crash (`--resend-unknown`).
 */
export function messageIdFor(digestKey: string, subscriberId: number | string, domain: string): string {
  const hash = createHash('sha256').update(`${digestKey}\u0000${subscriberId}`).digest('hex').slice(0, 32);
  return `<${hash}.digest@${domain}>`;
}

/** RFC 5322 date, e.g. `Sun, 13 Sep 2020 07:00:00 +0000`. */
export function rfc5322Date(date: Date): string {
  return date.toUTCString().replace(/GMT$/, '+0000');
}
