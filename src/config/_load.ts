import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import type * as jsYaml from 'js-yaml';
import * as v from 'valibot';
import { didYouMean } from '../did-you-mean.js';
import { DigestError, displayPath } from '../errors.js';
import { type Config, configSchema } from './_schema.js';

/** Config file names looked for in the working directory, first found wins. */
export const CONFIG_FILES = ['digest.config.json', 'digest.config.yaml', 'digest.config.yml'] as const;

/** Environment variables that override config keys. */
export const ENV_KEYS: Record<string, string> = {
  DIGEST_TZ: 'timeZone',
  DIGEST_FROM: 'from',
  DIGEST_PUBLIC_URL: 'publicUrl',
  DIGEST_DB: 'db',
  DIGEST_CACHE_DB: 'cacheDb',
  DIGEST_CONTENT: 'content',
  DIGEST_TEMPLATES: 'templates',
};

export interface LoadedConfig {
  config: Config;
  /** The config file used, if any. */
  file?: string;
}

/**
 * Load the configuration: defaults < config file < environment < flags. The file is
 * `DIGEST_CONFIG` (what `--config FILE` sets), else the first of CONFIG_FILES in `cwd`.
 * `flags` holds only keys the user set (undefined values are ignored).
 */
export function loadConfig(
  cwd: string,
  env: Record<string, string | undefined>,
  flags: Record<string, unknown> = {},
): LoadedConfig {
  const found = configFile(cwd, env);
  let fromFile: Record<string, unknown> = {};
  let text = '';
  if (found) ({ data: fromFile, text } = readConfigFile(found));
  const fromEnv: Record<string, unknown> = {};
  // Where a top-level key's value came from when not from the file, for the error that names it.
  const sources: Record<string, string> = {};
  for (const [name, key] of Object.entries(ENV_KEYS)) {
    const value = env[name];
    if (value !== undefined && value !== '') {
      fromEnv[key] = value;
      sources[key] = name;
    }
  }
  const fromFlags = Object.fromEntries(Object.entries(flags).filter(([, v]) => v !== undefined));
  for (const key of Object.keys(fromFlags)) sources[key] = key === 'timeZone' ? '--tz' : `--${key}`;
  const merged = { ...fromFile, ...fromEnv, ...fromFlags };
  const parsed = v.safeParse(configSchema, merged);
  if (!parsed.success) throw configError(parsed.issues, found ?? 'configuration', { text, sources, cwd });
  return { config: parsed.output, file: found };
}

/** The config file to read: DIGEST_CONFIG (it must exist), else the first of CONFIG_FILES in `cwd`. */
export function configFile(cwd: string, env: Record<string, string | undefined>): string | undefined {
  const named = env.DIGEST_CONFIG;
  if (named) {
    const path = resolve(cwd, named);
    if (!existsSync(path)) {
      throw new DigestError('E_CONFIG', 'the config file does not exist', {
        file: path,
        hint: `check the path given to --config (or DIGEST_CONFIG); without it ${CONFIG_FILES.join(', ')} in the working folder are read`,
      });
    }
    return path;
  }
  return CONFIG_FILES.map((name) => join(cwd, name)).find((p) => existsSync(p));
}

// Loaded for a YAML config file only (about 12 ms of every command's start-up otherwise).
const require = createRequire(import.meta.url);

function readConfigFile(path: string): { data: Record<string, unknown>; text: string } {
  let data: unknown;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new DigestError('E_CONFIG', `Can't read the config file`, { file: path, cause });
  }
  try {
    data =
      path.endsWith('.json') || path.endsWith('.jsonc')
        ? JSON.parse(text)
        : (require('js-yaml') as typeof jsYaml).load(text);
  } catch (cause) {
    throw syntaxError(cause, path, text);
  }
  if (data === null || data === undefined) return { data: {}, text };
  if (typeof data !== 'object' || Array.isArray(data)) {
    throw new DigestError('E_CONFIG', 'the config file must hold an object of keys', { file: path });
  }
  return { data: data as Record<string, unknown>, text };
}

