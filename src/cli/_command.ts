import { parseArgs } from 'node:util';
import { didYouMean } from '../did-you-mean.js';
import { DigestError } from '../errors.js';

/** Where a command writes and what it knows of its surroundings; never process globals. */
export interface CliContext {
  cwd: string;
  env: Record<string, string | undefined>;
  stdout: { write(chunk: string): unknown };
  stderr: { write(chunk: string): unknown };
  /** stderr is an interactive terminal (progress bars allowed). */
  isTTY: boolean;
  /** Colour errors and warnings on stderr (a terminal, no NO_COLOR); see colorOn. Default false. */
  color?: boolean;
  now: () => Date;
  /** Resolves when the user asks the process to stop (SIGINT/SIGTERM). */
  signal?: AbortSignal;
}

/** One flag of a command. */
export interface OptionSpec {
  type: 'string' | 'boolean';
  description: string;
  short?: string;
  /** Shown in help as `--flag <valueName>`. */
  valueName?: string;
  /** When set, the value must be one of these (usage error lists them). */
  choices?: readonly string[];
  multiple?: boolean;
}

export type OptionValues = Record<string, string | boolean | string[] | undefined>;

export interface CommandArgs {
  values: OptionValues;
  positionals: string[];
}

/** A `digest` sub-command. */
export interface Command {
  name: string;
  /** One line for the command list. */
  summary: string;
  /** e.g. `digest subscribers import FILE.csv`; default `digest <name> [options]`. */
  usage?: string;
  options: Record<string, OptionSpec>;
  /** Names of positional arguments, for help and arity checks. */
  positionals?: { name: string; description: string; optional?: boolean; variadic?: boolean }[];
  /** Longer text after the options in help. */
  notes?: string;
  /** Returns the exit code. */
  run(args: CommandArgs, ctx: CliContext): Promise<number>;
}

/** Flags every command accepts. */
export const COMMON_OPTIONS: Record<string, OptionSpec> = {
  config: {
    type: 'string',
    valueName: 'FILE',
    description:
      'Config file (.json or .yaml) instead of digest.config.* in the working folder (or DIGEST_CONFIG)',
  },
  help: { type: 'boolean', short: 'h', description: 'Show this help and exit' },
};

/** Parse argv for one command; throws E_USAGE that names the flag and lists allowed values. */
export function parseCommandArgs(command: Command, argv: string[]): CommandArgs {
  const options = { ...COMMON_OPTIONS, ...command.options };
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: Object.fromEntries(
        Object.entries(options).map(([name, spec]) => [
          name,
          { type: spec.type, multiple: spec.multiple === true, ...(spec.short ? { short: spec.short } : {}) },
        ]),
      ),
    });
  } catch (cause) {
    throw usageError(command, options, cause);
  }
  const values = parsed.values as OptionValues;
  for (const [name, spec] of Object.entries(options)) {
    const value = values[name];
    if (spec.choices && typeof value === 'string' && !spec.choices.includes(value)) {
      throw new DigestError(
        'E_USAGE',
        `--${name} must be one of: ${spec.choices.join(', ')} (got "${value}"${didYouMean(value, spec.choices).replace(' (', ', ').replace(/\)$/, '')})`,
        {
          field: `--${name}`,
        },
      );
    }
  }
  if (!values.help) checkPositionals(command, parsed.positionals);
  return { values, positionals: parsed.positionals };
}

