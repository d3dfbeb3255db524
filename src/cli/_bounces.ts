import {
  type ClassifyContext,
  describeImap,
  digestLookup,
  fetchBounces,
  type HandleReport,
  handleMessages,
  imapFromUrl,
  readSources,
} from '../bounces/index.js';
import { type Config, loadConfig } from '../config/index.js';
import { requireSecret } from '../deliver/_token.js';
import { parseBounceAddress } from '../deliver/_verp.js';
import { DigestError } from '../errors.js';
import { type BounceEventRow, bounceEventsFor, type StoredBounceKind } from '../store/_bounce-events.js';
import { connectStore, type Store } from '../store/index.js';
import {
  actionOf,
  type CliContext,
  type Command,
  intFlag,
  type OptionValues,
  stringFlag,
} from './_command.js';
import { plural, textTable } from './_output.js';
import { DB_OPTION, storeTarget } from './_store-target.js';

const ACTIONS = ['import', 'fetch', 'list'] as const;

const NOTES = `
Actions:
  import PATH...  Read bounces and complaints from .eml files, mbox files or Maildir folders (cur/ and
                  new/): DSNs (RFC 3464), ARF complaints (RFC 5965) and plain bounces ("Undelivered Mail
                  Returned to Sender"). Each is matched to its subscriber and digest by the VERP return
                  path (config bounceAddress), the original Message-ID or the recipient address.
  fetch           The same for every unseen message of the IMAP mailbox BOUNCE_IMAP_URL
                  (imaps://user:pass@host/INBOX); each is then marked seen, or moved to the folder
                  config bounces.fetchMoveTo. Safe from cron: nothing is ever counted twice.
  list            Print the stored events, newest first (--kind, --limit).
A hard bounce (5.1.x, 5.2.1, 5.4.4) suppresses the address at once, a complaint unsubscribes and
suppresses it, soft bounces (4.x.x, 5.2.2) suppress it after 3 on 3 different digests within 30 days
(config bounces.*). Auto-replies are ignored; anything not understood is stored as 'unrecognised' and
listed, never guessed. \`digest subscribers resubscribe EMAIL\` is the only way back.`;

/** `digest bounces import|fetch|list`: read bounces and complaints back into the list. */
export const bouncesCommand: Command = {
  name: 'bounces',
  summary: 'Read bounces and complaints back: import PATH... (.eml, mbox, Maildir), fetch (IMAP), list',
  usage: 'digest bounces <import PATH... | fetch | list> [options]',
  positionals: [
    { name: 'ACTION', description: `One of: ${ACTIONS.join(', ')}` },
    { name: 'PATH', description: 'Files or Maildir folders (import)', optional: true, variadic: true },
  ],
  options: {
    db: DB_OPTION,
    kind: {
      type: 'string',
      valueName: 'KIND',
      choices: ['hard', 'soft', 'complaint', 'other', 'unrecognised'],
      description: 'Only events of this kind (list)',
    },
    limit: { type: 'string', valueName: 'N', description: 'Most events to list (default 50)' },
    json: { type: 'boolean', description: 'Print one machine-readable JSON result on stdout' },
  },
  notes: NOTES,
  async run({ values, positionals }, ctx) {
    const action = actionOf(positionals, ACTIONS);
    const paths = positionals.slice(1);
    if ((action === 'import') !== paths.length > 0) {
      throw new DigestError(
        'E_USAGE',
        action === 'import' ? 'import needs at least one file or folder' : `${action} takes no argument`,
        {
          hint:
            action === 'import' ? 'usage: digest bounces import PATH...' : `usage: digest bounces ${action}`,
        },
      );
    }
    const { config } = loadConfig(ctx.cwd, ctx.env, { db: stringFlag(values, 'db') });
    const target = storeTarget(ctx.cwd, config.db, ctx.env);
    if (action === 'list') {
      const store = await connectStore(target, { readonly: true });
      try {
        return await list(store, values, ctx);
      } finally {
        await store.close();
      }
    }
    // Checked before anything is read: the IMAP settings, the VERP address and its secret.
    const imap = action === 'fetch' ? imapFromUrl(ctx.env.BOUNCE_IMAP_URL) : undefined;
    const bounce = parseBounceAddress(config.bounceAddress);
    const secret = bounce ? requireSecret(ctx.env) : undefined;
    const store = await connectStore(target, { mustExist: true, now: () => ctx.now().getTime() });
    try {
      const classify: ClassifyContext = {
        rules: config.bounces,
        verp: bounce && secret ? { bounce, secret } : undefined,
        lookup: digestLookup(store.backend),
        now: ctx.now().getTime(),
      };
      let report: HandleReport;
      let what: string;
      if (imap) {
        what = describeImap(imap);
        ctx.stderr.write(`Fetching unseen messages from ${what}\n`);
        report = await fetchBounces(store, imap, {
          ...classify,
          moveTo: config.bounces.fetchMoveTo || undefined,
          signal: ctx.signal,
        });
      } else {
        what = paths.length === 1 ? (paths[0] as string) : `${paths.length} paths`;
        report = await handleMessages(store, readSources(paths, ctx.cwd), { ...classify, source: 'import' });
      }
      printReport(report, action === 'fetch' ? 'Fetched' : 'Imported', what, values, ctx, config);
      return 0;
    } finally {
      await store.close();
    }
  },
};

