import { hostname } from 'node:os';
import type { Config } from '../config/index.js';
import {
  type BounceNotes,
  createSmtpTransport,
  dkimFromEnv,
  dkimSigner,
  requireSecret,
  type SendDeps,
  type SendReport,
  type SmtpSettings,
} from '../deliver/index.js';
import { addDays, defaultWeekday, editionsDue } from '../editions/index.js';
import { causeChain, DigestError } from '../errors.js';
import { buildDigest } from '../pipeline.js';
import {
  buildRequestFor,
  decidingOutcome,
  type EditionOutcome,
  type EditionRun,
  editionScheduleKey,
  outcomeLine,
  type RunnerDeps,
  type RunOutcome,
  runEditions,
  runStoreFor,
  type Schedule,
  type SendCounts,
  type SendFn,
  scheduleFrom,
  startScheduler,
} from '../schedule/index.js';
import { localDate } from '../select/index.js';
import { connectStore, type Store } from '../store/index.js';
import { BUILD_OPTIONS, configFrom } from './_build-options.js';
import { type CliContext, type Command, type OptionSpec, type OptionValues, stringFlag } from './_command.js';
import {
  editionBuildRequest,
  editionLabel,
  editionReaders,
  PLAIN_DAILY,
  withEditionOut,
} from './_editions.js';
import { fetchBeforeSend } from './_fetch.js';
import {
  requireSmtpSettings,
  sendBuiltDigest,
  smtpTransportOptions,
  warnIfPlainHttp,
} from './_send-built.js';
import { cacheDbFile, DB_OPTION, storeTarget } from './_store-target.js';

// The schedule picks the window, so the flags that pick one are not offered.
const { date: _date, since: _since, until: _until, ...SHAPE_OPTIONS } = BUILD_OPTIONS;

const OPTIONS: Record<string, OptionSpec> = {
  ...SHAPE_OPTIONS,
  db: DB_OPTION,
  now: {
    type: 'string',
    valueName: 'ISO',
    description:
      'Check as if the clock read this instant, e.g. 2020-09-14T07:00:00-04:00; schedule: the start-up check only (tests, replays)',
  },
};

const NOTES = `
The schedule comes from the config file: schedule.time (default 07:00), schedule.timeZone (default: timeZone),
schedule.window (previous-day | last-24h), schedule.catchUpUntil (default 12:00), schedule.minItems (default 1),
schedule.fetchBefore (default false: true runs \`digest fetch\` on the config feeds before each send).
Each local send date is sent at most once per edition (the runs table in the database): the daily
editions every day, the weekly on its weekday (docs/editions.md), each with its own catch-up and log line.
To send a given day by hand, use \`digest send --date YYYY-MM-DD\`. SMTP settings come from the environment, as for \`digest send\`.`;

/** `digest run`: one due check, one send at most, then exit. */
export const runCommand: Command = {
  name: 'run',
  summary:
    "Send today's scheduled digest if it is due and not yet sent, then exit (for cron or a systemd timer)",
  options: OPTIONS,
  notes: `${NOTES}\nExit codes: 0 sent or nothing to do, 1 the run failed, 2 usage error.`,
  async run({ values }, ctx) {
    // The clock starts at --now and moves on with real time, so a replayed run records real durations.
    const clock = clockFrom(stringFlag(values, 'now'), ctx);
    const setup = await prepare(values, ctx, clock);
    try {
      const outcomes = await setup.check(clock());
      for (const one of outcomes) log(ctx, clock(), editionLine(one));
      if (values.json) {
        const json = outcomes.map((o) => ({
          ...(o.id === 'daily' ? {} : { edition: o.id }),
          ...outcomeJson(o.outcome),
        }));
        ctx.stdout.write(`${JSON.stringify(json.length === 1 ? json[0] : { editions: json }, null, 2)}\n`);
      }
      return decidingOutcome(outcomes)?.outcome.kind === 'failed' ? 1 : 0;
    } finally {
      await setup.store.close();
    }
  },
};

/** `digest schedule`: the long-lived scheduler. */
export const scheduleCommand: Command = {
  name: 'schedule',
  summary:
    "Run in the foreground and send each day's digest at the scheduled local time (SIGTERM: finish, exit 0)",
  options: OPTIONS,
  notes: `${NOTES}\nOn start it sends today's digest if the run was missed and it is before catchUpUntil.`,
  async run({ values }, ctx) {
    // --now moves only the start-up check; croner's triggers are real local times.
    const start = clockFrom(stringFlag(values, 'now'), ctx)();
    const setup = await prepare(values, ctx, ctx.now);
    try {
      const { schedule } = setup.base;
      log(
        ctx,
        ctx.now(),
        `scheduling the daily digest at ${schedule.time} ${schedule.timeZone} (${schedule.window} window, ` +
          `catch-up until ${schedule.catchUpUntil}, at least ${schedule.minItems} item${schedule.minItems === 1 ? '' : 's'}); ` +
          `database ${setup.store.description}`,
      );
      const scheduler = startScheduler({
        schedule,
        // Each edition's line is logged as it ends; the loop retries on the deciding one.
        runOnce: async (now) => {
          const outcomes = await setup.check(now);
          for (const one of outcomes) log(ctx, ctx.now(), editionLine(one));
          return (decidingOutcome(outcomes) as EditionOutcome).outcome;
        },
        onOutcome: () => {},
        onError: (error) => log(ctx, ctx.now(), `error: ${causeChain(error).join('; ')}`),
        clock: ctx.now,
        startAt: start,
        signal: ctx.signal,
      });
      await scheduler.done;
      log(ctx, ctx.now(), `stopped (${String(ctx.signal?.reason ?? 'signal')}); no run in flight`);
      return 0;
    } finally {
      await setup.store.close();
    }
  },
};

