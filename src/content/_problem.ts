import type { ContentProblem } from '../types.js';

/** Largest article file that is read, in bytes (1 MiB); the real corpus tops out near 250 KB. */
export const MAX_ARTICLE_BYTES = 1_048_576;

/** One problem as a line: `path: field: message (hint)`. */
export function formatProblem(p: ContentProblem): string {
  const line = `${p.path}: ${p.field}: ${p.message}`;
  return p.hint ? `${line} (${p.hint})` : line;
}

/** A problem with the whole file (size, encoding, readability), reported under the field `(file)`. */
export function fileProblem(path: string, message: string, hint?: string): ContentProblem {
  return hint === undefined ? { path, field: '(file)', message } : { path, field: '(file)', message, hint };
}

/** The problem for a file over MAX_ARTICLE_BYTES, shared by the pure parser and the loader. */
export function tooLargeProblem(path: string, bytes: number): ContentProblem {
  return fileProblem(
    path,
    `is ${bytes} bytes, larger than the ${MAX_ARTICLE_BYTES}-byte (1 MB) limit`,
    'shorten the related list or split the file',
  );
}

/** A value quoted for a message, cut short so a huge field cannot flood the report. */
export function shown(value: unknown): string {
  const text =
    value instanceof Date ? value.toISOString() : typeof value === 'string' ? value : String(value);
  const cut = text.length > 60 ? `${text.slice(0, 57)}...` : text;
  return JSON.stringify(cut);
}