function printReport(
  report: HandleReport,
  verb: string,
  what: string,
  values: OptionValues,
  ctx: CliContext,
  config: Config,
): void {
  if (values.json) ctx.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  for (const s of report.events.suppressed) ctx.stderr.write(`  suppressed    ${s.email} (${s.reason})\n`);
  for (const u of report.unrecognised) ctx.stderr.write(`  unrecognised  ${u.label}: ${u.reason}\n`);
  for (const i of report.ignored) ctx.stderr.write(`  ignored       ${i.label}: ${i.reason}\n`);
  const e = report.events;
  const parts = [
    plural(report.bounces, 'bounce'),
    plural(report.complaints, 'complaint'),
    `${plural(e.recorded, 'new event')} (${e.kinds.hard} hard, ${e.kinds.soft} soft, ${e.kinds.complaint} complaint, ${e.kinds.other} other)`,
    e.duplicates > 0 && `${e.duplicates} already recorded`,
    e.unknownAddress > 0 && `${e.unknownAddress} about addresses not on the list`,
    `${e.suppressed.length} suppressed`,
    report.autoReplies > 0 && `${plural(report.autoReplies, 'auto-reply', 'auto-replies')} ignored`,
    report.ignored.length > 0 && `${report.ignored.length} not a failure`,
    report.unrecognised.length > 0 &&
      `${report.unrecognised.length} unrecognised (kept; \`digest bounces list --kind unrecognised\`)`,
  ].filter(Boolean);
  const verp = config.bounceAddress ? '' : '; no bounceAddress, so matched by Message-ID and address only';
  ctx.stderr.write(
    `${verb} ${plural(report.messages, 'message')} from ${what}: ${parts.join(', ')}${verp}\n`,
  );
}

async function list(store: Store, values: OptionValues, ctx: CliContext): Promise<number> {
  const kind = stringFlag(values, 'kind');
  const limit = intFlag(values, 'limit', 1) ?? 50;
  const rows = await bounceEventsFor(store.backend).list({
    kind: kind as StoredBounceKind | undefined,
    limit,
  });
  if (values.json) ctx.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
  else ctx.stdout.write(eventTable(rows));
  ctx.stderr.write(`${rows.length} event${rows.length === 1 ? '' : 's'}${kind ? ` of kind ${kind}` : ''}\n`);
  return 0;
}

function eventTable(rows: BounceEventRow[]): string {
  if (rows.length === 0) return '';
  const cells = rows.map((r) => [
    new Date(r.occurredAt).toISOString().slice(0, 16).replace('T', ' '),
    r.kind,
    r.status ?? '',
    r.email ?? '',
    r.digestKey ?? '',
    r.effect,
    r.diagnostic ?? '',
  ]);
  const header = ['TIME', 'KIND', 'STATUS', 'EMAIL', 'DIGEST', 'EFFECT', 'DIAGNOSTIC'];
  return textTable(header, cells);
}
