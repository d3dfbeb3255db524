import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Config } from '../config/index.js';
import {
  createFileTransport,
  createSmtpTransport,
  type DeliveryTransport,
  dkimFromEnv,
  dkimSigner,
  dryRunSummary,
  failureLines,
  progressLine,
  requireSecret,
  type SendDeps,
  type SendReport,
  sendSummary,
} from '../deliver/index.js';
import { DigestError } from '../errors.js';
import { buildDigest } from '../pipeline.js';
import {
  connectStore,
  isPostgresUrl,
  MemoryLedger,
  normalizeEmail,
  redactUrl,
  type Store,
  type StoreBackend,
  type Subscriber,
} from '../store/index.js';
import { reportProblems } from './_build.js';
import { BUILD_OPTIONS, buildRequestFrom, configFrom } from './_build-options.js';
import { type CliContext, type Command, type OptionValues, stringFlag } from './_command.js';
import { editionReaders, editionSends, plainSend } from './_editions.js';
import {
  requireSmtpSettings,
  sendBuiltDigest,
  smtpTransportOptions,
  warnIfPlainHttp,
} from './_send-built.js';
import { flagArgs, MAX_WORKERS, runWorkers, workerCount } from './_send-workers.js';
import { DB_OPTION, storeTarget } from './_store-target.js';

const NOTES = `
Sends to every active subscriber who has not been sent this digest yet, in the edition they chose
(docs/editions.md): the daily of every topic or of their topics, or, the day after --date when that is
their weekday, the weekly of the 7 days up to --date. Each edition is built once, under its own key in
the ledger; paused subscribers get nothing. The ledger in the database records each message
(pending, sending, sent, failed_temp, failed_perm, unknown), so running it again is always safe.
SMTP settings come from SMTP_URL (or SMTP_HOST, SMTP_PORT, SMTP_USER, SMTP_PASS, SMTP_SECURE);
DIGEST_SECRET signs the unsubscribe links; DKIM_DOMAIN, DKIM_SELECTOR and
DKIM_PRIVATE_KEY_FILE turn on DKIM signing. See .env.example.
A message is \`unknown\` when its whole content reached the server but no answer came (a crash or a
dropped connection at that moment): SMTP has no way to ask, so it is neither resent nor counted as
sent until you choose --mark-unknown-sent (usually right) or --resend-unknown (may duplicate).
With a PostgreSQL store (--db postgres://...) any number of \`digest send\` processes, on one machine
or several, share the digest: each claims batches of recipients under a lease (send.leaseSeconds),
all send the copy the first one stored, and send.rateLimit is split equally between the live
senders; --workers N starts N of them here. A sender that dies leaves its unsent recipients to the
others once its lease runs out, and its messages on their way become unknown.
Exit codes: 0 every subscriber has the digest, 1 some were not sent (listed, with the server's reply),
2 usage error, 75 another run is sending the same digest (SQLite only; nothing was sent).`;

