import type { Store } from '../store/_store.js';
import { type ClassifyContext, classifyMessage } from './_classify.js';
import { type RecordOutcome, recordEvents, recordUnrecognised } from './_event.js';
import type { SourceMessage } from './_sources.js';

/** What handling a batch of messages did; `--json` prints it. */
export interface HandleReport {
  messages: number;
  /** Messages that were DSNs, complaints or plain bounces (a duplicate included). */
  bounces: number;
  complaints: number;
  /** What recording their events did (new events, duplicates, suppressions). */
  events: RecordOutcome;
  /** Automatic answers (vacation, out of office): ignored. */
  autoReplies: number;
  /** Reports of no failure (delay warnings, success DSNs, "not-spam"), with why. */
  ignored: { label: string; reason: string }[];
  /** Messages (or parts of them) not understood: stored as 'unrecognised', never guessed. */
  unrecognised: { label: string; reason: string }[];
}

export function emptyHandleReport(): HandleReport {
  return {
    messages: 0,
    bounces: 0,
    complaints: 0,
    events: {
      recorded: 0,
      duplicates: 0,
      kinds: { hard: 0, soft: 0, complaint: 0, other: 0, unrecognised: 0 },
      suppressed: [],
      unknownAddress: 0,
    },
    autoReplies: 0,
    ignored: [],
    unrecognised: [],
  };
}

/**
 * Classify one message (see classifyMessage) and record what it says: its events through the
 * rules (recordEvents), anything unreadable as an 'unrecognised' row. Idempotent: the same
 * message again changes nothing. `source` names where it came from in stored rows ('import', 'imap').
 */
export async function handleMessage(
  store: Pick<Store, 'backend'>,
  message: SourceMessage,
  ctx: ClassifyContext & { source: string },
  report: HandleReport,
): Promise<void> {
  report.messages++;
  const { key, verdict } = await classifyMessage(message.raw, ctx);
  const now = () => ctx.now;
  const unrecognised = async (reason: string) => {
    report.unrecognised.push({ label: message.label, reason });
    await recordUnrecognised(
      store,
      [
        {
          source: ctx.source,
          sourceId: `unrecognised:${key}`,
          diagnostic: `${message.label}: ${reason}`,
          at: ctx.now,
        },
      ],
      { now },
    );
  };
  if (verdict.type === 'auto-reply') report.autoReplies++;
  else if (verdict.type === 'ignored') report.ignored.push({ label: message.label, reason: verdict.reason });
  else if (verdict.type === 'unrecognised') await unrecognised(verdict.reason);
  else {
    if (verdict.format === 'arf') report.complaints++;
    else report.bounces++;
    merge(report.events, await recordEvents(store, verdict.events, ctx.rules, { now }));
    if (verdict.unrecognised) await unrecognised(verdict.unrecognised);
  }
}

/** Handle many messages in order (see handleMessage). */
export async function handleMessages(
  store: Pick<Store, 'backend'>,
  messages: Iterable<SourceMessage> | AsyncIterable<SourceMessage>,
  ctx: ClassifyContext & { source: string },
): Promise<HandleReport> {
  const report = emptyHandleReport();
  for await (const message of messages) await handleMessage(store, message, ctx, report);
  return report;
}

function merge(into: RecordOutcome, add: RecordOutcome): void {
  into.recorded += add.recorded;
  into.duplicates += add.duplicates;
  into.unknownAddress += add.unknownAddress;
  into.suppressed.push(...add.suppressed);
  for (const kind of Object.keys(add.kinds) as (keyof RecordOutcome['kinds'])[])
    into.kinds[kind] += add.kinds[kind];
}
