import { createHash } from 'node:crypto';
import { type Attachment, type ParsedMail, simpleParser } from 'mailparser';
import { type BounceAddress, findVerp } from '../deliver/_verp.js';
import type { BounceEvent } from './_event.js';
import { addressOf, diagnosticText, type FieldBlock, fieldBlocks } from './_fields.js';
import { type BounceRules, findStatus } from './_rules.js';

/** The digest and subscriber a Message-ID was sent to. */
export type OriginalDelivery = { digestKey: string; subscriberId: number };

/**
 * What the classification needs from the list: the digests and the ledger. Async when a database
 * answers (digestLookup); a plain object may answer at once.
 */
export interface DigestLookup {
  /** The digest key whose VERP reference is `ref` (see digestRefOf), if one was sent. */
  digestByRef(ref: string): Promise<string | undefined> | string | undefined;
  /** The digest and subscriber of a Message-ID the ledger holds; `email`, when known, makes it cheap. */
  original(
    messageId: string,
    email?: string,
  ): Promise<OriginalDelivery | undefined> | OriginalDelivery | undefined;
}

/** A DigestLookup whose answers are at hand (see answered). */
interface Answers {
  digestByRef(ref: string): string | undefined;
  original(messageId: string, email?: string): OriginalDelivery | undefined;
}

export interface ClassifyContext {
  rules: BounceRules;
  /** config bounceAddress and DIGEST_SECRET: VERP tokens are read only with both. */
  verp?: { bounce: BounceAddress; secret: string };
  lookup: DigestLookup;
  /** The time of an event whose report carries none, epoch ms. */
  now: number;
}

/**
 * What one message is:
 * - `bounce`: a DSN (RFC 3464), an ARF complaint (RFC 5965) or a plain bounce, with its events
 *   and, in `unrecognised`, the parts of it that could not be read (e.g. a recipient without a status);
 * - `auto-reply`: a vacation or other automatic answer, ignored;
 * - `ignored`: a report that is not a failure (a delay warning, a success notice, a "not-spam" report);
 * - `unrecognised`: none of these; kept and reported, never guessed.
 */
export type Verdict =
  | { type: 'bounce'; format: 'dsn' | 'arf' | 'plain'; events: BounceEvent[]; unrecognised?: string }
  | { type: 'auto-reply'; reason: string }
  | { type: 'ignored'; reason: string }
  | { type: 'unrecognised'; reason: string };

/** The one classification step every source goes through (import, IMAP fetch). */
export async function classifyMessage(
  raw: Buffer,
  ctx: ClassifyContext,
): Promise<{ key: string; verdict: Verdict }> {
  const mail = await simpleParser(raw, {
    keepDeliveryStatus: true,
    skipHtmlToText: true,
    skipTextLinks: true,
    skipImageLinks: true,
    skipTextToHtml: true,
  });
  const key = messageKey(mail, raw);
  // The steps are plain functions and the lookup may be a database: a first pass notes what they
  // ask, the answers are fetched, and the second pass classifies with them.
  const answers = await answered(ctx.lookup, (ask) => classifyParsed(mail, raw, key, ctx, ask));
  return { key, verdict: classifyParsed(mail, raw, key, ctx, answers) };
}

/**
 * The answers of `lookup` to every question `ask` puts to it (each answered "none" while it
 * runs). A pass with answers asks no other question: which recipients and Message-IDs a message
 * names does not depend on what the list says about them.
 */
async function answered(lookup: DigestLookup, ask: (answers: Answers) => void): Promise<Answers> {
  const refs = new Set<string>();
  const originals = new Map<string, [string, string | undefined]>();
  const pair = (id: string, email: string | undefined) => `${id}\n${email ?? ''}`;
  ask({
    digestByRef: (ref) => void refs.add(ref),
    original: (id, email) => void originals.set(pair(id, email), [id, email]),
  });
  const byRef = new Map<string, string | undefined>();
  for (const ref of refs) byRef.set(ref, await lookup.digestByRef(ref));
  const byId = new Map<string, OriginalDelivery | undefined>();
  for (const [k, [id, email]] of originals) byId.set(k, await lookup.original(id, email));
  return {
    digestByRef: (ref) => byRef.get(ref),
    original: (id, email) => byId.get(pair(id, email)),
  };
}

