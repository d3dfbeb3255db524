import type { RecipientParts } from '../types.js';
import { safeUrl } from './_url.js';

/**
 * The markers that stand for the recipient's parts in a rendered digest. The digest is rendered
 * once (MJML is slow); each recipient's copy is then a string replacement. The markers use only
 * characters that neither Handlebars' escaping nor MJML changes (`%`, letters, `.`).
 */
export const PLACEHOLDERS = {
  name: '%%recipient.name%%',
  email: '%%recipient.email%%',
  unsubscribeUrl: '%%recipient.unsubscribeUrl%%',
  manageUrl: '%%recipient.manageUrl%%',
} as const satisfies Record<keyof RecipientParts, string>;

const MARKER = /%%recipient\.(name|email|unsubscribeUrl|manageUrl)%%/g;

// Every marker contains `%recipient.`; content that does must not become a marker.
const MARKER_SEED = /(^|%)(?=recipient\.)/g;

/**
 * Content text with any marker look-alike broken by an invisible zero-width space, so a title
 * such as `%%recipient.email%%` stays text and is never filled with the reader's address.
 */
export function neutralizeText(value: string): string {
  return value.includes('recipient.') ? value.replace(MARKER_SEED, '$1\u200b') : value;
}

/** A content URL with marker look-alikes percent-encoded (`%` -> `%25`), so no link leaks an address. */
export function neutralizeUrl(value: string): string {
  return value.includes('%recipient.') ? value.replace(/%(?=recipient\.)/g, '%25') : value;
}

/** The recipient parts of the web/preview copy: nobody in particular. */
export function genericRecipient(publicUrl: string): RecipientParts {
  const base = publicUrl.replace(/\/+$/, '');
  return { name: '', email: '', unsubscribeUrl: `${base}/unsubscribe`, manageUrl: `${base}/preferences` };
}

/**
 * The preference page of an unsubscribe link: `<base>/unsubscribe?token=T` becomes
 * `<base>/preferences?token=T` (digest serve's /preferences takes the same token: whoever holds it
 * may unsubscribe anyway). A link of another shape is kept as it is, the old "manage" target.
 */
export function manageUrlOf(unsubscribeUrl: string): string {
  return unsubscribeUrl.replace(/\/unsubscribe(?=\?|$)/, '/preferences');
}

/**
 * One recipient's copy: the markers replaced by their values, HTML-escaped (safe inside
 * attributes too) in `html` and as-is in `text`. One regex pass per string; runs per recipient.
 */
export function personalize(
  rendered: { html: string; text: string },
  parts: RecipientParts,
): { html: string; text: string } {
  const raw = {
    name: oneLine(parts.name),
    email: oneLine(parts.email),
    // Defence in depth: an unsubscribe link that is not http(s) becomes a dead link, not a script.
    unsubscribeUrl: safeUrl(oneLine(parts.unsubscribeUrl)),
    manageUrl: safeUrl(oneLine(parts.manageUrl ?? manageUrlOf(parts.unsubscribeUrl))),
  };
  const escaped = {
    name: escapeHtml(raw.name),
    email: escapeHtml(raw.email),
    unsubscribeUrl: escapeHtml(raw.unsubscribeUrl),
    manageUrl: escapeHtml(raw.manageUrl),
  };
  return {
    html: rendered.html.replace(MARKER, (_m, key: keyof RecipientParts) => escaped[key]),
    text: rendered.text.replace(MARKER, (_m, key: keyof RecipientParts) => raw[key]),
  };
}

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
  '=': '&#61;',
};

/** Text made safe for HTML element content and quoted attribute values. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"'`=]/g, (c) => HTML_ESCAPES[c] ?? c);
}

// A recipient value never spans lines: a newline in a name must not start a new text line or header.
function oneLine(value: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point
  return value.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ').trim();
}