interface Setup {
  /** What every edition's run shares: the schedule, the owner, the clock, the signal. */
  base: Omit<RunnerDeps, 'runs' | 'build' | 'send'>;
  /** One due check of every edition due at `now` (see runEditions). */
  check: (now: Date) => Promise<EditionOutcome[]>;
  store: Store;
}

/** Config, SMTP settings, the database and the runner's dependencies; fails early on bad settings. */
async function prepare(values: OptionValues, ctx: CliContext, clock: () => Date): Promise<Setup> {
  const config = configFrom(values, ctx, { db: stringFlag(values, 'db') });
  const schedule: Schedule = scheduleFrom(config);
  // Settings are checked before anything else, so a scheduler with no way to send fails at start.
  const smtp = requireSmtpSettings(ctx.env, 'no SMTP settings: a scheduled run sends real mail');
  const secret = requireSecret(ctx.env);
  const dkim = dkimFromEnv(ctx.env, ctx.cwd);
  // Never created here: a mistyped --db / DIGEST_DB must fail, not record days sent to nobody.
  const store = await connectStore(storeTarget(ctx.cwd, config.db, ctx.env), {
    mustExist: true,
    // A shared ledger's send lease (PostgreSQL), as for digest send.
    leaseMs: config.send.leaseSeconds * 1000,
  });
  try {
    const host = hostname();
    // A shared ledger (PostgreSQL): a day another scheduler is sending is joined, not skipped.
    const base = {
      schedule,
      owner: { pid: process.pid, host },
      clock,
      signal: ctx.signal,
      joinRunning: store.ledger.shared,
    };
    const sender = {
      store,
      config,
      cwd: ctx.cwd,
      now: ctx.now,
      smtp,
      secret,
      sign: dkim && dkimSigner(dkim),
    };
    // Said before the first send only: a cron `run` that finds nothing due prints nothing.
    const warnOnce = onceOnly(() => warnIfPlainHttp(config, ctx));
    const check = async (now: Date) => {
      // The feeds are fetched once per check, before the first edition is built.
      const fetchOnce = onceOnly(() => fetchBeforeSend(config, ctx, (line) => log(ctx, ctx.now(), line)));
      const sendDate = localDate(now.getTime(), schedule.timeZone);
      const readers = await store.subscribers.list();
      const due = editionsDue(readers, sendDate, defaultWeekday(config));
      // No edition due (an empty list, or every reader paused or weekly on another day): the plain
      // daily's run, as before editions, so the day is recorded and an empty list is an error.
      const editions = due.length > 0 ? due : [{ edition: PLAIN_DAILY, id: 'daily', readers: [] }];
      // The weekly's last day is the day before the send date, as the previous-day window's.
      const day = addDays(sendDate, -1);
      const runs: EditionRun[] = editions.map((entry) => ({
        id: entry.id,
        runs: runStoreFor(store.backend, { host, scheduleKey: editionScheduleKey(entry.id) }),
        build: async (run) => {
          await fetchOnce();
          // The build caches as `digest send` keeps them (a local SQLite file, see cacheDbFile).
          const request = {
            ...buildRequestFor(run, config, ctx.cwd),
            strict: values.strict === true,
            db: cacheDbFile(ctx.cwd, config),
          };
          return buildDigest(editionBuildRequest(request, entry.edition, day));
        },
        send: async (built, options) => {
          warnOnce();
          const target = { digestKey: built.digestKey, day, weekly: entry.edition.frequency === 'weekly' };
          const subscribers = editionReaders(store.subscribers, store.backend, entry.readers, target, false);
          return smtpSender({ ...sender, config: withEditionOut(config, entry.edition) }, subscribers)(
            built,
            options,
          );
        },
      }));
      return runEditions(base, runs, now);
    };
    return { base, check, store };
  } catch (error) {
    await store.close();
    throw error;
  }
}

const INSTANT_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}(:?\d{2})?)$/i;