/** node:util's parseArgs error in plain words: the flag, the closest real one, and the fix. */
export function usageError(
  command: Command,
  options: Record<string, OptionSpec>,
  cause: unknown,
): DigestError {
  const raw = cause instanceof Error ? cause.message : String(cause);
  const help = `run \`digest ${command.name} --help\` for the flags it takes`;
  const flags = Object.keys(options).map((name) => `--${name}`);
  const unknown = /^Unknown option '([^']+)'/.exec(raw)?.[1];
  if (unknown !== undefined) {
    const name = unknown.split('=')[0] ?? unknown;
    return new DigestError('E_USAGE', `unknown flag ${name}${didYouMean(name, flags, '')}`, {
      hint: help,
      cause,
      quietCause: true,
    });
  }
  const flag = /^Option '(-\S+)/.exec(raw)?.[1];
  const spec = flag && options[flag.replace(/^-+/, '')];
  if (flag && /argument missing|is ambiguous/.test(raw)) {
    const valueName = spec && spec.type === 'string' ? (spec.valueName ?? 'value') : 'value';
    return new DigestError('E_USAGE', `${flag} needs a value: ${flag} <${valueName}>`, {
      field: flag,
      hint: `a value that starts with "-" is written ${flag}=-value; ${help}`,
      cause,
      quietCause: true,
    });
  }
  if (flag && /does not take an argument/.test(raw)) {
    return new DigestError('E_USAGE', `${flag} takes no value`, {
      field: flag,
      hint: `write ${flag} alone`,
      cause,
      quietCause: true,
    });
  }
  return new DigestError('E_USAGE', raw.replace(/\. To specify a positional.*$/s, ''), { hint: help });
}

function checkPositionals(command: Command, positionals: string[]): void {
  const specs = command.positionals ?? [];
  const required = specs.filter((p) => !p.optional).length;
  const variadic = specs.some((p) => p.variadic);
  if (positionals.length < required) {
    const missing = specs.slice(positionals.length).find((p) => !p.optional);
    throw new DigestError('E_USAGE', `missing argument ${missing?.name ?? ''}`.trim(), {
      hint: `usage: ${usageLine(command)}`,
    });
  }
  if (!variadic && positionals.length > specs.length) {
    throw new DigestError('E_USAGE', `unexpected argument "${positionals[specs.length]}"`, {
      hint: `usage: ${usageLine(command)}`,
    });
  }
}

/** The usage line of a command. */
export function usageLine(command: Command): string {
  if (command.usage) return command.usage;
  const pos = (command.positionals ?? [])
    .map((p) => (p.optional ? `[${p.name}]` : p.name) + (p.variadic ? '...' : ''))
    .join(' ');
  return `digest ${command.name} [options]${pos ? ` ${pos}` : ''}`;
}

/** Help text generated from the command's option table. */
export function commandHelp(command: Command): string {
  const options = { ...command.options, ...COMMON_OPTIONS };
  const rows = Object.entries(options).map(([name, spec]) => {
    const flag = `${spec.short ? `-${spec.short}, ` : '    '}--${name}${
      spec.type === 'string' ? ` <${spec.valueName ?? 'value'}>` : ''
    }`;
    const choices = spec.choices ? ` (one of: ${spec.choices.join(', ')})` : '';
    return [flag, spec.description + choices] as const;
  });
  const width = Math.max(...rows.map(([flag]) => flag.length)) + 2;
  const lines = [`Usage: ${usageLine(command)}`, '', command.summary, ''];
  if (command.positionals?.length) {
    lines.push('Arguments:');
    for (const p of command.positionals) lines.push(`  ${p.name.padEnd(width)}${p.description}`);
    lines.push('');
  }
  lines.push('Options:');
  for (const [flag, description] of rows) lines.push(`  ${flag.padEnd(width)}${description}`);
  if (command.notes) lines.push('', command.notes.trim());
  return `${lines.join('\n')}\n`;
}

/** Read a string flag. */
export function stringFlag(values: OptionValues, name: string): string | undefined {
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
}

/** The first positional as one of a command's actions, or a usage error listing them. */
export function actionOf<A extends string>(positionals: string[], actions: readonly A[], hint?: string): A {
  const action = positionals[0];
  if (action === undefined || !(actions as readonly string[]).includes(action)) {
    throw new DigestError('E_USAGE', `unknown action "${action}"; allowed: ${actions.join(', ')}`, {
      field: 'ACTION',
      ...(hint ? { hint } : {}),
    });
  }
  return action as A;
}

/** Read a positive integer flag, or a usage error naming it. */
export function intFlag(values: OptionValues, name: string, min = 0): number | undefined {
  const raw = stringFlag(values, name);
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw) || Number(raw) < min) {
    throw new DigestError('E_USAGE', `--${name} must be a whole number of at least ${min} (got "${raw}")`, {
      field: `--${name}`,
    });
  }
  return Number(raw);
}