/** `digest send`: build the digest and send it to the subscribers, through the ledger. */
export const sendCommand: Command = {
  name: 'send',
  summary: 'Build the digest and email it to every subscriber not yet sent it (or --dry-run to .eml files)',
  options: {
    ...BUILD_OPTIONS,
    db: DB_OPTION,
    'dry-run': {
      type: 'boolean',
      description:
        'Write OUT/<date>/eml/<n>-<address>.eml instead of sending; no connection, no database write',
    },
    to: {
      type: 'string',
      valueName: 'ADDR',
      description: 'Send one test copy to ADDR only (outside the list and ledger)',
    },
    'retry-failed': {
      type: 'boolean',
      description: 'Also retry subscribers whose last attempt failed permanently',
    },
    'resend-unknown': {
      type: 'boolean',
      description:
        'Also resend messages left unknown (same Message-ID); most were delivered, so expect duplicates',
    },
    'mark-unknown-sent': {
      type: 'boolean',
      description: 'Record messages left unknown as sent, without sending them again',
    },
    workers: {
      type: 'string',
      valueName: 'N',
      description: `Start N local sender processes that share the send (PostgreSQL store only; 1-${MAX_WORKERS})`,
    },
  },
  notes: NOTES,
  async run({ values }, ctx) {
    const dryRun = values['dry-run'] === true;
    const testTo = testAddress(values);
    if (testTo && (values['retry-failed'] || values['resend-unknown'] || values['mark-unknown-sent'])) {
      throw new DigestError(
        'E_USAGE',
        '--to sends one test copy outside the ledger; it takes no --retry-failed, --resend-unknown or --mark-unknown-sent',
        {
          field: '--to',
        },
      );
    }
    if (values['resend-unknown'] && values['mark-unknown-sent']) {
      throw new DigestError(
        'E_USAGE',
        '--resend-unknown and --mark-unknown-sent are opposite choices; pick one',
        {
          field: '--mark-unknown-sent',
        },
      );
    }
    const config = configFrom(values, ctx, { db: stringFlag(values, 'db') });
    // The secret, the DKIM key and the database are checked before anything is built or written.
    const secret = dryRun ? dryRunSecret(ctx) : requireSecret(ctx.env);
    const dkim = dkimFromEnv(ctx.env, ctx.cwd);
    const target = storeTarget(ctx.cwd, config.db, ctx.env);
    const workers = workerCount(values, target);
    if (workers > 1) return runWorkers(values, ctx, workers);
    let store: Store | undefined;
    try {
      let subscribers: SendDeps['subscribers'];
      let ledger: SendDeps['ledger'];
      let webCopyDb: StoreBackend | undefined;
      // The list's database is opened before the build (whose content index would create the
      // file): a send never creates it, so a mistyped --db / DIGEST_DB fails instead of sending
      // to nobody. A dry run only reads it.
      if (testTo) {
        subscribers = { list: async () => [testSubscriber(testTo, ctx.now())] };
        ledger = new MemoryLedger();
      } else if (dryRun) {
        store = await connectStore(target, { readonly: true });
        subscribers = store.subscribers;
        ledger = new MemoryLedger();
      } else {
        store = await connectStore(target, { mustExist: true, leaseMs: config.send.leaseSeconds * 1000 });
        subscribers = store.subscribers;
        ledger = store.ledger;
        // Only a real send to the list keeps the web archive's copy (digest serve).
        webCopyDb = store.backend;
      }
      const base = buildRequestFrom(values, ctx, config);
      const notes: string[] = [];
      // Each distinct edition (frequency x topics) is built and rendered once for all its readers.
      const readers = testTo ? [] : await subscribers.list();
      let sends = testTo ? [] : await editionSends(base, readers, notes);
      for (const note of notes) ctx.stderr.write(`note: ${note}\n`);
      const waiting = readers.filter((r) => r.status === 'active').length;
      if (sends.length === 0 && waiting > 0) {
        // Every active reader is paused or reads the weekly on another day: nothing is built.
        ctx.stderr.write(
          `No edition is due: the ${waiting} active subscriber${waiting === 1 ? ' is' : 's are'} paused or get the weekly on another day; nothing to send.\n`,
        );
        if (values.json) ctx.stdout.write(`${JSON.stringify({ editions: [], sent: 0 }, null, 2)}\n`);
        return 0;
      }
      // A test copy, or nobody on the list: the plain daily, which says so in its summary.
      if (sends.length === 0) sends = [plainSend(base)];
      const json: unknown[] = [];
      let code = 0;
      for (const [n, send] of sends.entries()) {
        const started = performance.now();
        const built = await buildDigest(send.request);
        reportProblems(built, ctx, resolve(ctx.cwd, config.content));
        const what = `${built.window.date}${send.label}`;
        if (!built.rendered) {
          ctx.stderr.write(`No articles in the window of ${what}; nothing to send.\n`);
          json.push({ digestKey: built.digestKey, date: built.window.date, sent: 0 });
          continue;
        }
        const { subject } = built.rendered;
        // A reader the ledger gave another edition of the same stories gets none of this one.
        const target = {
          digestKey: built.digestKey,
          day: send.day,
          weekly: send.edition.frequency === 'weekly',
        };
        const readersOf = testTo
          ? subscribers
          : editionReaders(subscribers, store?.backend, send.readers, target, n === 0);
        if (values['resend-unknown'] && store) await warnResendUnknown(store, built.digestKey, ctx);
        const editionConfig = send.request.config;
        const emlDir = join(resolve(ctx.cwd, editionConfig.out), built.window.date, 'eml');
        const progress = progressWriter(ctx, values['dry-run'] === true);
        const report = await sendBuiltDigest(built, {
          config: editionConfig,
          cwd: ctx.cwd,
          secret,
          subscribers: readersOf,
          ledger,
          webCopyDb,
          openTransport: async () => {
            if (dryRun) {
              const total = testTo ? 1 : (await readersOf.list()).filter((r) => r.status === 'active').length;
              return createFileTransport(emlDir, total);
            }
            const transport = smtpTransport(ctx, config);
            warnIfPlainHttp(config, ctx);
            return transport;
          },
          onStart: (transport) =>
            ctx.stderr.write(
              `${dryRun ? 'Writing' : 'Sending'} digest ${what} ("${subject}") ${
                testTo ? `as a test copy to ${testTo}` : 'to the subscribers'
              } via ${transport.description}\n`,
            ),
          signer: dkim ? dkimSigner(dkim) : undefined,
          now: ctx.now,
          onProgress: progress.update,
          signal: ctx.signal,
          retryFailed: values['retry-failed'] === true,
          resendUnknown: values['resend-unknown'] === true,
          markUnknownSent: values['mark-unknown-sent'] === true,
          messageIdSeed: testTo ? `|test|${ctx.now().getTime()}` : undefined,
        });
        progress.done();
        report.durationMs = performance.now() - started;
        const resume = dryRun || testTo ? undefined : resumeCommand(values, send.day ?? built.window.date);
        json.push(printReport(report, { dryRun, testTo, resume, edition: send.label ? send.id : '' }, ctx));
        if (!report.complete) code = 1;
      }
      // One report: as before editions for a single edition, else one entry per edition.
      if (values.json)
        ctx.stdout.write(`${JSON.stringify(json.length === 1 ? json[0] : { editions: json }, null, 2)}\n`);
      return code;
    } finally {
      await store?.close();
    }
  },
};