/** Steps, in order: VERP anywhere in the message, a DSN part, an ARF part, a plain bounce, an auto-reply. */
function classifyParsed(
  mail: ParsedMail,
  raw: Buffer,
  key: string,
  ctx: ClassifyContext,
  lookup: Answers,
): Verdict {
  const text = raw.toString('latin1');
  const verp = ctx.verp ? findVerp(text, ctx.verp.bounce, ctx.verp.secret) : undefined;
  const originals = originalMessageIds(mail);
  const resolve = (email: string | undefined) => {
    const who: Pick<BounceEvent, 'email' | 'subscriberId' | 'digestKey'> = { email: email ?? '' };
    if (verp) {
      who.subscriberId = verp.subscriberId;
      who.digestKey = lookup.digestByRef(verp.digestRef);
    }
    for (const id of originals) {
      const found = lookup.original(id, email);
      if (!found) continue;
      who.subscriberId ??= found.subscriberId;
      who.digestKey ??= found.digestKey;
      break;
    }
    return who;
  };
  const at = (mail.date?.getTime() ?? Number.NaN) > 0 ? (mail.date as Date).getTime() : ctx.now;

  const dsn = part(mail, ['message/delivery-status', 'message/global-delivery-status']);
  if (dsn) return fromDsn(fieldBlocks(dsn.content.toString('utf8')), key, at, resolve);

  const arf = part(mail, ['message/feedback-report']);
  if (arf) return fromArf(fieldBlocks(arf.content.toString('utf8'))[0], mail, key, at, resolve);

  if (looksLikeBounce(mail))
    return fromPlainBounce(mail, key, at, verp !== undefined || originals.length > 0, resolve);

  const auto = autoReplyReason(mail);
  if (auto) return { type: 'auto-reply', reason: auto };
  return {
    type: 'unrecognised',
    reason: `not a DSN, complaint or bounce (From ${fromText(mail)}, Subject "${mail.subject ?? ''}")`,
  };
}

type Resolve = (email: string | undefined) => Pick<BounceEvent, 'email' | 'subscriberId' | 'digestKey'>;

/** RFC 3464: one event per recipient block whose Action is `failed`. */
function fromDsn(blocks: FieldBlock[], key: string, fallbackAt: number, resolve: Resolve): Verdict {
  const recipients = blocks.filter((b) => b.get('final-recipient') || b.get('original-recipient'));
  const arrival = Date.parse(blocks[0]?.get('arrival-date') ?? '');
  const at = Number.isFinite(arrival) ? arrival : fallbackAt;
  const events: BounceEvent[] = [];
  const unreadable: string[] = [];
  for (const block of recipients) {
    const action = (block.get('action') ?? '').toLowerCase();
    if (action !== 'failed') continue;
    const email = addressOf(block.get('final-recipient')) ?? addressOf(block.get('original-recipient'));
    const diagnostic = diagnosticText(block.get('diagnostic-code'));
    const status =
      /^\s*([245]\.\d{1,3}\.\d{1,3})/.exec(block.get('status') ?? '')?.[1] ?? findStatus(diagnostic);
    const who = resolve(email);
    if (!status) {
      unreadable.push(`${email ?? 'a recipient'}: Action failed without a status code`);
      continue;
    }
    if (!email && who.subscriberId === undefined) {
      unreadable.push(`a failed recipient without an address (Status ${status})`);
      continue;
    }
    events.push({
      ...who,
      kind: status.startsWith('5') ? 'hard' : 'soft',
      status,
      diagnostic: diagnostic ?? `Status: ${status}`,
      source: 'dsn',
      sourceId: `dsn:${key}:${(email ?? `#${who.subscriberId}`).toLowerCase()}`,
      at,
    });
  }
  if (events.length === 0 && unreadable.length === 0) {
    const actions = recipients.map((b) => (b.get('action') ?? '?').toLowerCase());
    if (actions.includes('delayed')) {
      return { type: 'ignored', reason: 'a delay warning (Action: delayed): the server is still trying' };
    }
    if (recipients.length > 0)
      return { type: 'ignored', reason: `a DSN of no failure (Action: ${actions.join(', ')})` };
    return { type: 'unrecognised', reason: 'a delivery-status part without a recipient' };
  }
  if (events.length === 0)
    return { type: 'unrecognised', reason: `a DSN not understood: ${unreadable.join('; ')}` };
  return { type: 'bounce', format: 'dsn', events, unrecognised: unreadable.join('; ') || undefined };
}

