import { domainToASCII } from 'node:url';

/** C0/C1 controls, DEL, and the Unicode line/paragraph separators: never allowed in any stored value. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/** dot-atom local part (RFC 5322 atext), no quoted strings: what real subscription forms produce. */
const LOCAL_PART = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

export type AddressCheck = { ok: true; email: string } | { ok: false; reason: string };

/** True when the text holds a control character (CR, LF, NUL, DEL, C1, U+2028/9). */
export function hasControlChars(text: string): boolean {
  return CONTROL.test(text);
}

/**
 * Validate an email address and return its stored form: surrounding spaces trimmed, the domain
 * lower-cased (and punycoded when it is an IDN). The local part keeps its case; compare with addressKey.
 */
export function normalizeEmail(raw: string): AddressCheck {
  if (hasControlChars(raw)) return { ok: false, reason: 'contains a control character (CR, LF, ...)' };
  const text = raw.trim();
  if (text === '') return { ok: false, reason: 'is empty' };
  if (/\s/.test(text)) return { ok: false, reason: 'contains a space' };
  const at = text.lastIndexOf('@');
  if (at <= 0 || at === text.length - 1) return { ok: false, reason: 'is not of the form name@domain' };
  const local = text.slice(0, at);
  const domainInput = text.slice(at + 1);
  if (local.length > 64) return { ok: false, reason: 'has a part before @ longer than 64 characters' };
  if (!LOCAL_PART.test(local)) return { ok: false, reason: `has an invalid part before @ ("${local}")` };
  const domain = domainToASCII(domainInput.toLowerCase());
  if (domain === '') return { ok: false, reason: `has an invalid domain ("${domainInput}")` };
  const labels = domain.split('.');
  if (labels.length < 2 || !labels.every((label) => LABEL.test(label))) {
    return { ok: false, reason: `has an invalid domain ("${domainInput}")` };
  }
  if (!/^([a-z]{2,63}|xn--[a-z0-9-]+)$/.test(labels[labels.length - 1] ?? '')) {
    return { ok: false, reason: `has an invalid top-level domain ("${domainInput}")` };
  }
  const email = `${local}@${domain}`;
  if (email.length > 254) return { ok: false, reason: 'is longer than 254 characters' };
  return { ok: true, email };
}

/**
 * The form two addresses are compared in: the whole normalised address lower-cased. Mailbox
 * providers treat the local part case-insensitively too, so `Ann@Example.COM` and
 * `ann@example.com` are one person (one subscriber, one ledger row, one suppression record).
 * The stored address keeps the case it was given, for the To header.
 */
export function addressKey(normalised: string): string {
  return normalised.toLowerCase();
}

export type TextCheck = { ok: true; value: string } | { ok: false; reason: string };

/** Validate a display name: trimmed, at most 200 characters, no control characters. */
export function normalizeName(raw: string): TextCheck {
  if (hasControlChars(raw)) return { ok: false, reason: 'name contains a control character (CR, LF, ...)' };
  const value = raw.trim().replace(/\s+/g, ' ');
  if (value.length > 200) return { ok: false, reason: 'name is longer than 200 characters' };
  return { ok: true, value };
}

/** Parse `a; b;c` into distinct, trimmed topic names (each at most 64 characters, no control characters). */
export function parseTopics(raw: string): { ok: true; topics: string[] } | { ok: false; reason: string } {
  if (hasControlChars(raw)) return { ok: false, reason: 'topics contain a control character (CR, LF, ...)' };
  const topics = [
    ...new Set(
      raw
        .split(';')
        .map((t) => t.trim())
        .filter(Boolean),
    ),
  ];
  const long = topics.find((t) => t.length > 64);
  if (long) return { ok: false, reason: `topic "${long.slice(0, 20)}..." is longer than 64 characters` };
  return { ok: true, topics };
}
