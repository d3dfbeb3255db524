import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import { DigestError } from '../errors.js';

/** The file of settings read from the working folder (git-ignored; `.env.example` shows every key). */
export const ENV_FILE = '.env';

export interface EnvWithFile {
  /** The real environment, with the file's variables added where the environment has none. */
  env: Record<string, string | undefined>;
  /** The file read, absolute; undefined when there is none. */
  file?: string;
  /** Variables taken from the file. */
  used: string[];
  /** Variables in the file that the real environment already set, and so kept. */
  overridden: string[];
}

/**
 * Add `.env` from `cwd` to `env`: the real environment wins, as with `node --env-file`.
 * Parsed with Node's own parser (`util.parseEnv`, the one behind `process.loadEnvFile`), into a
 * new object: `process.env` is not touched, so `cwd` and `env` stay parameters.
 */
export function withEnvFile(cwd: string, env: Record<string, string | undefined>): EnvWithFile {
  const file = join(cwd, ENV_FILE);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { env, used: [], overridden: [] };
    throw new DigestError('E_CONFIG', `Can't read ${ENV_FILE}`, {
      file,
      hint: `make the file readable, or remove it and set the variables in the environment`,
      cause: error,
    });
  }
  const merged = { ...env };
  const used: string[] = [];
  const overridden: string[] = [];
  for (const [name, value] of Object.entries(parseEnv(text))) {
    if (env[name] !== undefined) overridden.push(name);
    else {
      merged[name] = value;
      used.push(name);
    }
  }
  return { env: merged, file, used, overridden };
}

/** The DEBUG line that says which file was read, e.g. `debug: read /srv/digest/.env: 3 variables (...)`. */
export function envFileNote(loaded: EnvWithFile): string {
  if (!loaded.file) return `debug: no ${ENV_FILE} in the working folder; using the environment only`;
  const kept = loaded.overridden.length ? `; kept from the environment: ${loaded.overridden.join(', ')}` : '';
  const n = loaded.used.length;
  return `debug: read ${loaded.file}: ${n} variable${n === 1 ? '' : 's'}${n ? ` (${loaded.used.join(', ')})` : ''}${kept}`;
}
