import type { IncomingMessage, ServerResponse } from 'node:http';
import type { WebhookRouter } from '../bounces/webhooks/index.js';
import type { SubscriberStore } from '../store/index.js';
import { type AccountDeps, answerAccount, signupFormFor } from './_account.js';
import type { Archive } from './_archive.js';
import { CLOSE, readBody } from './_body.js';
import { archiveFeed, FEED_TYPES } from './_feeds.js';
import { formFields } from './_form.js';
import {
  archiveDayPage,
  archiveListPage,
  confirmResubscribePage,
  confirmUnsubscribePage,
  homePage,
  invalidLinkPage,
  messagePage,
  subscribedPage,
  unsubscribedPage,
  unsubscribeHelpPage,
} from './_pages.js';
import type { RateLimiter } from './_rate-limit.js';
import { type Method, parseRequest, type Route } from './_request.js';
import { type Answer, ARCHIVE_CSP, pageAnswer, SHORT_CACHE, send, textAnswer } from './_respond.js';
import { SITE_CSS } from './_style.js';
import { resubscribeToken, subscriberFor, unsubscribeToken } from './_subscription.js';
import { answerWebhook, isWebhookTarget } from './_webhooks.js';

/** What the handler needs; built once by startWebServer. */
export interface HandlerDeps {
  /** The newsletter's name, for page titles. */
  site: string;
  /** Public base URL (config `publicUrl`): the absolute links of the archive feeds. */
  publicUrl: string;
  secret: string;
  subscribers: Pick<SubscriberStore, 'findById' | 'setStatus'>;
  archive: Archive;
  limiter: RateLimiter;
  maxBodyBytes: number;
  now: () => Date;
  /** The address rate limits count by. */
  clientAddress: (req: IncomingMessage) => string;
  log: (line: string) => void;
  /** Signup, confirmation and the preference page (src/web/_account.ts). */
  account: AccountDeps;
  /** The bounce webhooks under /webhooks/ (src/bounces/webhooks); none: those paths are 404s. */
  webhooks?: WebhookRouter;
}

const html = pageAnswer;

/**
 * Answer one request:
 * 1. check the target (decoded path, method) and refuse anything unexpected with 400/404/405/414;
 * 2. refuse a body over the limit with 413 (and close: the rest is still on the wire);
 * 3. count requests to the token routes per client address, 429 past the limit;
 * 4. answer the route. A GET never changes anything; only a POST with a valid token does.
 */
export async function handleRequest(deps: HandlerDeps, req: IncomingMessage, res: ServerResponse) {
  const head = req.method === 'HEAD';
  try {
    // Webhooks read larger bodies than the pages and answer machines: their own small handler.
    if (deps.webhooks && isWebhookTarget(req.url))
      return await answerWebhook(deps.webhooks, deps.now, req, res);
    const parsed = parseRequest(req.method, req.url);
    if (!parsed.ok) {
      const headers: Record<string, string> = parsed.allow ? { Allow: parsed.allow } : {};
      const text = { 400: 'bad request', 404: 'not found', 405: 'method not allowed', 414: 'URI too long' };
      return send(res, textAnswer(parsed.status, text[parsed.status], headers), head);
    }
    const hasBody =
      req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
    let form = new URLSearchParams();
    if (hasBody) {
      const body = await readBody(req, deps.maxBodyBytes);
      if (!body.ok) {
        if (body.reason === 'aborted') return void req.socket.destroy();
        return send(res, textAnswer(413, 'request body too large', CLOSE), head);
      }
      form = formFields(body.body, req.headers['content-type']);
    }
    const { route, method } = parsed;
    const tokenRoute = ['unsubscribe', 'resubscribe', 'confirm', 'preferences'].includes(route.kind);
    if (tokenRoute) {
      const decision = deps.limiter.take(deps.clientAddress(req), deps.now().getTime());
      if (!decision.ok) {
        const page = messagePage(deps.site, 'Too many requests', 'Please wait a minute and try again.');
        return send(
          res,
          html(429, page, { headers: { 'Retry-After': String(decision.retryAfterSeconds) } }),
          head,
        );
      }
    }
    send(res, await answer(deps, route, method, { form, client: deps.clientAddress(req) }), head);
  } catch (error) {
    deps.log(`error: ${req.method} ${String(req.url).replace(/token=[^&]*/g, 'token=…')}: ${String(error)}`);
    if (res.headersSent) return void res.destroy();
    send(res, html(500, messagePage(deps.site, 'Something went wrong', 'Please try again later.')), head);
  }
}

