import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import DKIM from 'nodemailer/lib/dkim';
import { DigestError } from '../errors.js';

/** DKIM signing settings. */
export interface DkimSettings {
  domainName: string;
  keySelector: string;
  /** PEM private key. */
  privateKey: string;
}

/** Signs a whole message; the result is what goes on the wire. */
export type MessageSigner = (raw: Buffer) => Promise<Buffer>;

const DKIM_ENV = ['DKIM_DOMAIN', 'DKIM_SELECTOR', 'DKIM_PRIVATE_KEY_FILE'] as const;

/**
 * DKIM settings from DKIM_DOMAIN, DKIM_SELECTOR and DKIM_PRIVATE_KEY_FILE (relative to `cwd`);
 * undefined when none is set, E_CONFIG when only some are or the key can't be read.
 */
export function dkimFromEnv(env: Record<string, string | undefined>, cwd: string): DkimSettings | undefined {
  const set = DKIM_ENV.filter((name) => (env[name] ?? '') !== '');
  if (set.length === 0) return undefined;
  const missing = DKIM_ENV.filter((name) => !set.includes(name));
  if (missing.length > 0) {
    throw new DigestError('E_CONFIG', `DKIM is half configured: ${missing.join(', ')} not set`, {
      field: missing[0],
      hint: `set all of ${DKIM_ENV.join(', ')} to sign messages, or none of them`,
    });
  }
  const file = resolve(cwd, env.DKIM_PRIVATE_KEY_FILE as string);
  let privateKey: string;
  try {
    privateKey = readFileSync(file, 'utf8');
    createPrivateKey(privateKey);
  } catch (cause) {
    throw new DigestError('E_CONFIG', "can't read the DKIM private key (PEM)", {
      file,
      field: 'DKIM_PRIVATE_KEY_FILE',
      cause,
    });
  }
  return {
    domainName: (env.DKIM_DOMAIN as string).trim().toLowerCase(),
    keySelector: (env.DKIM_SELECTOR as string).trim(),
    privateKey,
  };
}

/**
 * A signer that adds a DKIM-Signature header (relaxed/relaxed, rsa-sha256 over From, To, Subject,
 * Date, Message-ID, List-Id, List-Unsubscribe, List-Unsubscribe-Post and the MIME headers).
 */
export function dkimSigner(settings: DkimSettings): MessageSigner {
  const dkim = new DKIM({ ...settings, cacheDir: false });
  return (raw) =>
    new Promise((resolvePromise, reject) => {
      const chunks: Buffer[] = [];
      const stream = dkim.sign(raw);
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.once('error', reject);
      stream.once('end', () => resolvePromise(Buffer.concat(chunks)));
    });
}
