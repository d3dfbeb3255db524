import { envFileNote, withEnvFile } from '../config/_env-file.js';
import { didYouMean } from '../did-you-mean.js';
import { causeChain, DigestError, type ErrorCode, errorReport } from '../errors.js';
import { type CliContext, type Command, commandHelp, parseCommandArgs } from './_command.js';
import { colorOn, red } from './_output.js';

/**
 * One sub-command in the table: its name, and its module, imported only when that command runs
 * or its help is asked for (a build does not load the SMTP, web, preview and scheduler code:
 * about 90 ms and 10 MB of every `digest build`). The summary is the command's own, repeated
 * here for the command list; a test keeps the two the same.
 */
export interface CommandEntry {
  name: string;
  summary: string;
  load: () => Promise<Command>;
}

/** Every sub-command, in the order help lists them. */
export const COMMANDS: CommandEntry[] = [
  {
    name: 'init',
    summary:
      'Start a newsletter here: ask for its name, From, URL, zone and postal address; write digest.config.json and .env',
    load: async () => (await import('./_init.js')).initCommand,
  },
  {
    name: 'fetch',
    summary: 'Write each new item of the RSS/Atom/JSON feeds in config (or --feed URL) as an article file',
    load: async () => (await import('./_fetch.js')).fetchCommand,
  },
  {
    name: 'build',
    summary: 'Build the digest of one day (or window) into OUT/<date>/digest.{html,txt,mjml,json}',
    load: async () => (await import('./_build.js')).buildCommand,
  },
  {
    name: 'send',
    summary: 'Build the digest and email it to every subscriber not yet sent it (or --dry-run to .eml files)',
    load: async () => (await import('./_send.js')).sendCommand,
  },
  {
    name: 'subscribers',
    summary: 'Manage subscribers: import FILE.csv, add EMAIL, remove EMAIL, resubscribe EMAIL, list',
    load: async () => (await import('./_subscribers.js')).subscribersCommand,
  },
  {
    name: 'bounces',
    summary: 'Read bounces and complaints back: import PATH... (.eml, mbox, Maildir), fetch (IMAP), list',
    load: async () => (await import('./_bounces.js')).bouncesCommand,
  },
  {
    name: 'stats',
    summary:
      'Per digest: sent, delivered, bounced, complaints, unsubscribes and their rates against the limits',
    load: async () => (await import('./_stats.js')).statsCommand,
  },
  {
    name: 'check',
    summary: 'Validate the config, every article file and the templates; exit 1 listing each problem',
    load: async () => (await import('./_check.js')).checkCommand,
  },
  {
    name: 'preview',
    summary: "Serve a live preview of every day's digest in the browser, reloading as you edit",
    load: async () => (await import('./_preview.js')).previewCommand,
  },
  {
    name: 'run',
    summary:
      "Send today's scheduled digest if it is due and not yet sent, then exit (for cron or a systemd timer)",
    load: async () => (await import('./_schedule.js')).runCommand,
  },
  {
    name: 'schedule',
    summary:
      "Run in the foreground and send each day's digest at the scheduled local time (SIGTERM: finish, exit 0)",
    load: async () => (await import('./_schedule.js')).scheduleCommand,
  },
  {
    name: 'serve',
    summary: 'Run the public subscriber web server: one-click unsubscribe and the archive of sent digests',
    load: async () => (await import('./_serve.js')).serveCommand,
  },
  {
    name: 'db',
    summary: 'The store: migrate (apply pending schema steps), status (schema, digests in flight, senders)',
    load: async () => (await import('./_db.js')).dbCommand,
  },
  {
    name: 'migrate-store',
    summary:
      'Copy a SQLite store (list, ledger, runs, archive, feeds, bounces) into an empty PostgreSQL database',
    load: async () => (await import('./_migrate-store.js')).migrateStoreCommand,
  },
];

/** Exit codes: 0 ok, 1 failure, 2 usage error, 75 the same send is already running (EX_TEMPFAIL). */
const EXIT_BY_CODE: Partial<Record<ErrorCode, number>> = { E_USAGE: 2, E_SEND_LOCKED: 75 };

/** The top-level help, generated from the command table. */
export function mainHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length)) + 2;
  return [
    'Usage: digest <command> [options]',
    '',
    'Turn a folder of news articles into a daily email digest and deliver it.',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    '',
    'Run `digest <command> --help` for the options of one command.',
    'Exit codes: 0 ok, 1 failure, 2 usage error, 75 the same digest is already being sent.',
    '',
  ].join('\n');
}

