export { type FetchLimits, fetchText } from './_fetch.js';
export { genericEvents, MAX_GENERIC_EVENTS } from './_generic.js';
export { mailgunEvent } from './_mailgun.js';
export { parsePostmark, postmarkEvent } from './_postmark.js';
export {
  DEFAULT_WEBHOOK_SETTINGS,
  MIN_WEBHOOK_SECRET_LENGTH,
  WEBHOOK_PROVIDERS,
  type WebhookAnswer,
  type WebhookLookup,
  type WebhookProviderName,
  type WebhookResult,
  WebhookRouter,
  type WebhookRouterOptions,
  type WebhookSettings,
} from './_router.js';
export { sesEvents } from './_ses.js';
export {
  type CertificateFetcher,
  canonicalString,
  parseSnsMessage,
  SigningKeys,
  type SnsMessage,
  snsUrlProblem,
  verifySnsMessage,
} from './_sns.js';
export type { WebhookRequest } from './_types.js';
export { ReplayGuard, sameSecret } from './_verify.js';