/**
 * Said before anything is resent: an `unknown` row is a message whose whole content reached the
 * server without an answer, and servers nearly always took those (84 of 85 in the field).
 */
async function warnResendUnknown(store: Store, digestKey: string, ctx: CliContext): Promise<void> {
  const counts = await store.ledger.counts(digestKey);
  // `sending` rows of a dead run become unknown when this run takes the lock.
  const unknown = counts.unknown + counts.sending;
  if (unknown === 0) return;
  ctx.stderr.write(
    `warning: --resend-unknown resends ${unknown} message${unknown === 1 ? '' : 's'} whose delivery is unknown; ` +
      'most such messages were delivered, so most of these recipients will get a second copy (same ' +
      'Message-ID, which only some mail systems drop). --mark-unknown-sent records them as sent instead.\n',
  );
}

/**
 * The command that goes on with this digest: the same flags, the day pinned with --date (run
 * later, `latest` or today could pick another digest). Under the same environment (DIGEST_DB...).
 * A password in a --db URL is shown as `***` (stderr and --json go to logs): give it again there.
 */
export function resumeCommand(values: OptionValues, date: string): string {
  const byDay = values.since === undefined && values.until === undefined;
  const args = [
    'digest',
    'send',
    ...(byDay ? ['--date', date] : []),
    ...flagArgs(values, byDay ? ['date'] : []),
  ];
  return args
    .map((word, i) => (args[i - 1] === '--db' && isPostgresUrl(word) ? redactUrl(word) : word))
    .map(shellWord)
    .join(' ');
}

/** A word as a POSIX shell reads it back: as it is when safe, else in single quotes. */
function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

function testAddress(values: OptionValues): string | undefined {
  const raw = stringFlag(values, 'to');
  if (raw === undefined) return undefined;
  const address = normalizeEmail(raw);
  if (!address.ok)
    throw new DigestError('E_USAGE', `--to: the address "${raw}" ${address.reason}`, { field: '--to' });
  return address.email;
}

