import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type * as jsYaml from 'js-yaml';
import * as v from 'valibot';
import { DigestError } from '../errors.js';
import { type Config, configSchema } from './_schema.js';

/** Config file names looked for in the working directory, first found wins. */
export const CONFIG_FILES = ['digest.config.json', 'digest.config.yaml', 'digest.config.yml'] as const;

/** Environment variables that override config keys. */
export const ENV_KEYS: Record<string, string> = {
  DIGEST_TZ: 'timeZone',
  DIGEST_FROM: 'from',
  DIGEST_PUBLIC_URL: 'publicUrl',
  DIGEST_DB: 'db',
  DIGEST_CONTENT: 'content',
  DIGEST_TEMPLATES: 'templates',
};

export interface LoadedConfig {
  config: Config;
  /** The config file used, if any. */
  file?: string;
}

/**
 * Load the configuration: defaults < config file in `cwd` < environment < flags.
 * `flags` holds only keys the user set (undefined values are ignored).
 */
export function loadConfig(
  cwd: string,
  env: Record<string, string | undefined>,
  flags: Record<string, unknown> = {},
): LoadedConfig {
  const found = CONFIG_FILES.map((name) => join(cwd, name)).find((p) => existsSync(p));
  let fromFile: Record<string, unknown> = {};
  if (found) fromFile = readConfigFile(found);
  const fromEnv: Record<string, unknown> = {};
  for (const [name, key] of Object.entries(ENV_KEYS)) {
    const value = env[name];
    if (value !== undefined && value !== '') fromEnv[key] = value;
  }
  const fromFlags = Object.fromEntries(Object.entries(flags).filter(([, v]) => v !== undefined));
  const merged = { ...fromFile, ...fromEnv, ...fromFlags };
  return { config: parseConfig(merged, found), file: found };
}

// Loaded for a YAML config file only (about 12 ms of every command's start-up otherwise).
const require = createRequire(import.meta.url);

function readConfigFile(path: string): Record<string, unknown> {
  let data: unknown;
  try {
    const text = readFileSync(path, 'utf8');
    data = path.endsWith('.json') ? JSON.parse(text) : (require('js-yaml') as typeof jsYaml).load(text);
  } catch (cause) {
    throw new DigestError('E_CONFIG', `Can't read config file`, {
      file: path,
      hint: 'fix the syntax error named below',
      cause,
    });
  }
  if (data === null || data === undefined) return {};
  if (typeof data !== 'object' || Array.isArray(data)) {
    throw new DigestError('E_CONFIG', 'the config file must hold an object of keys', { file: path });
  }
  return data as Record<string, unknown>;
}

function configError(issues: v.BaseIssue<unknown>[], file: string): DigestError {
  const [first, ...rest] = issues.map((issue) => [keyOf(issue), messageOf(issue)] as const);
  // Shown as `file: key: message`; any other bad keys after it.
  const others = rest.map(([key, message]) => `${key}: ${message}`).join('; ');
  return new DigestError('E_CONFIG', `${first?.[1] ?? 'invalid config'}${others ? `; also ${others}` : ''}`, {
    file,
    field: first?.[0] ?? '(root)',
    hint: 'see docs/config.md for each key and its allowed values',
  });
}

/** The dotted key an issue is about, e.g. `send.connections`. */
function keyOf(issue: v.BaseIssue<unknown>): string {
  return issue.path?.map((item) => String(item.key)).join('.') || '(root)';
}

/** The issue's message, with an unknown key said as such. */
function messageOf(issue: v.BaseIssue<unknown>): string {
  return issue.type === 'strict_object' ? 'unknown key (check its spelling)' : issue.message;
}

/** The configuration with every default filled in, or a DigestError naming each bad key. */
export function parseConfig(input: Record<string, unknown>, file = 'configuration'): Config {
  const parsed = v.safeParse(configSchema, input);
  if (!parsed.success) throw configError(parsed.issues, file);
  return parsed.output;
}
