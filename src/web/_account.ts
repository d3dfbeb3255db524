import { messagePage } from './_pages.js';
import { type PreferencesDeps, preferences } from './_preferences.js';
import type { RateLimiter } from './_rate-limit.js';
import type { Method, Route } from './_request.js';
import { type Answer, pageAnswer } from './_respond.js';
import { confirmSignup, type SignupDeps, subscribe } from './_signup.js';
import { signupFormHtml, subscribePage } from './_signup-pages.js';

/** The reader's own routes: /subscribe and /confirm (when signup is on) and /preferences (always). */
export interface AccountDeps {
  /** Undefined when config `signup.enabled` is false: no form, /subscribe and /confirm are 404s. */
  signup?: SignupDeps;
  preferences: PreferencesDeps;
  /** Signups per client address (stricter than the token routes' limiter). */
  signupLimiter: RateLimiter;
}

type AccountRoute = Extract<Route, { kind: 'subscribe' | 'confirm' | 'preferences' }>;

/** The subscribe form for a page at `root`, or '' when signup is off. */
export async function signupFormFor(deps: AccountDeps, root: string): Promise<string> {
  return deps.signup ? signupFormHtml({ topics: await deps.signup.topics() }, root) : '';
}

/**
 * Answer /subscribe, /confirm or /preferences. `client` is the address rate limits count by;
 * `form` the posted fields. A GET never changes anything.
 */
export async function answerAccount(
  deps: AccountDeps,
  route: AccountRoute,
  method: Method,
  form: URLSearchParams,
  client: string,
): Promise<Answer> {
  const post = method === 'POST';
  if (route.kind === 'preferences') {
    const answer = await preferences(deps.preferences, route.token, route, post ? form : undefined);
    return toAnswer(answer);
  }
  const { signup } = deps;
  if (!signup)
    return pageAnswer(404, messagePage(deps.preferences.site, 'Not found', 'Signup is not open here.'));
  if (route.kind === 'confirm') return toAnswer(await confirmSignup(signup, route.token, post));
  if (!post) return pageAnswer(200, subscribePage(signup.site, { topics: await signup.topics() }));
  const allowed = deps.signupLimiter.take(client, signup.now().getTime());
  if (!allowed.ok) {
    const page = messagePage(signup.site, 'Too many requests', 'Please wait a while and try again.');
    return pageAnswer(429, page, { headers: { 'Retry-After': String(allowed.retryAfterSeconds) } });
  }
  return toAnswer(await subscribe(signup, form));
}

/** A page, or a 303 to `location` (POST, redirect, GET: a reload posts nothing again). */
function toAnswer(answer: { status: number; page?: string; location?: string }): Answer {
  if (answer.location) {
    return pageAnswer(answer.status, '<!doctype html><title>Saved</title>', {
      headers: { Location: answer.location },
    });
  }
  return pageAnswer(answer.status, answer.page ?? '');
}
