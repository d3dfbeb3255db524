import { escapeHtml } from '../render/index.js';
import type { ArchiveEntry } from './_archive.js';
import { feedLinks } from './_feeds.js';

/**
 * The server's own pages. Links are relative (`root` is `./` or `../`), so the server works
 * behind a reverse proxy that mounts it under a path, e.g. https://example.com/news/.
 */

interface LayoutOptions {
  /** The newsletter's name (config `title`). */
  site: string;
  /** The page's own title, before the site name. */
  title: string;
  /** `./` for pages at the top level, `../` one level down. */
  root: string;
  /** Keep search engines away (pages reached through a personal link). */
  noindex?: boolean;
  /** Announce the archive feeds (`<link rel="alternate">`): the home and archive pages. */
  feeds?: boolean;
}

/** A whole HTML document around `main`: one stylesheet, no script. */
export function layout(options: LayoutOptions, main: string): string {
  const { site, title, root } = options;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
${options.noindex ? '<meta name="robots" content="noindex, nofollow">\n' : ''}<title>${escapeHtml(title)} · ${escapeHtml(site)}</title>
<link rel="stylesheet" href="${root}assets/site.css">
${options.feeds ? `${feedLinks(site, root)}\n` : ''}</head>
<body>
<main>
<header class="site"><a href="${root}archive">${escapeHtml(site)}</a></header>
${main}
</main>
</body>
</html>
`;
}

/** The front page: what this is, the archive link, and `signup` (the subscribe form, or ''). */
export function homePage(site: string, signup = ''): string {
  return layout(
    { site, title: 'Home', root: './', feeds: true },
    `<h1>${escapeHtml(site)}</h1>
<p>A daily email digest of the news.</p>
<p><a href="./archive">Read the digests sent so far</a></p>${signup ? `\n${signup}` : ''}`,
  );
}

/** The list of sent digests, newest first, then `signup` (the subscribe form, or ''). */
export function archiveListPage(site: string, entries: ArchiveEntry[], signup = ''): string {
  const items = entries.map((e) => {
    const week = e.edition === 'weekly' ? 'The week to ' : '';
    const when = `<time datetime="${e.date}">${escapeHtml(`${week}${longDate(e.date)}`)}</time>`;
    const count = `${e.items} ${e.items === 1 ? 'item' : 'items'}`;
    const subject = e.hasPage
      ? `<a class="subject" href="./archive/${e.path}">${escapeHtml(e.subject)}</a>`
      : `<span class="subject">${escapeHtml(e.subject)}</span> <span class="muted">(no web copy)</span>`;
    return `<li>${when}${subject} <span class="muted">· ${count}</span></li>`;
  });
  const body = entries.length
    ? `<ol class="archive">\n${items.join('\n')}\n</ol>`
    : '<p>No digest has been sent yet.</p>';
  return layout(
    { site, title: 'Archive', root: './', feeds: true },
    `<h1>Archive</h1>\n${body}${signup ? `\n${signup}` : ''}`,
  );
}

/**
 * The web copy of a digest with a one-line bar back to the archive. The copy is the email's own
 * HTML (its styles are inline), so the bar is styled inline too.
 */
export function archiveDayPage(site: string, entry: ArchiveEntry, html: string, signup = false): string {
  // The copy's CSP allows no form: with signup on, the bar links to the form on the front page.
  const subscribe = signup ? ' · <a href="../#subscribe" style="color:#fff;">Subscribe</a>' : '';
  const bar =
    '<div style="font:14px/1.5 system-ui,Arial,sans-serif;padding:8px 16px;background:#1f2328;color:#fff;">' +
    `<a href="../archive" style="color:#fff;">${escapeHtml(site)}: all digests</a> · ` +
    `<time datetime="${entry.date}">${escapeHtml(longDate(entry.date))}</time>${subscribe}</div>`;
  const head = /<head\b[^>]*>/i.exec(html);
  const withLinks = head
    ? `${html.slice(0, head.index + head[0].length)}\n${feedLinks(site, '../')}${html.slice(head.index + head[0].length)}`
    : html;
  const body = /<body\b[^>]*>/i.exec(withLinks);
  if (!body) return bar + withLinks;
  const at = body.index + body[0].length;
  return `${withLinks.slice(0, at)}\n${bar}\n${withLinks.slice(at)}`;
}

/** GET /unsubscribe with a valid token: the one button that does the POST. */
export function confirmUnsubscribePage(site: string, email: string, token: string): string {
  return layout(
    { site, title: 'Unsubscribe', root: './', noindex: true },
    `<h1>Unsubscribe from ${escapeHtml(site)}?</h1>
<p>${escapeHtml(email)} will get no more digests.</p>
${postForm('unsubscribe', token, 'Unsubscribe')}`,
  );
}

/** After the POST (or a visit when already unsubscribed): done, with the one-click way back. */
export function unsubscribedPage(site: string, email: string, resubscribeToken: string): string {
  return layout(
    { site, title: 'Unsubscribed', root: './', noindex: true },
    `<h1>You are unsubscribed</h1>
<p>${escapeHtml(email)} will get no more digests from ${escapeHtml(site)}.</p>
<p>Unsubscribed by mistake?</p>
${postForm('resubscribe', resubscribeToken, 'Subscribe again', 'secondary')}`,
  );
}

/** GET /resubscribe with a valid token: the one button that does the POST. */
export function confirmResubscribePage(site: string, email: string, token: string): string {
  return layout(
    { site, title: 'Subscribe again', root: './', noindex: true },
    `<h1>Subscribe to ${escapeHtml(site)} again?</h1>
<p>${escapeHtml(email)} will get the daily digest again.</p>
${postForm('resubscribe', token, 'Subscribe again')}`,
  );
}

/** After POST /resubscribe (or a visit when already subscribed). */
export function subscribedPage(site: string, email: string, unsubscribeToken: string): string {
  return layout(
    { site, title: 'Subscribed', root: './', noindex: true },
    `<h1>You are subscribed</h1>
<p>${escapeHtml(email)} will get the next digest of ${escapeHtml(site)}.</p>
${postForm('unsubscribe', unsubscribeToken, 'Unsubscribe', 'secondary')}`,
  );
}

/** GET /unsubscribe without a token: the web copy's generic link leads here. */
export function unsubscribeHelpPage(site: string): string {
  return layout(
    { site, title: 'Unsubscribe', root: './', noindex: true },
    `<h1>Unsubscribe</h1>
<p>To unsubscribe, use the “Unsubscribe” link at the bottom of a digest you received by email:
it carries the key to your address. Most mail programs also show an “Unsubscribe” button next to the sender.</p>`,
  );
}

/**
 * The one answer to every unusable token: forged, altered, cut short, expired, or for an address
 * that is not (or no longer) on the list. Being the same, it tells a prober nothing.
 */
export function invalidLinkPage(site: string): string {
  return layout(
    { site, title: 'Invalid link', root: './', noindex: true },
    `<h1>This link does not work</h1>
<p>It may have been cut short or changed. Use the complete link from the email, or copy it into
the address bar in one piece.</p>`,
  );
}

/** A page for 404, 429, 500 and the like. */
export function messagePage(site: string, title: string, text: string, root = './'): string {
  return layout(
    { site, title, root, noindex: true },
    `<h1>${escapeHtml(title)}</h1>\n<p>${escapeHtml(text)}</p>`,
  );
}

/**
 * A plain form that POSTs to `action?token=...` (works without JavaScript). For unsubscribing, the
 * hidden field makes the browser's POST the same as a mail client's RFC 8058 one-click request.
 */
export function postForm(action: string, token: string, label: string, kind = ''): string {
  return `<form method="post" action="./${action}?token=${encodeURIComponent(token)}">
${action === 'unsubscribe' ? '<input type="hidden" name="List-Unsubscribe" value="One-Click">\n' : ''}<button type="submit"${kind ? ` class="${kind}"` : ''}>${escapeHtml(label)}</button>
</form>`;
}

/** `2026-11-24` as `Tuesday, 24 November 2026`. */
export function longDate(date: string): string {
  const [y, m, d] = date.split('-').map(Number);
  return new Intl.DateTimeFormat('en-GB', {
    weekday: 'long',
    day: 'numeric',
    month: 'long',
    year: 'numeric',
    timeZone: 'UTC',
  }).format(new Date(Date.UTC(y ?? 1970, (m ?? 1) - 1, d ?? 1)));
}
