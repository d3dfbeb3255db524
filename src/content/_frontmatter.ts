import { createRequire } from 'node:module';
import type grayMatter from 'gray-matter';
import type * as jsYaml from 'js-yaml';
import { isRecord } from './_fields.js';

// Loaded on the first full parse, not at import: a warm build decides every file from the
// content index and never needs a YAML parser.
const require = createRequire(import.meta.url);
let yamlLibs: { matter: typeof grayMatter; yaml: typeof jsYaml } | undefined;
function libs() {
  yamlLibs ??= { matter: require('gray-matter'), yaml: require('js-yaml') };
  return yamlLibs;
}

/** The front matter as data, or why it can't be read (message and hint for the `(front matter)` field). */
export type FrontMatter = { data: Record<string, unknown> } | { message: string; hint: string };

const OPENING = /^---[ \t]*\r?\n/;

/**
 * Parse the YAML front matter of an article text.
 * - The options object matters: without one gray-matter caches by text, and a broken file
 *   whose body matches an earlier good one would come back as that file's data.
 * - YAML 1.2 core schema: timestamps stay strings, so `2021-02-05` is a date-only value we
 *   place in the configured time zone instead of the parser reading it as UTC midnight.
 * - Only YAML: gray-matter would otherwise run `---js` front matter through eval.
 */
export function readFrontMatter(text: string): FrontMatter {
  if (!OPENING.test(text)) {
    return {
      message: 'no YAML front matter: the file must start with a line of three dashes (---)',
      hint: 'put the fields between a --- line at the top and a closing --- line',
    };
  }
  let data: unknown;
  try {
    data = libs().matter(text, {
      language: 'yaml',
      engines: { yaml: parseYaml, javascript: refuse, json: refuse, coffee: refuse },
    }).data;
  } catch (error) {
    return { message: yamlMessage(error), hint: YAML_HINT };
  }
  if (!isRecord(data)) {
    return { message: 'front matter must be `key: value` lines', hint: YAML_HINT };
  }
  return { data };
}

const YAML_HINT =
  'check indentation and quoting on that line; put values containing ": " or "#" in double quotes';

function parseYaml(source: string): object {
  // An empty front matter block is allowed here; the required fields report what is missing.
  const { yaml } = libs();
  return (yaml.load(source, { schema: yaml.CORE_SCHEMA, maxAliases: 50 }) ?? {}) as object;
}

function refuse(): never {
  throw new Error('front matter must be YAML (the first line must be exactly ---)');
}

/** `line 5: bad indentation of a mapping entry`, with the line counted in the whole file. */
function yamlMessage(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const { reason, mark } = error as Error & { reason?: unknown; mark?: { line?: unknown } };
  if (typeof reason === 'string' && typeof mark?.line === 'number') {
    // gray-matter hands the parser everything after the opening `---`, starting with that
    // line's newline, so the parser's 0-based line number is the file's 1-based line.
    return `line ${mark.line + 1}: ${reason}`;
  }
  return error.message;
}
