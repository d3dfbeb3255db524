import { didYouMean } from '../did-you-mean.js';
import { DigestError } from '../errors.js';

const DOCS_HINT = 'see docs/templates.md for the template files, variables and helpers';

/** The 1-based line of a Handlebars parse or runtime error in its template, when it says. */
export function handlebarsLine(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { lineNumber, message } = error as { lineNumber?: unknown; message?: unknown };
  if (typeof lineNumber === 'number') return lineNumber;
  const m = typeof message === 'string' ? /on line (\d+)/.exec(message) : null;
  return m?.[1] ? Number(m[1]) : undefined;
}

/**
 * Where a block that is never closed was opened (`{{#each` without `{{/each}}`): Handlebars
 * reports the end of the file, which is not where the mistake is. Undefined when all blocks close.
 */
export function unclosedBlock(source: string): { name: string; line: number } | undefined {
  const stack: { name: string; line: number }[] = [];
  const tag = /\{\{!--[\s\S]*?--\}\}|\{\{![\s\S]*?\}\}|\{\{~?\s*([#^/])\s*>?\s*([^\s}~]+)/g;
  for (let m = tag.exec(source); m; m = tag.exec(source)) {
    const [, kind, name] = m;
    if (!kind || !name) continue;
    if (kind === '/') {
      if (stack.at(-1)?.name === name) stack.pop();
    } else {
      stack.push({ name, line: source.slice(0, m.index).split('\n').length });
    }
  }
  return stack.at(-1);
}

/** A Handlebars failure (parse or render) in `file` as an E_TEMPLATE error with its line. */
export function templateError(
  error: unknown,
  file: string,
  source: string,
  during: string,
  context?: object,
): DigestError {
  if (error instanceof DigestError) return error;
  const raw = error instanceof Error ? error.message : String(error);
  const lines = raw.split('\n');
  // Parse errors read "Parse error on line N:" / excerpt / pointer / "Expecting ..., got ...".
  let summary =
    lines.length >= 4
      ? `${shortExpecting(lines[3] ?? '')} near "${lines[1]}"`
      : (lines[0] ?? raw).replace(/ - \d+:\d+$/, '').replace(/ in \[object Object\]/, '');
  let line = handlebarsLine(error);
  let hint = DOCS_HINT;
  if (/got 'EOF'/.test(raw)) {
    const open = unclosedBlock(source);
    if (open) {
      line = open.line;
      summary = `the block {{#${open.name}}} is never closed`;
      hint = `add {{/${open.name}}} where the block should end`;
    }
  } else if (/not defined in/.test(raw)) {
    const name = /^"([^"]+)" not defined/.exec(raw)?.[1];
    if (name && context) summary += didYouMean(name, variableNames(context));
    hint = `templates are strict: use a variable that exists; ${DOCS_HINT}`;
  } else if (/Missing helper/.test(raw)) {
    hint = `unknown helper; ${DOCS_HINT}`;
  }
  return new DigestError('E_TEMPLATE', `Cannot ${during} the template: ${summary}`, {
    file,
    line,
    hint,
    cause: error,
    quietCause: true,
  });
}

/**
 * Names a template can use: the context's keys, and one level into its objects and the first
 * element of its lists (the fields inside {{#each items}}).
 */
function variableNames(context: object): string[] {
  const names = new Set<string>();
  for (const [key, value] of Object.entries(context)) {
    names.add(key);
    const inner = Array.isArray(value) ? value[0] : value;
    if (inner && typeof inner === 'object') for (const k of Object.keys(inner)) names.add(k);
  }
  return [...names];
}

// Handlebars lists every token it would accept; past a few, only what it found helps.
function shortExpecting(line: string): string {
  const m = /^Expecting (.*), got '([^']*)'$/.exec(line);
  if (!m?.[1] || m[1].split(',').length <= 3) return line;
  if (m[2] === 'EOF') return 'unexpected end of file';
  return m[2] === 'INVALID' ? 'a tag that is not closed with }}' : `unexpected ${m[2]}`;
}
