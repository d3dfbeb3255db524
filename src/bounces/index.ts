export { type ClassifyContext, classifyMessage, type DigestLookup, type Verdict } from './_classify.js';
export {
  type BounceEvent,
  type BounceKind,
  type RecordOutcome,
  recordEvents,
  recordUnrecognised,
  storedKind,
  type UnrecognisedReport,
} from './_event.js';
export { describeImap, fetchBounces, type ImapSettings, imapFromUrl } from './_fetch.js';
export { emptyHandleReport, type HandleReport, handleMessage, handleMessages } from './_import.js';
export { digestLookup } from './_lookup.js';
export { type BounceRules, DEFAULT_BOUNCE_RULES, findStatus, kindOfStatus, statusMatches } from './_rules.js';
export { readSources, type SourceMessage, splitMbox } from './_sources.js';
