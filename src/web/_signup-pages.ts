import { escapeHtml } from '../render/index.js';
import { layout } from './_pages.js';

/** What the subscribe form offers (config `signup`, topics resolved). */
export interface SignupForm {
  /** Topics to tick; none: the form has no topic choice. */
  topics: string[];
}

/**
 * The subscribe form that the home and archive pages carry when `signup.enabled`. A plain POST
 * (no script). `website` is the honeypot: hidden from people (and screen readers), so only a bot
 * fills it in.
 */
export function signupFormHtml(
  form: SignupForm,
  root: string,
  values: { email?: string; name?: string } = {},
): string {
  const topics = form.topics.length
    ? `<fieldset>
<legend>Topics <span class="muted">(optional; none ticked: all of them)</span></legend>
${form.topics.map((t) => `<label class="check"><input type="checkbox" name="topics" value="${escapeHtml(t)}"> <span>${escapeHtml(t)}</span></label>`).join('\n')}
</fieldset>\n`
    : '';
  return `<section class="signup" id="subscribe" aria-labelledby="subscribe-title">
<h2 id="subscribe-title">Get it by email</h2>
<form method="post" action="${root}subscribe">
<label for="signup-email">Email address</label>
<input id="signup-email" name="email" type="email" required maxlength="254" autocomplete="email" value="${escapeHtml(values.email ?? '')}">
<label for="signup-name">Name <span class="muted">(optional)</span></label>
<input id="signup-name" name="name" maxlength="200" autocomplete="name" value="${escapeHtml(values.name ?? '')}">
${topics}<fieldset>
<legend>How often</legend>
<label class="check"><input type="radio" name="frequency" value="daily" checked> <span>Every day</span></label>
<label class="check"><input type="radio" name="frequency" value="weekly"> <span>Once a week</span></label>
</fieldset>
<div class="hp" aria-hidden="true"><label for="signup-website">Website</label><input id="signup-website" name="website" tabindex="-1" autocomplete="off"></div>
<button type="submit">Subscribe</button>
</form>
</section>`;
}

/**
 * The one answer to every accepted signup, whatever happened: mailed, already subscribed,
 * suppressed, mailed recently, or caught by the honeypot. It tells a prober nothing.
 */
export function signupReceivedPage(
  site: string,
  email: string,
  doubleOptIn: boolean,
  validHours: number,
): string {
  const body = doubleOptIn
    ? `<h1>Check your inbox</h1>
<p>If ${escapeHtml(email)} can receive ${escapeHtml(site)}, a message with a confirmation link is on its way.
Open the link within ${validHours} hours to start getting the digest.</p>
<p class="muted">Nothing arrived? Look in the spam folder. A new message can be asked for once an hour.</p>`
    : `<h1>Thank you</h1>
<p>If ${escapeHtml(email)} can receive ${escapeHtml(site)}, the next digest will be sent there.</p>`;
  return layout({ site, title: 'Subscribe', root: './', noindex: true }, body);
}

/** GET /subscribe: the form on a page of its own. */
export function subscribePage(site: string, form: SignupForm): string {
  return layout(
    { site, title: 'Subscribe', root: './' },
    `<h1>Subscribe to ${escapeHtml(site)}</h1>\n${signupFormHtml(form, './')}`,
  );
}

/** A form post with an address that can't be one: the form again, with why. */
export function signupProblemPage(
  site: string,
  problem: string,
  form: SignupForm,
  values: { email: string; name: string },
): string {
  return layout(
    { site, title: 'Subscribe', root: './', noindex: true },
    `<h1>Subscribe to ${escapeHtml(site)}</h1>
<p class="notice error" role="alert">${escapeHtml(problem)}</p>
${signupFormHtml(form, './', values)}`,
  );
}

/** GET /confirm with a usable link: the one button that confirms (mail scanners only GET). */
export function confirmSignupPage(site: string, email: string, token: string): string {
  return layout(
    { site, title: 'Confirm', root: './', noindex: true },
    `<h1>Confirm your subscription</h1>
<p>${escapeHtml(email)} will get ${escapeHtml(site)}.</p>
<form method="post" action="./confirm?token=${escapeHtml(token)}"><button type="submit">Confirm</button></form>`,
  );
}

/** The link was followed before: nothing changes, and the page says so. */
export function alreadyConfirmedPage(site: string): string {
  return layout(
    { site, title: 'Already confirmed', root: './', noindex: true },
    `<h1>Already confirmed</h1>
<p>This link was used before: the subscription is confirmed. To change it, use the
“Manage subscription” link at the bottom of any digest.</p>`,
  );
}

/**
 * Every unusable confirmation link (forged, changed, cut short, expired, already replaced by an
 * unsubscribe): one page, which says what to do.
 */
export function invalidConfirmationPage(site: string, validHours: number): string {
  return layout(
    { site, title: 'Link not valid', root: './', noindex: true },
    `<h1>This confirmation link does not work</h1>
<p>It may have expired (a link works for ${validHours} hours), been changed or cut short. Nothing
was changed.</p>
<p><a href="./#subscribe">Sign up again</a> to get a new link.</p>`,
  );
}