/** The clock of a command: the real one, or one that starts at `--now` and moves with real time. */
function clockFrom(nowFlag: string | undefined, ctx: CliContext): () => Date {
  if (nowFlag === undefined) return ctx.now;
  const at = INSTANT_RE.test(nowFlag) ? Date.parse(nowFlag) : Number.NaN;
  if (Number.isNaN(at)) {
    throw new DigestError('E_USAGE', `"${nowFlag}" is not an ISO instant`, {
      field: '--now',
      hint: 'use an ISO date and time with Z or an offset, e.g. 2020-09-14T07:00:00Z or 2020-09-14T09:00:00-04:00',
    });
  }
  const base = ctx.now().getTime();
  return () => new Date(at + (ctx.now().getTime() - base));
}

function log(ctx: CliContext, at: Date, line: string): void {
  ctx.stderr.write(`${at.toISOString()} ${line}\n`);
}

/** The outcome as plain JSON for `--json`. */
function outcomeJson(outcome: RunOutcome): Record<string, unknown> {
  return {
    outcome: outcome.kind,
    sendDate: outcome.sendDate,
    scheduledAt: outcome.scheduledAt.toISOString(),
    window:
      outcome.window.kind === 'previous-day'
        ? { kind: outcome.window.kind, date: outcome.window.date, timeZone: outcome.window.timeZone }
        : {
            kind: outcome.window.kind,
            since: outcome.window.since.toISOString(),
            until: outcome.window.until.toISOString(),
            timeZone: outcome.window.timeZone,
          },
    message: outcome.message,
    digestKey: outcome.digestKey ?? null,
    items: outcome.items ?? null,
    counts: outcome.counts ?? null,
    run: outcome.run ?? null,
    next: outcome.next.toISOString(),
  };
}

interface SenderSetup {
  store: Store;
  config: Config;
  cwd: string;
  /** The Date header's clock. */
  now: () => Date;
  smtp: SmtpSettings;
  secret: string;
  sign?: ReturnType<typeof dkimSigner>;
}

/** `fn` the first time it is called; later calls return what it returned then. */
function onceOnly<T>(fn: () => T): () => T {
  let result: { value: T } | undefined;
  return () => {
    result ??= { value: fn() };
    return result.value;
  };
}

/** An edition's outcome line: the schedule's line, the edition named after the send date. */
function editionLine({ id, outcome }: EditionOutcome): string {
  const line = outcomeLine(outcome);
  return id === 'daily'
    ? line
    : line.replace(`digest ${outcome.sendDate}`, `digest ${outcome.sendDate}${editionLabel(id)}`);
}

/** The scheduler's send step, as `digest send` does it, over a fresh SMTP pool per run. */
function smtpSender(setup: SenderSetup, subscribers: SendDeps['subscribers']): SendFn {
  const { store, config } = setup;
  return async (built, { signal }) => {
    const report = await sendBuiltDigest(built, {
      config,
      cwd: setup.cwd,
      secret: setup.secret,
      subscribers,
      ledger: store.ledger,
      webCopyDb: store.backend,
      openTransport: () => createSmtpTransport(setup.smtp, smtpTransportOptions(config)),
      signer: setup.sign,
      now: setup.now,
      signal,
    });
    if (report.recipients === 0 && (await store.subscribers.list({ status: 'active' })).length === 0) {
      // A day "sent" to nobody is how a wrong database or an emptied list goes unnoticed.
      throw new DigestError(
        'E_SUBSCRIBER',
        `no active subscribers in ${store.description}: nothing was sent`,
        {
          file: store.description,
          hint: 'check --db / DIGEST_DB, or add subscribers with `digest subscribers import subscribers.csv`',
        },
      );
    }
    return countsOf(report, signal);
  };
}

/** A send report as the runs table counts it: a signal stop leaves the rest pending, not failed. */
export function countsOf(report: SendReport & BounceNotes, signal?: AbortSignal): SendCounts {
  const stopped = signal?.aborted === true && !report.complete;
  const waiting = report.failures.filter((f) => f.state === 'pending' || f.state === 'sending').length;
  const { unknown } = report.counts;
  const notes = [
    report.stopped && `stopped: ${report.stopped}`,
    unknown > 0 &&
      `${unknown} unknown after a crash mid-message; \`digest send --mark-unknown-sent\` for this digest records them as sent (most were delivered), \`--resend-unknown\` resends them`,
    // The last 30 days' complaint or bounce rate over its limit (see src/bounces/_stats.ts).
    ...(report.bounces?.warnings ?? []).map((w) => `warning: ${w}`),
  ].filter(Boolean);
  // A shared send's report ends with the ledger's view of the whole digest: the recipients it
  // does not list as failures or as gone were sent, by this sender or another.
  const sent =
    report.workerId === undefined
      ? report.counts.sent + report.counts.alreadySent
      : report.recipients - report.failures.length - report.counts.leftDuringSend;
  return {
    recipients: report.recipients,
    sent,
    sentHere: report.counts.sent,
    failed: report.failures.length - (stopped ? waiting : 0),
    stopped,
    note: notes.length ? notes.join('; ') : undefined,
  };
}
