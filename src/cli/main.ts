import { causeChain, DigestError, type ErrorCode } from '../errors.js';
import { buildCommand } from './_build.js';
import { checkCommand } from './_check.js';
import { type CliContext, type Command, commandHelp, parseCommandArgs } from './_command.js';
import { previewCommand } from './_preview.js';
import { runCommand, scheduleCommand } from './_schedule.js';
import { sendCommand } from './_send.js';
import { serveCommand } from './_serve.js';
import { subscribersCommand } from './_subscribers.js';

/** Every sub-command, in the order help lists them. */
export const COMMANDS: Command[] = [
  buildCommand,
  sendCommand,
  subscribersCommand,
  checkCommand,
  previewCommand,
  runCommand,
  scheduleCommand,
  serveCommand,
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
  const ctx: CliContext = {
    stdout: process.stdout,
    stderr: process.stderr,
    isTTY: Boolean(process.stderr.isTTY) && !partial.env.CI && !partial.env.NO_COLOR,
    now: () => new Date(),
    ...partial,
  };
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    ctx.stdout.write(mainHelp());
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-v') {
    ctx.stdout.write('news-digest 0.1.0\n');
    return 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    ctx.stderr.write(`Unknown command "${name}". Allowed: ${COMMANDS.map((c) => c.name).join(', ')}\n`);
    return 2;
  }
  try {
    const args = parseCommandArgs(command, rest);
    if (args.values.help) {
      ctx.stdout.write(commandHelp(command));
      return 0;
    }
    return await command.run(args, ctx);
  } catch (error) {
    reportError(error, ctx);
    return error instanceof DigestError ? (EXIT_BY_CODE[error.code] ?? 1) : 1;
  }
}

/** Print an error as a numbered chain of causes; the stack only under DEBUG. */
export function reportError(error: unknown, ctx: Pick<CliContext, 'stderr' | 'env'>): void {
  const lines = causeChain(error);
  let n = 0;
  const numbered = lines.map((line) => (line.startsWith('   hint:') ? line : `${++n}. ${line}`));
  ctx.stderr.write(`Error:\n${numbered.join('\n')}\n`);
  if (ctx.env.DEBUG && error instanceof Error && error.stack) ctx.stderr.write(`${error.stack}\n`);
}
