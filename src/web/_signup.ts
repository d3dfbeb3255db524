import { signToken, verifyToken } from '../deliver/index.js';
import {
  addressKey,
  FREQUENCIES,
  type Frequency,
  type SubscriberStore,
  subscriberInput,
} from '../store/index.js';
import type { SignupMail, SignupMailer } from './_confirm-mail.js';
import { chosenTopics } from './_form.js';
import type { RateLimiter } from './_rate-limit.js';
import {
  alreadyConfirmedPage,
  confirmSignupPage,
  invalidConfirmationPage,
  type SignupForm,
  signupProblemPage,
  signupReceivedPage,
} from './_signup-pages.js';

/** No second signup mail (confirmation or notice) to one address within this long, ms: 1 hour. */
export const SIGNUP_QUIET_MS = 60 * 60 * 1000;

/** Config `signup` as the web server uses it. */
export interface SignupSettings {
  /** Default false: no form, POST /subscribe and /confirm are 404s. */
  enabled: boolean;
  /** Default true. */
  doubleOptIn: boolean;
  /** Offered topics; empty: the archive's (Archive.topics). */
  topics: string[];
  /** How long a confirmation link works, hours. Default 48. */
  confirmHours: number;
}

/** What signup needs from the server. */
export interface SignupDeps {
  site: string;
  publicUrl: string;
  secret: string;
  settings: SignupSettings;
  subscribers: Pick<SubscriberStore, 'signUp' | 'confirm' | 'findById' | 'signupMailFailed'>;
  /** Sends the confirmation and notice mails; absent: E_SMTP_CONFIG at start (see startWebServer). */
  mailer: SignupMailer;
  /** Per address (lower-cased): bounds what one address can make the server do. */
  addressLimiter: RateLimiter;
  /** The topics offered, resolved (config or archive). */
  topics: () => Promise<string[]>;
  /** Where mails sent after the answer are tracked, so closing the server waits for them. */
  inFlight: Set<Promise<unknown>>;
  now: () => Date;
  log: (line: string) => void;
}

/** The answer of POST /subscribe. */
export type SignupAnswer = { status: number; page: string };

/**
 * POST /subscribe (fields `email`, `name`, `topics`, `frequency`, and the honeypot `website`):
 * 1. the honeypot filled: the normal answer, nothing stored or sent;
 * 2. an address that can't be one: 400 with the form again (this says nothing about the list);
 * 3. past the per-address limit: the normal answer, nothing done;
 * 4. the store decides (SubscriberStore.signUp) and the mail it calls for goes out after the
 *    answer, so neither the answer nor its timing tells whether the address is on the list.
 */
export async function subscribe(deps: SignupDeps, form: URLSearchParams): Promise<SignupAnswer> {
  const { site, settings } = deps;
  const email = (form.get('email') ?? '').trim();
  const name = form.get('name') ?? '';
  const received = (shown: string) => ({
    status: 200,
    page: signupReceivedPage(site, shown, settings.doubleOptIn, settings.confirmHours),
  });
  if ((form.get('website') ?? '') !== '') {
    deps.log('signup: the honeypot field was filled in; ignored');
    return received(email);
  }
  const offered = await deps.topics();
  let input: ReturnType<typeof subscriberInput>;
  try {
    input = subscriberInput(email, name);
  } catch (error) {
    const problem = `That address does not work: ${(error as Error).message.replace(/^the address /, '')}.`;
    const formView: SignupForm = { topics: offered };
    return { status: 400, page: signupProblemPage(site, problem, formView, { email, name }) };
  }
  const nowMs = deps.now().getTime();
  if (!deps.addressLimiter.take(addressKey(input.email), nowMs).ok) {
    deps.log('signup: too many signups for one address; ignored');
    return received(input.email);
  }
  const frequency = signupFrequency(form.get('frequency'));
  const decision = await deps.subscribers.signUp(
    { ...input, topics: chosenTopics(form, offered), frequency },
    { doubleOptIn: settings.doubleOptIn, quietMs: SIGNUP_QUIET_MS },
  );
  if (decision.action === 'none' || decision.action === 'activated') {
    deps.log(
      decision.action === 'activated'
        ? `signup: subscriber #${decision.subscriber.id} active (double opt-in is off)`
        : `signup: nothing sent (${decision.reason === 'recent' ? 'mailed within the hour' : 'suppressed address'})`,
    );
    return received(input.email);
  }
  const { subscriber } = decision;
  const mail: SignupMail = {
    kind: decision.action,
    subscriberId: subscriber.id,
    sequence: decision.sequence,
    to: subscriber.email,
    name: subscriber.name,
    site,
    validHours: settings.confirmHours,
    link:
      decision.action === 'confirm'
        ? confirmationUrl(deps, subscriber, decision.nonce, nowMs)
        : preferencesUrl(
            deps.publicUrl,
            signToken(
              { purpose: 'unsub', subscriberId: subscriber.id, email: subscriber.email },
              deps.secret,
            ),
          ),
  };
  // A temporary failure (or an error before sending) must not hold the address's hour: the next
  // signup tries again. A permanent refusal or an unknown outcome keeps it.
  const retryable = () => deps.subscribers.signupMailFailed(subscriber.id, mail.kind, decision.at);
  const sending = deps
    .mailer(mail)
    .then(async (outcome) => {
      deps.log(`signup: ${mail.kind} mail to subscriber #${subscriber.id}: ${outcome.state}`);
      if (outcome.state === 'failed_temp') await retryable();
    })
    .catch(async (error) => {
      deps.log(`signup: ${mail.kind} mail to subscriber #${subscriber.id} failed: ${String(error)}`);
      await retryable();
    })
    .catch((error) => deps.log(`signup: ${String(error)}`))
    .finally(() => deps.inFlight.delete(sending));
  deps.inFlight.add(sending);
  return received(input.email);
}

