import { escapeHtml } from '../render/index.js';
import {
  FREQUENCIES,
  type Frequency,
  normalizeName,
  type Subscriber,
  type SubscriberStore,
} from '../store/index.js';
import { chosenTopics } from './_form.js';
import { invalidLinkPage, layout, unsubscribedPage } from './_pages.js';
import { resubscribeToken, subscriberFor } from './_subscription.js';

/** Monday first, as ISO 8601 numbers them (1 = Monday ... 7 = Sunday). */
export const WEEKDAY_NAMES = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];

/** What the preference page needs from the server. */
export interface PreferencesDeps {
  site: string;
  secret: string;
  subscribers: Pick<SubscriberStore, 'findById' | 'setPreferences'>;
  /** The topics offered (config signup.topics, or the archive's). */
  topics: () => Promise<string[]>;
  /** The weekday of a weekly edition for a subscriber who chose none (config editions.weeklyWeekday), 1-7. Default 1. */
  defaultWeekday: number;
  now: () => Date;
  log: (line: string) => void;
}

/** The page's answer: a page, or a redirect after a save (POST, redirect, GET). */
export type PreferencesAnswer = { status: number; page?: string; location?: string };

/**
 * /preferences?token=... with the subscriber's unsubscribe token (the "Manage subscription" link
 * of every digest: the same key, since whoever holds it can unsubscribe anyway). GET shows the
 * form; POST saves it and redirects to the GET with a "saved" notice, so a reload posts nothing.
 */
export async function preferences(
  deps: PreferencesDeps,
  token: string | undefined,
  query: { saved: boolean; confirmed: boolean },
  form: URLSearchParams | undefined,
): Promise<PreferencesAnswer> {
  const { site } = deps;
  if (token === undefined && !form) return { status: 200, page: preferencesHelpPage(site) };
  const nowMs = deps.now().getTime();
  const subscriber = await subscriberFor(deps.subscribers, deps.secret, token, 'unsub', nowMs);
  if (!subscriber || subscriber.status === 'pending') return { status: 400, page: invalidLinkPage(site) };
  if (subscriber.status === 'unsubscribed') {
    return {
      status: 200,
      page: unsubscribedPage(site, subscriber.email, resubscribeToken(subscriber, deps.secret, nowMs)),
    };
  }
  const offered = mergeTopics(await deps.topics(), subscriber.topics);
  if (!form) {
    const notice = query.saved ? 'Saved.' : query.confirmed ? 'Your subscription is confirmed.' : '';
    return { status: 200, page: preferencesPage(deps, subscriber, token as string, offered, notice) };
  }
  const frequency = form.get('frequency');
  const weekday = Number(form.get('weekday'));
  const name = normalizeName(form.get('name') ?? subscriber.name);
  if (!FREQUENCIES.includes(frequency as Frequency) || !name.ok) {
    const problem = name.ok ? 'Choose how often: every day, once a week or paused.' : `The ${name.reason}.`;
    return { status: 400, page: preferencesPage(deps, subscriber, token as string, offered, problem, true) };
  }
  await deps.subscribers.setPreferences(subscriber.id, {
    frequency: frequency as Frequency,
    ...(frequency === 'weekly' && Number.isInteger(weekday) && weekday >= 1 && weekday <= 7
      ? { weekday }
      : {}),
    topics: chosenTopics(form, offered),
    name: name.value,
  });
  deps.log(`preferences saved: subscriber #${subscriber.id}`);
  return { status: 303, location: `./preferences?token=${token}&saved=1` };
}

/** The offered topics, then any the subscriber has that are no longer offered (kept, not lost). */
function mergeTopics(offered: string[], own: string[]): string[] {
  const known = new Set(offered.map((t) => t.toLowerCase()));
  return [...offered, ...own.filter((t) => !known.has(t.toLowerCase()))];
}

/** The form, filled with what is stored; `notice` above it (a save, or what was wrong). */
export function preferencesPage(
  deps: Pick<PreferencesDeps, 'site' | 'defaultWeekday'>,
  subscriber: Subscriber,
  token: string,
  topics: string[],
  notice = '',
  problem = false,
): string {
  const { site } = deps;
  const action = `./preferences?token=${escapeHtml(token)}`;
  const radio = (value: Frequency, label: string, extra = '') =>
    `<label class="check"><input type="radio" name="frequency" value="${value}"${subscriber.frequency === value ? ' checked' : ''}> <span>${label}${extra}</span></label>`;
  const day = subscriber.weekday ?? deps.defaultWeekday;
  const weekdays = WEEKDAY_NAMES.map(
    (n, i) => `<option value="${i + 1}"${i + 1 === day ? ' selected' : ''}>${n}</option>`,
  ).join('');
  const mine = new Set(subscriber.topics.map((t) => t.toLowerCase()));
  const topicBoxes = topics
    .map(
      (t) =>
        `<label class="check"><input type="checkbox" name="topics" value="${escapeHtml(t)}"${mine.has(t.toLowerCase()) ? ' checked' : ''}> <span>${escapeHtml(t)}</span></label>`,
    )
    .join('\n');
  const noticeHtml = notice
    ? `<p class="notice${problem ? ' error' : ''}" role="${problem ? 'alert' : 'status'}">${escapeHtml(notice)}</p>\n`
    : '';
  return layout(
    { site, title: 'Your subscription', root: './', noindex: true },
    `<h1>Your subscription</h1>
${noticeHtml}<p>${escapeHtml(site)} goes to ${escapeHtml(subscriber.email)}.</p>
<form method="post" action="${action}" class="prefs">
<fieldset>
<legend>How often</legend>
${radio('daily', 'Every day')}
${radio('weekly', 'Once a week, on', ` <select name="weekday" aria-label="Weekday of the weekly digest">${weekdays}</select>`)}
${radio('paused', 'Paused: nothing until you choose again')}
</fieldset>
${
  topics.length
    ? `<fieldset>
<legend>Topics <span class="muted">(none ticked: all of them)</span></legend>
${topicBoxes}
</fieldset>\n`
    : ''
}<label for="pref-name">Name <span class="muted">(optional)</span></label>
<input id="pref-name" name="name" maxlength="200" autocomplete="name" value="${escapeHtml(subscriber.name)}">
<button type="submit">Save</button>
</form>
<h2>Unsubscribe</h2>
<p>No more digests to ${escapeHtml(subscriber.email)}.</p>
<form method="post" action="./unsubscribe?token=${escapeHtml(token)}"><button type="submit" class="secondary">Unsubscribe</button></form>`,
  );
}

/** GET /preferences without a token: the web copy's generic link leads here. */
export function preferencesHelpPage(site: string): string {
  return layout(
    { site, title: 'Your subscription', root: './', noindex: true },
    `<h1>Your subscription</h1>
<p>To change how often you get ${escapeHtml(site)}, its topics, or to unsubscribe, use the
“Manage subscription” link at the bottom of a digest you received by email: it carries the key to
your address.</p>`,
  );
}