function testSubscriber(email: string, now: Date): Subscriber {
  const t = now.getTime();
  return {
    id: 0,
    email,
    name: '',
    topics: [],
    status: 'active',
    frequency: 'daily',
    weekday: null,
    createdAt: t,
    updatedAt: t,
    unsubscribedAt: null,
    confirmedAt: null,
  };
}

/** A dry run works without DIGEST_SECRET (e.g. `npm start` on a fresh checkout), with a throwaway key. */
function dryRunSecret(ctx: CliContext): string {
  try {
    return requireSecret(ctx.env);
  } catch {
    // Nothing to act on for a dry run: a note, not a warning (a real send refuses without it).
    ctx.stderr.write(
      'note: DIGEST_SECRET is not set (or too short), so the unsubscribe links in these .eml files are ' +
        'signed with a throwaway key; set it in .env before a real send (`digest init` writes one)\n',
    );
    return randomBytes(32).toString('base64url');
  }
}

function smtpTransport(ctx: CliContext, config: Config): DeliveryTransport {
  const settings = requireSmtpSettings(ctx.env, 'no SMTP settings', '; or use --dry-run');
  return createSmtpTransport(settings, smtpTransportOptions(config));
}

/** A progress bar on stderr, redrawn at most ten times a second, only on a terminal. */
function progressWriter(ctx: CliContext, dryRun: boolean) {
  let last = 0;
  let drawn = false;
  return {
    update: ctx.isTTY
      ? (p: Parameters<typeof progressLine>[0]) => {
          const now = performance.now();
          if (now - last < 100 && p.sent + p.failed < p.total) return;
          last = now;
          drawn = true;
          ctx.stderr.write(`\r\u001b[2K${progressLine(p, 24, dryRun ? 'written' : 'sent')}`);
        }
      : undefined,
    done() {
      if (drawn) ctx.stderr.write('\r\u001b[2K');
    },
  };
}

function printReport(
  report: SendReport,
  mode: { dryRun: boolean; testTo?: string; resume?: string; edition: string },
  ctx: CliContext,
): unknown {
  // What a plain re-run would send: rows never tried, and temporary failures.
  const resume =
    mode.resume && report.counts.pending + report.counts.failedTemp > 0 ? mode.resume : undefined;
  const { failures, ...rest } = report;
  const extra = { dryRun: mode.dryRun, testCopy: mode.testTo ?? null, resumeCommand: resume ?? null };
  const edition = mode.edition ? { edition: mode.edition } : {};
  for (const line of failureLines(report)) ctx.stderr.write(`${line}\n`);
  if (report.copy) ctx.stderr.write(`${copyLine(report)}\n`);
  if (resume) ctx.stderr.write(`To send the rest of this digest, run: ${resume}\n`);
  if (mode.testTo && !mode.dryRun) {
    const ok = report.complete ? 'Sent' : 'Could not send';
    ctx.stderr.write(
      `${ok} a test copy of digest ${report.date} to ${mode.testTo} in ${(report.durationMs / 1000).toFixed(1)} s\n`,
    );
  } else {
    const summary = mode.dryRun ? dryRunSummary(report) : sendSummary(report);
    // The summary names the digest by date; an edition's line says which edition it was.
    const named = mode.edition ? summary.replace(report.date, `${report.date} [${mode.edition}]`) : summary;
    ctx.stderr.write(`${named}\n`);
  }
  return { ...rest, ...extra, ...edition, failures };
}

/** Shared sending: which copy of the digest this sender sent, and whether its own build differs. */
export function copyLine(report: SendReport): string {
  const copy = report.copy;
  if (!copy) return '';
  const hash = `sha256 ${copy.sha256.slice(0, 12)}`;
  if (copy.mine)
    return `copy: this sender stored the parts of digest ${report.date} (${hash}); every sender sends them`;
  const own = copy.differs
    ? "this machine's own build differs from them (content, templates or config): check it before its next digest"
    : "this machine's own build is the same";
  return `copy: sent the parts of digest ${report.date} that ${copy.storedBy} stored (${hash}); ${own}`;
}
