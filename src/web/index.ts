export { isCalendarDate, MAX_TARGET, pathProblem } from '../http/index.js';
export {
  type Archive,
  type ArchiveEntry,
  type ArchivePage,
  archiveFor,
  SqliteArchive,
  saveWebCopy,
  webCopyHtml,
} from './_archive.js';
export { PgArchive } from './_archive-pg.js';
export { MAX_BODY_BYTES } from './_body.js';
export {
  type SignupMail,
  type SignupMailer,
  type SignupMailerDeps,
  signupLedgerKey,
  signupMailContent,
  signupMailer,
} from './_confirm-mail.js';
export { DEFAULT_RATE_LIMIT, type RateDecision, RateLimiter, type RateLimitSettings } from './_rate-limit.js';
export { type ParsedRequest, parseRequest, type Route } from './_request.js';
export { startWebServer, type WebServer, type WebServerOptions } from './_server.js';
export { SIGNUP_QUIET_MS, type SignupSettings } from './_signup.js';
export { RESUBSCRIBE_TTL_MS } from './_subscription.js';