/** RFC 5965: one complaint about the original's recipient. */
function fromArf(
  block: FieldBlock | undefined,
  mail: ParsedMail,
  key: string,
  fallbackAt: number,
  resolve: Resolve,
): Verdict {
  const type = (block?.get('feedback-type') ?? '').toLowerCase();
  if (type === 'not-spam') return { type: 'ignored', reason: 'a "not-spam" feedback report' };
  const email =
    addressOf(block?.get('original-rcpt-to')) ??
    addressOf(block?.get('removal-recipient')) ??
    originalHeader(mail, 'to');
  const who = resolve(email);
  if (!email && who.subscriberId === undefined) {
    return {
      type: 'unrecognised',
      reason: 'a complaint whose recipient is redacted and matches no VERP address or Message-ID',
    };
  }
  const arrival = Date.parse(block?.get('arrival-date') ?? block?.get('received-date') ?? '');
  const agent = block?.get('user-agent');
  return {
    type: 'bounce',
    format: 'arf',
    events: [
      {
        ...who,
        kind: 'complaint',
        diagnostic: `Feedback-Type: ${type || 'unknown'}${agent ? `; User-Agent: ${agent}` : ''}`,
        source: 'arf',
        sourceId: `arf:${key}:${(email ?? `#${who.subscriberId}`).toLowerCase()}`,
        at: Number.isFinite(arrival) ? arrival : fallbackAt,
      },
    ],
  };
}

/**
 * A bounce without a DSN part (e.g. "Undelivered Mail Returned to Sender" with the original
 * attached, Exim's X-Failed-Recipients): the first enhanced status code of its text, and the
 * recipient from X-Failed-Recipients, VERP or the original's Message-ID. Without a status code it
 * is not guessed at.
 */
function fromPlainBounce(
  mail: ParsedMail,
  key: string,
  at: number,
  matched: boolean,
  resolve: Resolve,
): Verdict {
  const failed = headerText(mail, 'x-failed-recipients')
    .split(',')
    .map((s) => addressOf(s.trim()))
    .filter((s): s is string => s !== undefined);
  const emails = failed.length > 0 ? failed : [originalHeader(mail, 'to')];
  const body = mail.text ?? '';
  const status = findStatus(body);
  const diagnostic = diagnosticLine(body, status);
  const events: BounceEvent[] = [];
  for (const email of emails) {
    const who = resolve(email);
    if (!email && who.subscriberId === undefined) continue;
    if (!status) {
      return {
        type: 'unrecognised',
        reason: `a bounce of ${email ?? `subscriber #${who.subscriberId}`} without an enhanced status code (Subject "${mail.subject ?? ''}"): not guessed`,
      };
    }
    events.push({
      ...who,
      kind: status.startsWith('5') ? 'hard' : 'soft',
      status,
      diagnostic,
      source: 'bounce',
      sourceId: `bounce:${key}:${(email ?? `#${who.subscriberId}`).toLowerCase()}`,
      at,
    });
  }
  if (events.length === 0) {
    const why = matched ? 'its VERP address or Message-ID matched no subscriber' : 'it names no recipient';
    return { type: 'unrecognised', reason: `a bounce (Subject "${mail.subject ?? ''}") but ${why}` };
  }
  return { type: 'bounce', format: 'plain', events };
}

const BOUNCE_SENDER = /^(mailer-daemon|postmaster|mail-daemon|mailerdaemon)@/i;
const BOUNCE_SUBJECT =
  /undeliver|returned mail|returned to sender|delivery (status notification \(failure\)|failure|failed|has failed|problem)|failure notice|mail delivery (failed|failure|system)|could not be delivered|non[- ]?delivery|nondeliverable/i;