/**
 * /confirm?token=...: GET shows the one button (so a mail scanner that follows links confirms
 * nothing), POST confirms and goes on to the preference page. Any unusable link gets one page that
 * says what to do, and changes nothing.
 */
export async function confirmSignup(
  deps: SignupDeps,
  token: string | undefined,
  post: boolean,
): Promise<{ status: number; page?: string; location?: string }> {
  const { site, settings } = deps;
  const invalid = { status: 400, page: invalidConfirmationPage(site, settings.confirmHours) };
  let payload: ReturnType<typeof verifyToken>;
  try {
    payload = verifyToken(token ?? '', deps.secret, { purpose: 'confirm', now: deps.now().getTime() });
  } catch {
    return invalid;
  }
  const subscriber = await deps.subscribers.findById(payload.subscriberId);
  if (!subscriber || addressKey(subscriber.email) !== addressKey(payload.email) || !payload.nonce)
    return invalid;
  if (!post) {
    if (subscriber.status === 'pending')
      return { status: 200, page: confirmSignupPage(site, subscriber.email, token as string) };
    if (subscriber.status === 'active' && subscriber.confirmedAt !== null) {
      return { status: 200, page: alreadyConfirmedPage(site) };
    }
    return invalid;
  }
  const result = await deps.subscribers.confirm(subscriber.id, payload.nonce);
  if (result.outcome === 'invalid') return invalid;
  if (result.outcome === 'already') return { status: 200, page: alreadyConfirmedPage(site) };
  deps.log(`signup: subscriber #${subscriber.id} confirmed`);
  const manage = signToken(
    { purpose: 'unsub', subscriberId: subscriber.id, email: subscriber.email },
    deps.secret,
  );
  return { status: 303, location: `./preferences?token=${manage}&confirmed=1` };
}

/** The confirmation link: signed, expiring after `confirmHours`, carrying the one-use nonce. */
function confirmationUrl(
  deps: Pick<SignupDeps, 'publicUrl' | 'secret' | 'settings'>,
  subscriber: { id: number; email: string },
  nonce: string,
  nowMs: number,
): string {
  const token = signToken(
    {
      purpose: 'confirm',
      subscriberId: subscriber.id,
      email: subscriber.email,
      expiresAt: nowMs + deps.settings.confirmHours * 60 * 60 * 1000,
      nonce,
    },
    deps.secret,
  );
  return `${deps.publicUrl.replace(/\/+$/, '')}/confirm?token=${token}`;
}

/** The preference page's URL for a subscriber's unsubscribe token (the "Manage subscription" link). */
export function preferencesUrl(publicUrl: string, token: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/preferences?token=${token}`;
}

/** The form's frequency: daily or weekly (paused is a choice of the preference page only). */
function signupFrequency(value: string | null): Frequency {
  return value === 'weekly' && FREQUENCIES.includes(value) ? 'weekly' : 'daily';
}