/** A JSON or YAML syntax error as `file: line N: what is wrong (column C)`, with the fix when known. */
export function syntaxError(cause: unknown, file: string, text: string): DigestError {
  const raw = cause instanceof Error ? cause.message : String(cause);
  const yaml = cause as { reason?: string; mark?: { line?: number; column?: number } };
  if (yaml.mark && typeof yaml.mark.line === 'number') {
    return new DigestError('E_CONFIG', `${yaml.reason ?? raw} (column ${(yaml.mark.column ?? 0) + 1})`, {
      file,
      line: yaml.mark.line + 1,
      hint: 'fix the YAML at that line: nested keys are indented by the same number of spaces',
      cause,
      quietCause: true,
    });
  }
  const position = /at position (\d+)/.exec(raw)?.[1];
  const at = position === undefined ? text.length : Number(position);
  const before = text.slice(0, at);
  const line = before.split('\n').length;
  const column = at - before.lastIndexOf('\n');
  const what = raw.replace(/ in JSON at position \d+.*$/s, '').replace(/ \(line \d+ column \d+\)$/, '');
  const trailingComma = /,\s*$/.test(before) && /^\s*[}\]]/.test(text.slice(at));
  return new DigestError('E_CONFIG', `${what} (column ${column})`, {
    file,
    line,
    hint: trailingComma
      ? 'remove the comma before the closing bracket: JSON allows no trailing comma'
      : 'fix the JSON at that line: keys and strings in double quotes, commas between entries, none after the last',
    cause,
    quietCause: true,
  });
}

interface ConfigOrigin {
  /** The config file's text, to find the line of a key. */
  text?: string;
  /** The working folder, to name the file relative to it in the middle of a message. */
  cwd?: string;
  /** Top-level keys set by an environment variable or a flag: its name. */
  sources?: Record<string, string>;
}

function configError(issues: v.BaseIssue<unknown>[], file: string, origin: ConfigOrigin = {}): DigestError {
  const [first, ...rest] = issues.map((issue) => [keyOf(issue), messageOf(issue)] as const);
  const key = first?.[0] ?? '(root)';
  const sourceOf = (k: string) => origin.sources?.[k.split('.')[0] ?? ''];
  const source = sourceOf(key);
  // Shown as `file: line N: key: message`; any other bad keys after it, each named by where it is set.
  const others = rest
    .map(([k, m]) => {
      const from = sourceOf(k);
      return from
        ? `${from} (${k}): ${m}`
        : `${source ? `${displayPath(file, origin.cwd)}: ` : ''}${k}: ${m}`;
    })
    .join('; ');
  const message = `${first?.[1] ?? 'invalid config'}${others ? `; also ${others}` : ''}`;
  if (source?.startsWith('--')) {
    return new DigestError('E_USAGE', message, {
      field: source,
      hint: 'see docs/config.md for the allowed values',
    });
  }
  if (source) {
    return new DigestError('E_CONFIG', message, {
      field: `${source} (${key})`,
      hint: `fix ${source} in .env or the environment; see docs/config.md for the allowed values`,
    });
  }
  return new DigestError('E_CONFIG', message, {
    file,
    line: origin.text ? lineOfKey(origin.text, key.split('.')) : undefined,
    field: key,
    hint: 'see docs/config.md for each key and its allowed values',
  });
}

/**
 * The 1-based line of a dotted key in a JSON or YAML config text: each part is looked for after
 * the one before (`"send"`, then `"connections"`); array indexes are skipped. Undefined when not found.
 */
export function lineOfKey(text: string, path: string[]): number | undefined {
  let from = 0;
  let at = -1;
  for (const part of path) {
    if (/^\d+$/.test(part)) continue;
    const name = part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const pattern = new RegExp(`"${name}"\\s*:|^[ \\t-]*['"]?${name}['"]?\\s*:`, 'gm');
    pattern.lastIndex = from;
    const match = pattern.exec(text);
    if (!match) return undefined;
    at = match.index;
    from = match.index + match[0].length;
  }
  return at < 0 ? undefined : text.slice(0, at).split('\n').length;
}

/** The dotted key an issue is about, e.g. `send.connections`. */
function keyOf(issue: v.BaseIssue<unknown>): string {
  return issue.path?.map((item) => String(item.key)).join('.') || '(root)';
}

/** The issue's message, with an unknown key said as such and the closest known key. */
function messageOf(issue: v.BaseIssue<unknown>): string {
  if (issue.type !== 'strict_object') return issue.message;
  const keys = issue.path?.map((item) => String(item.key)) ?? [];
  const known = keysAt(keys.slice(0, -1));
  const suggestion = didYouMean(keys.at(-1) ?? '', known);
  return `unknown key${suggestion || ' (check its spelling)'}`;
}

/** The keys the schema allows in the object at `path` (e.g. ['send'] for send.*). */
function keysAt(path: string[]): string[] {
  // biome-ignore lint/suspicious/noExplicitAny: walking valibot's schema objects, whose types are generic
  let schema: any = configSchema;
  for (const key of path) {
    while (schema?.wrapped) schema = schema.wrapped;
    schema = schema?.entries?.[key];
  }
  while (schema?.wrapped) schema = schema.wrapped;
  return Object.keys(schema?.entries ?? {});
}

/** The configuration with every default filled in, or a DigestError naming each bad key. */
export function parseConfig(input: Record<string, unknown>, file = 'configuration'): Config {
  const parsed = v.safeParse(configSchema, input);
  if (!parsed.success) throw configError(parsed.issues, file);
  return parsed.output;
}