async function answer(
  deps: HandlerDeps,
  route: Route,
  method: Method,
  request: { form: URLSearchParams; client: string },
): Promise<Answer> {
  const { site } = deps;
  switch (route.kind) {
    case 'home':
      return html(200, homePage(site, await signupFormFor(deps.account, './')), { cache: SHORT_CACHE });
    case 'archive': {
      const page = archiveListPage(site, await deps.archive.list(), await signupFormFor(deps.account, './'));
      return html(200, page, { cache: SHORT_CACHE });
    }
    case 'archive-day': {
      const page = await deps.archive.page(route.date);
      if (!page?.hasPage) {
        const why = page ? 'No web copy of this digest was kept.' : 'No digest was sent on this day.';
        return html(404, messagePage(site, 'Not found', why, '../'));
      }
      const withBar = archiveDayPage(site, page, page.html, deps.account.signup !== undefined);
      return html(200, withBar, { csp: ARCHIVE_CSP, cache: SHORT_CACHE });
    }
    case 'unsubscribe':
      return unsubscribe(deps, route.token, method === 'POST');
    case 'resubscribe':
      return resubscribe(deps, route.token, method === 'POST');
    case 'subscribe':
    case 'confirm':
    case 'preferences':
      return answerAccount(deps.account, route, method, request.form, request.client);
    case 'healthz':
      try {
        await deps.archive.check();
        return textAnswer(200, 'ok');
      } catch (error) {
        deps.log(`healthz: the database cannot be read: ${String(error)}`);
        return textAnswer(503, 'database unavailable');
      }
    case 'feed': {
      const entries = await deps.archive.list();
      const body = archiveFeed(route.format, { title: site, publicUrl: deps.publicUrl }, entries);
      return { status: 200, type: FEED_TYPES[route.format], body, cache: SHORT_CACHE };
    }
    case 'stylesheet':
      return { status: 200, type: 'text/css; charset=utf-8', body: SITE_CSS, cache: 'public, max-age=3600' };
  }
}

/**
 * GET shows the one button; POST (what mail clients send for RFC 8058, and what the button does)
 * unsubscribes at once and answers 200 with the way back. Repeating either changes nothing more.
 */
async function unsubscribe(deps: HandlerDeps, token: string | undefined, post: boolean): Promise<Answer> {
  if (token === undefined && !post) return html(200, unsubscribeHelpPage(deps.site));
  const nowMs = deps.now().getTime();
  const subscriber = await subscriberFor(deps.subscribers, deps.secret, token, 'unsub', nowMs);
  if (!subscriber) return html(400, invalidLinkPage(deps.site));
  if (post && subscriber.status !== 'unsubscribed') {
    await deps.subscribers.setStatus(subscriber.id, 'unsubscribed');
    deps.log(`unsubscribed subscriber #${subscriber.id}`);
  }
  if (post || subscriber.status === 'unsubscribed') {
    return html(
      200,
      unsubscribedPage(deps.site, subscriber.email, resubscribeToken(subscriber, deps.secret, nowMs)),
    );
  }
  return html(200, confirmUnsubscribePage(deps.site, subscriber.email, token as string));
}

/** The way back after unsubscribing: GET shows the button, POST subscribes again. */
async function resubscribe(deps: HandlerDeps, token: string | undefined, post: boolean): Promise<Answer> {
  const nowMs = deps.now().getTime();
  const subscriber = await subscriberFor(deps.subscribers, deps.secret, token, 'resub', nowMs);
  if (!subscriber) return html(400, invalidLinkPage(deps.site));
  if (post && subscriber.status !== 'active') {
    if (!(await deps.subscribers.setStatus(subscriber.id, 'active'))) {
      // Suppressed after a bounce or complaint: only `digest subscribers resubscribe` lifts that.
      deps.log(`resubscribe refused: subscriber #${subscriber.id} is suppressed after a bounce or complaint`);
      const why = 'This address cannot be subscribed again from a link. Please write to the sender.';
      return html(409, messagePage(deps.site, 'Not subscribed', why));
    }
    deps.log(`subscribed again: subscriber #${subscriber.id}`);
  }
  if (post || subscriber.status === 'active') {
    return html(200, subscribedPage(deps.site, subscriber.email, unsubscribeToken(subscriber, deps.secret)));
  }
  return html(200, confirmResubscribePage(deps.site, subscriber.email, token as string));
}
