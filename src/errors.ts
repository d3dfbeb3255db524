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
}

export class DigestError extends Error {
  readonly code: ErrorCode;
  readonly file?: string;
  readonly field?: string;
  readonly line?: number;
  readonly hint?: string;

  constructor(code: ErrorCode, message: string, details: DigestErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'DigestError';
    this.code = code;
    this.file = details.file;
    this.field = details.field;
    this.line = details.line;
    this.hint = details.hint;
  }
}

/** The chain of causes of an error, outermost first, as printable lines. */
export function causeChain(error: unknown): string[] {
  const lines: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && current !== null && depth < 10; depth++) {
    if (current instanceof DigestError) {
      const where = [
        current.file,
        current.line === undefined ? undefined : `line ${current.line}`,
        current.field,
      ]
        .filter(Boolean)
        .join(': ');
      lines.push(where ? `${where}: ${current.message}` : current.message);
      if (current.hint) lines.push(`   hint: ${current.hint}`);
    } else if (current instanceof Error) {
      lines.push(current.message);
    } else {
      lines.push(String(current));
    }
    current = current instanceof Error ? current.cause : undefined;
  }
  return lines;
}
