import { isAbsolute, relative } from 'node:path';

/**
 * One error type for the whole library, with a code from one table.
 * Only the CLI turns these into exit codes and printed cause chains.
 */

/** Every error code the library throws, with its one-line meaning. */
export const ERROR_CODES = {
  E_USAGE: 'a command-line flag or argument is wrong',
  E_CONFIG: 'the config file or an environment setting is invalid',
  E_CONTENT: 'an article file cannot be used',
  E_TEMPLATE: 'a template cannot be read, compiled or rendered',
  E_MJML: 'MJML rejected the rendered template',
  E_BUDGET: 'the email cannot fit the size budget',
  E_DB: 'the database cannot be opened or migrated',
  E_DB_VERSION: 'the database was written by a newer version',
  E_SUBSCRIBER: 'a subscriber entry is invalid',
  E_SEND_LOCKED: 'another send of the same digest is running',
  E_SMTP: 'the SMTP server failed or refused',
  E_SMTP_CONFIG: 'SMTP settings are missing or invalid',
  E_TOKEN: 'a signed token is forged, altered or malformed',
  E_SECRET: 'DIGEST_SECRET is missing or too short',
  E_SCHEDULE: 'the schedule settings are invalid',
  E_IO: 'a file or folder cannot be read or written',
  E_INTERNAL: 'an unexpected error (a bug): DEBUG=1 prints its stack',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface DigestErrorDetails {
  /** The file the problem is in, as the user would type it. */
  file?: string;
  /** The field, key or flag at fault. */
  field?: string;
  /** 1-based line in `file`, when known. */
  line?: number;
  /** What to do about it. */
  hint?: string;
  cause?: unknown;
  /**
   * The message already says what `cause` says (a library error turned into words): the cause is
   * printed only under DEBUG. Default false: the cause is the next line of the chain.
   */
  quietCause?: boolean;
}

export class DigestError extends Error {
  readonly code: ErrorCode;
  readonly file?: string;
  readonly field?: string;
  readonly line?: number;
  readonly hint?: string;
  readonly quietCause: boolean;

  constructor(code: ErrorCode, message: string, details: DigestErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'DigestError';
    this.code = code;
    this.file = details.file;
    this.field = details.field;
    this.line = details.line;
    this.hint = details.hint;
    this.quietCause = details.quietCause === true;
  }
}

/** How to print a chain: paths relative to `cwd` when inside it; quiet causes shown under `debug`. */
export interface ChainOptions {
  cwd?: string;
  debug?: boolean;
}

/** A file as the user would type it: relative to `cwd` when it is inside it. */
export function displayPath(file: string, cwd?: string): string {
  if (!cwd || !isAbsolute(file)) return file;
  const rel = relative(cwd, file);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : file;
}

/** `file: line N: field` of a DigestError, leaving out the field when the message starts with it. */
export function whereOf(error: DigestError, cwd?: string): string {
  const field = error.field && !error.message.startsWith(error.field) ? error.field : undefined;
  return [
    error.file && displayPath(error.file, cwd),
    error.line === undefined ? undefined : `line ${error.line}`,
    field,
  ]
    .filter(Boolean)
    .join(': ');
}

/**
 * The chain of causes of an error, outermost first, as printable lines: `where: message`, then
 * `   hint: ...` when there is one. A line equal to an earlier one is left out, and so is a library
 * cause its DigestError has put into words (`quietCause`), unless `debug`.
 */
export function causeChain(error: unknown, options: ChainOptions = {}): string[] {
  const lines: string[] = [];
  const add = (line: string) => {
    if (!lines.includes(line)) lines.push(line);
  };
  let current: unknown = error;
  for (let depth = 0; current !== undefined && current !== null && depth < 10; depth++) {
    if (current instanceof DigestError) {
      const where = whereOf(current, options.cwd);
      add(where ? `${where}: ${current.message}` : current.message);
      if (current.hint) add(`   hint: ${current.hint}`);
      if (current.quietCause && !options.debug) break;
    } else if (current instanceof Error) {
      add(current.message);
    } else {
      add(String(current));
    }
    current = current instanceof Error ? current.cause : undefined;
  }
  return lines;
}

/** The outermost DigestError in the chain that names a file, else the first DigestError. */
export function locatedError(error: unknown): DigestError | undefined {
  let first: DigestError | undefined;
  let current: unknown = error;
  for (let depth = 0; current instanceof Error && depth < 10; depth++) {
    if (current instanceof DigestError) {
      first ??= current;
      if (current.file) return current;
    }
    current = current.cause;
  }
  return first;
}

/** What `--json` prints for a failure: `{ ok: false, error: { code, message, file, line, field, hint } }`. */
export interface ErrorReport {
  ok: false;
  error: { code: string; message: string; file?: string; line?: number; field?: string; hint?: string };
}

/**
 * A failure as one JSON object. `code` is the outermost DigestError's (E_INTERNAL for anything
 * else); `message` is the chain without the file and line, which have their own keys.
 */
export function errorReport(error: unknown, options: ChainOptions = {}): ErrorReport {
  const outer = error instanceof DigestError ? error : undefined;
  const located = locatedError(error);
  const prefix = located ? whereOf(located, options.cwd) : '';
  const message = causeChain(error, options)
    .filter((line) => !line.startsWith('   hint:'))
    .map((line) => (prefix && line.startsWith(`${prefix}: `) ? line.slice(prefix.length + 2) : line))
    .join('\n');
  const details = {
    file: located?.file && displayPath(located.file, options.cwd),
    line: located?.line,
    field: located?.field,
    hint: located?.hint ?? outer?.hint,
  };
  return {
    ok: false,
    error: {
      code: outer?.code ?? located?.code ?? 'E_INTERNAL',
      message,
      ...Object.fromEntries(Object.entries(details).filter(([, v]) => v !== undefined)),
    },
  };
}
