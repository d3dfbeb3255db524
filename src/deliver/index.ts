export { type DkimSettings, dkimFromEnv, dkimSigner, type MessageSigner } from './_dkim.js';
export { createFileTransport, emlFileName } from './_file-transport.js';
export {
  encodePhrase,
  feedbackIdValue,
  headerText,
  listIdValue,
  mailbox,
  messageIdFor,
  parseFrom,
  rfc5322Date,
  unsubscribeMailto,
} from './_headers.js';
export {
  type DigestMessage,
  type MessageCopy,
  type MessageRecipient,
  type MessageSettings,
  prepareDigestMessage,
  qpSegment,
} from './_message.js';
export {
  type SendDeps,
  type SendFailure,
  type SendInput,
  type SendProgress,
  type SendReport,
  type SendSettings,
  sendDigest,
} from './_send.js';
export { createSmtpTransport, type SmtpTransportOptions } from './_smtp.js';
export {
  type BodyProgress,
  blameOf,
  classifySmtpError,
  enhancedStatus,
  replyCode,
  type SmtpErrorLike,
} from './_smtp-outcome.js';
export { maskUrl, redact, type SmtpSettings, smtpFromEnv } from './_smtp-settings.js';
export {
  type BounceNotes,
  dryRunSummary,
  failureLines,
  progressLine,
  sendSummary,
} from './_summary.js';
export {
  MIN_SECRET_LENGTH,
  requireSecret,
  signToken,
  type TokenPayload,
  type TokenPurpose,
  unsubscribeUrl,
  verifyToken,
} from './_token.js';
export type { DeliveryOutcome, DeliveryTransport, OutgoingMessage } from './_transport.js';
export {
  type BounceAddress,
  digestRefOf,
  findVerp,
  parseBounceAddress,
  type VerpMatch,
  verpAddress,
  verpTransport,
} from './_verp.js';
