import { addressKey, normalizeEmail } from '../store/_address.js';
import {
  type BounceEffect,
  bounceEventsFor,
  type StoredBounceKind,
  type SuppressionReason,
} from '../store/_bounce-events.js';
import type { Store } from '../store/_store.js';
import { type BounceRules, DEFAULT_BOUNCE_RULES, kindOfStatus } from './_rules.js';

/** What a source says happened. */
export type BounceKind = 'hard' | 'soft' | 'complaint';

/**
 * One bounce or complaint, from any source (DSN/ARF import, IMAP fetch, webhooks, the send's own
 * 5xx replies): what every source turns its report into before recordEvents.
 */
export interface BounceEvent {
  /** The recipient the event is about, as reported (recordEvents normalises it). */
  email: string;
  /** The subscriber id when the source knows it (a verified VERP token); wins over `email`. */
  subscriberId?: number;
  /** The digest, when known (VERP token, original Message-ID, provider metadata). */
  digestKey?: string;
  /** The source's verdict; when `status` is given, the rules decide hard/soft instead (see kindOfStatus). */
  kind: BounceKind;
  /** Enhanced status code, e.g. '5.1.1'. */
  status?: string;
  /** The Diagnostic-Code or provider reason, trimmed. */
  diagnostic?: string;
  /** 'dsn' | 'arf' | 'smtp' | 'ses' | 'mailgun' | 'postmark' | 'webhook' ... */
  source: string;
  /** Idempotency key: the same event twice has the same sourceId. */
  sourceId: string;
  /** When it happened, epoch ms. */
  at: number;
}

/** A report nobody could read: stored (kind 'unrecognised', no effect) so that it is reported, never guessed. */
export interface UnrecognisedReport {
  source: string;
  sourceId: string;
  /** Why it was not understood, and what it was (e.g. its Subject). */
  diagnostic: string;
  at: number;
}

/** What recordEvents did. */
export interface RecordOutcome {
  /** New events stored. */
  recorded: number;
  /** Events whose sourceId was stored already: nothing changed. */
  duplicates: number;
  /** New events by stored kind. */
  kinds: Record<StoredBounceKind, number>;
  /** Addresses suppressed by these events, with why. */
  suppressed: { email: string; reason: SuppressionReason }[];
  /** New events about an address that is not on the list (stored, no effect). */
  unknownAddress: number;
}

/** The maximum length of a stored diagnostic: a whole bounce body is not a diagnostic. */
const MAX_DIAGNOSTIC = 500;

/**
 * Store events and apply the rules, each event in its own transaction, idempotent by sourceId:
 * - a complaint unsubscribes and suppresses the address at once (reason 'complained');
 * - a hard bounce suppresses it at once (reason 'bounced');
 * - a soft bounce suppresses it once there are `softLimit` soft bounces on as many different
 *   digests within `softWindowDays` of this one (and after the last suppression a resubscribe lifted);
 * - anything else ('other' failures, addresses not on the list) is stored with no effect.
 */
export async function recordEvents(
  store: Pick<Store, 'backend'>,
  events: BounceEvent[],
  rules: BounceRules = DEFAULT_BOUNCE_RULES,
  options: { now?: () => number } = {},
): Promise<RecordOutcome> {
  const now = options.now ?? Date.now;
  const table = bounceEventsFor(store.backend);
  const outcome: RecordOutcome = {
    recorded: 0,
    duplicates: 0,
    kinds: { hard: 0, soft: 0, complaint: 0, other: 0, unrecognised: 0 },
    suppressed: [],
    unknownAddress: 0,
  };
  for (const event of events) {
    await table.transaction(async (tx) => {
      if (await tx.has(event.sourceId)) {
        outcome.duplicates++;
        return;
      }
      const kind = storedKind(event, rules);
      if (kind === undefined) return; // a 2.x.x status: delivered, nothing to record
      const checked = normalizeEmail(event.email);
      const address =
        event.subscriberId !== undefined
          ? await tx.address({ id: event.subscriberId })
          : checked.ok
            ? await tx.address({ key: addressKey(checked.email) })
            : undefined;
      let effect: BounceEffect = 'none';
      let reason: SuppressionReason | undefined;
      if (!address) effect = 'unknown-address';
      else if (kind === 'complaint') reason = 'complained';
      else if (kind === 'hard') reason = 'bounced';
      else if (kind === 'soft') effect = 'counted';
      const row = {
        addressId: address?.id ?? null,
        email: address?.address ?? (checked.ok ? checked.email : event.email.slice(0, 254)) ?? null,
        digestKey: event.digestKey ?? null,
        kind,
        status: event.status ?? null,
        diagnostic: event.diagnostic ? event.diagnostic.trim().slice(0, MAX_DIAGNOSTIC) : null,
        source: event.source,
        sourceId: event.sourceId,
        effect,
        occurredAt: event.at,
        recordedAt: now(),
      };
      // Another process may have stored the same event since `has` (PostgreSQL): still a duplicate.
      if (!(await tx.insert(row))) {
        outcome.duplicates++;
        return;
      }
      outcome.recorded++;
      outcome.kinds[kind]++;
      if (!address) {
        outcome.unknownAddress++;
        return;
      }
      if (kind === 'soft') {
        // Soft bounces before a suppression that was lifted since (resubscribe) count no more.
        const lifted = address.suppressedAt === null ? await tx.lastSuppressionAt(address.id) : undefined;
        const since = Math.max(
          event.at - rules.softWindowDays * 86_400_000,
          lifted === undefined ? 0 : lifted + 1,
        );
        if ((await tx.softDigestCount(address.id, since)) >= rules.softLimit) reason = 'bounced';
      }
      if (!reason) return;
      const already =
        address.suppressedAt !== null &&
        (reason !== 'complained' || address.suppressedReason === 'complained');
      await tx.suppress(address.id, reason, event.at, now());
      await tx.setEffect(event.sourceId, already ? 'already-suppressed' : 'suppressed');
      if (!already) outcome.suppressed.push({ email: address.address, reason });
    });
  }
  return outcome;
}

/** Store reports nobody could read, idempotent by sourceId; returns how many were new. */
export async function recordUnrecognised(
  store: Pick<Store, 'backend'>,
  reports: UnrecognisedReport[],
  options: { now?: () => number } = {},
): Promise<number> {
  const now = options.now ?? Date.now;
  const table = bounceEventsFor(store.backend);
  let added = 0;
  for (const report of reports) {
    const inserted = await table.insert({
      addressId: null,
      email: null,
      digestKey: null,
      kind: 'unrecognised',
      status: null,
      diagnostic: report.diagnostic.slice(0, MAX_DIAGNOSTIC),
      source: report.source,
      sourceId: report.sourceId,
      effect: 'none',
      occurredAt: report.at,
      recordedAt: now(),
    });
    if (inserted) added++;
  }
  return added;
}

/** The kind stored for an event: a complaint stays one; a status code is judged by the rules. */
export function storedKind(
  event: Pick<BounceEvent, 'kind' | 'status'>,
  rules: BounceRules,
): StoredBounceKind | undefined {
  if (event.kind === 'complaint') return 'complaint';
  if (event.status) return kindOfStatus(event.status, rules);
  return event.kind;
}
