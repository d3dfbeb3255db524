import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load as loadYaml } from 'js-yaml';
import type { z } from 'zod';
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
  const parsed = configSchema.safeParse(merged);
  if (!parsed.success) throw configError(parsed.error, found ?? 'configuration');
  return { config: parsed.data, file: found };
}

function readConfigFile(path: string): Record<string, unknown> {
  let data: unknown;
  try {
    const text = readFileSync(path, 'utf8');
    data = path.endsWith('.json') ? JSON.parse(text) : loadYaml(text);
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

function configError(error: z.ZodError, file: string): DigestError {
  const issue = error.issues[0];
  const key = issue?.path.join('.') || '(root)';
  const all = error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
  return new DigestError('E_CONFIG', `invalid config: ${all}`, {
    file,
    field: key,
    hint: 'see "Config options" in the README for each key and its allowed values',
  });
}