/** Run the CLI; returns the exit code. The only caller of process.exit is bin/digest.js (via exitCode). */
export async function main(argv: string[], partial: Partial<CliContext> & Pick<CliContext, 'cwd' | 'env'>) {
  const stderrIsTTY = Boolean(process.stderr.isTTY);
  let ctx: CliContext = {
    stdout: process.stdout,
    stderr: process.stderr,
    // A progress bar needs a terminal; NO_COLOR asks for no colour, not for no progress.
    isTTY: stderrIsTTY && !partial.env.CI,
    color: colorOn(partial.env, stderrIsTTY),
    now: () => new Date(),
    ...partial,
  };
  const json = argv.includes('--json');
  try {
    const loaded = withEnvFile(ctx.cwd, ctx.env);
    ctx = { ...ctx, env: loaded.env };
    if (ctx.env.DEBUG) ctx.stderr.write(`${envFileNote(loaded)}\n`);
  } catch (error) {
    return failed(error, ctx, json);
  }
  const [first, ...afterFirst] = argv;
  // `digest help build` is `digest build --help`.
  const [name, ...rest] = first === 'help' && afterFirst[0] ? [afterFirst[0], '--help'] : argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    ctx.stdout.write(mainHelp());
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-v') {
    ctx.stdout.write('news-digest 0.1.0\n');
    return 0;
  }
  try {
    const entry = COMMANDS.find((c) => c.name === name);
    if (!entry) throw unknownCommand(name);
    const command = await entry.load();
    const args = parseCommandArgs(command, rest);
    if (args.values.help) {
      ctx.stdout.write(commandHelp(command));
      return 0;
    }
    // Every command reads its config through loadConfig, which takes the file from DIGEST_CONFIG.
    const config = args.values.config;
    if (typeof config === 'string') ctx = { ...ctx, env: { ...ctx.env, DIGEST_CONFIG: config } };
    return await command.run(args, ctx);
  } catch (error) {
    return failed(error, ctx, json);
  }
}

/** A usage error for a command that does not exist, with the closest one. */
export function unknownCommand(name: string): DigestError {
  const names = COMMANDS.map((c) => c.name);
  return new DigestError(
    'E_USAGE',
    `unknown command "${name}"${didYouMean(name, [...names, 'help', '--help', '--version'])}`,
    {
      hint: `the commands are ${names.join(', ')}; \`digest --help\` describes each`,
    },
  );
}

/** The exit code of an error: 2 usage, 75 send locked, else 1. */
export function exitCodeOf(error: unknown): number {
  return error instanceof DigestError ? (EXIT_BY_CODE[error.code] ?? 1) : 1;
}

/** Report a failure (and under --json also as one JSON object on stdout); returns its exit code. */
function failed(error: unknown, ctx: CliContext, json: boolean): number {
  reportError(error, ctx);
  if (json) {
    const report = errorReport(error, { cwd: ctx.cwd, debug: Boolean(ctx.env.DEBUG) });
    ctx.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  }
  return exitCodeOf(error);
}

/**
 * Print an error as a numbered chain of causes, file paths relative to the working folder;
 * a library's own wording and the stack only under DEBUG. `Error:` is red on a terminal.
 */
export function reportError(
  error: unknown,
  ctx: Pick<CliContext, 'stderr' | 'env'> & Partial<Pick<CliContext, 'cwd' | 'color'>>,
): void {
  ctx.stderr.write(`${formatError(error, ctx)}\n`);
  if (ctx.env.DEBUG && error instanceof Error && error.stack) ctx.stderr.write(`${error.stack}\n`);
  else if (!(error instanceof DigestError))
    ctx.stderr.write('(an unexpected error: DEBUG=1 prints its stack)\n');
}

/** The text reportError prints, without the stack. */
export function formatError(
  error: unknown,
  ctx: Pick<CliContext, 'env'> & Partial<Pick<CliContext, 'cwd' | 'color'>>,
): string {
  const lines = causeChain(error, { cwd: ctx.cwd, debug: Boolean(ctx.env.DEBUG) });
  let n = 0;
  const numbered = lines.map((line) => (line.startsWith('   hint:') ? line : `${++n}. ${line}`));
  return `${red({ color: ctx.color }, 'Error:')}\n${numbered.join('\n')}`;
}