function looksLikeBounce(mail: ParsedMail): boolean {
  const from = mail.from?.value[0]?.address ?? '';
  return (
    headerText(mail, 'x-failed-recipients') !== '' ||
    BOUNCE_SENDER.test(from) ||
    BOUNCE_SUBJECT.test(mail.subject ?? '')
  );
}

const AUTO_SUBJECT =
  /^(auto(matic)?[ -]?(reply|response|antwort)|out of (the )?office|vacation|away from|absence|abwesenheit|réponse automatique|respuesta automática)\b/i;

/** Why a message is an automatic answer (RFC 3834 Auto-Submitted, the common X- headers, a vacation subject), or undefined. */
function autoReplyReason(mail: ParsedMail): string | undefined {
  const submitted = headerText(mail, 'auto-submitted').toLowerCase();
  if (submitted && !submitted.startsWith('no')) return `Auto-Submitted: ${submitted}`;
  for (const name of ['x-autoreply', 'x-autorespond']) {
    if (headerText(mail, name) !== '') return `${name} header`;
  }
  const precedence = headerText(mail, 'precedence').toLowerCase();
  if (precedence === 'auto_reply') return 'Precedence: auto_reply';
  if (AUTO_SUBJECT.test(mail.subject ?? '')) return `subject "${mail.subject}"`;
  return undefined;
}

const ORIGINAL_TYPES = ['message/rfc822', 'text/rfc822-headers', 'message/global', 'message/global-headers'];

/** The Message-IDs of the original message: from an attached copy or its headers, else any in the text. */
function originalMessageIds(mail: ParsedMail): string[] {
  const texts = mail.attachments
    .filter((a) => ORIGINAL_TYPES.includes(a.contentType))
    .map((a) => a.content.toString('latin1'));
  texts.push(mail.text ?? '');
  const ids: string[] = [];
  for (const text of texts) {
    for (const match of text.matchAll(/^Message-I[Dd]:\s*(<[^<>\s]+>)/gim)) {
      if (!ids.includes(match[1] as string)) ids.push(match[1] as string);
    }
  }
  return ids;
}

/** A header of the attached original (`to`: its first address), or undefined. */
function originalHeader(mail: ParsedMail, name: string): string | undefined {
  for (const att of mail.attachments.filter((a) => ORIGINAL_TYPES.includes(a.contentType))) {
    const head = att.content.toString('latin1').split(/\r?\n\r?\n/)[0] ?? '';
    const block = fieldBlocks(head)[0];
    const value = block?.get(name);
    if (value) return addressOf(value.split(',')[0]);
  }
  return undefined;
}

function part(mail: ParsedMail, types: string[]): Attachment | undefined {
  return mail.attachments.find((a) => types.includes(a.contentType.toLowerCase()));
}

/** The line of the text holding the status code (the server's answer), trimmed, or the code alone. */
function diagnosticLine(text: string, status: string | undefined): string | undefined {
  if (!status) return undefined;
  const line = text.split(/\r?\n/).find((l) => l.includes(status));
  return line?.replace(/\s+/g, ' ').trim() || status;
}

function headerText(mail: ParsedMail, name: string): string {
  const value = mail.headers.get(name);
  if (value === undefined) return '';
  if (typeof value === 'string') return value.trim();
  if (typeof value === 'object' && value && 'text' in value) return String(value.text).trim();
  if (typeof value === 'object' && value && 'value' in value) return String(value.value).trim();
  return String(value).trim();
}

function fromText(mail: ParsedMail): string {
  return mail.from?.value[0]?.address ?? 'unknown';
}

/** A message's identity for idempotency: its Message-ID, or a hash of the whole message. */
function messageKey(mail: ParsedMail, raw: Buffer): string {
  const id = mail.messageId?.replace(/^<|>$/g, '').trim();
  if (id) return id.slice(0, 200);
  return `sha256-${createHash('sha256').update(raw).digest('hex').slice(0, 32)}`;
}
