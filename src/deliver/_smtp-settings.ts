import { DigestError } from '../errors.js';

/** Where and how to connect; from SMTP_URL or SMTP_HOST/PORT/USER/PASS/SECURE. */
export interface SmtpSettings {
  host: string;
  port: number;
  /** TLS from the start (port 465); otherwise STARTTLS when the server offers it. */
  secure: boolean;
  user?: string;
  pass?: string;
  /** For messages: the URL with the password masked. */
  description: string;
}

/**
 * SMTP settings from the environment, or undefined when none is set. `SMTP_URL`
 * (`smtp://user:pass@host:587`, `smtps://...:465`) wins over the SMTP_HOST family.
 */
export function smtpFromEnv(env: Record<string, string | undefined>): SmtpSettings | undefined {
  const url = (env.SMTP_URL ?? '').trim();
  if (url !== '') return fromUrl(url);
  const host = (env.SMTP_HOST ?? '').trim();
  if (host === '') return undefined;
  const secure = flag(env.SMTP_SECURE, 'SMTP_SECURE');
  const port = env.SMTP_PORT ? portNumber(env.SMTP_PORT, 'SMTP_PORT') : secure ? 465 : 587;
  const user = env.SMTP_USER || undefined;
  const pass = env.SMTP_PASS || undefined;
  return { host, port, secure, user, pass, description: describe(secure, host, port, user, pass) };
}

function fromUrl(text: string): SmtpSettings {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    // Not echoed: a value that doesn't parse can't be masked reliably and may hold the password.
    throw new DigestError('E_SMTP_CONFIG', 'SMTP_URL is not a valid URL', {
      field: 'SMTP_URL',
      hint: 'use smtp://user:pass@host:587 or smtps://user:pass@host:465 (percent-encode special characters)',
    });
  }
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') {
    throw new DigestError(
      'E_SMTP_CONFIG',
      `SMTP_URL must start with smtp:// or smtps:// (${maskUrl(text)})`,
      {
        field: 'SMTP_URL',
      },
    );
  }
  const secure = url.protocol === 'smtps:';
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (host === '') throw new DigestError('E_SMTP_CONFIG', 'SMTP_URL has no host', { field: 'SMTP_URL' });
  const port = url.port ? Number(url.port) : secure ? 465 : 587;
  const user = url.username ? decodeURIComponent(url.username) : undefined;
  const pass = url.password ? decodeURIComponent(url.password) : undefined;
  return { host, port, secure, user, pass, description: describe(secure, host, port, user, pass) };
}

function describe(secure: boolean, host: string, port: number, user?: string, pass?: string): string {
  const who = user ? `${encodeURIComponent(user)}${pass ? ':****' : ''}@` : '';
  const name = host.includes(':') ? `[${host}]` : host;
  return `${secure ? 'smtps' : 'smtp'}://${who}${name}:${port}`;
}

/** A connection URL with its password replaced by `****`, for any message that shows it. */
export function maskUrl(text: string): string {
  return text.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@\s]*):[^@\s]*@/i, '$1:****@');
}

/**
 * Remove every occurrence of the password from a text that goes to output (stderr, --json, the
 * ledger's last reply): raw, URL-encoded, and as the base64 forms it takes on the wire, since a
 * server may echo what it got: AUTH PLAIN's `\0user\0pass` (with or without the user as authzid)
 * and AUTH LOGIN's password, padded or not.
 */
export function redact(text: string, settings: Pick<SmtpSettings, 'pass' | 'user'> | undefined): string {
  const pass = settings?.pass;
  if (!pass) return text;
  const user = settings?.user ?? '';
  const base64 = (value: string) => Buffer.from(value, 'utf8').toString('base64');
  const encoded = [`\u0000${user}\u0000${pass}`, `${user}\u0000${user}\u0000${pass}`, pass].map(base64);
  const forms = [...encoded, ...encoded.map((b) => b.replace(/=+$/, '')), pass, encodeURIComponent(pass)];
  let out = text;
  // Longest first, so a blob is replaced whole rather than around a shorter form inside it.
  for (const form of [...new Set(forms)].sort((a, b) => b.length - a.length)) {
    if (form.length >= 3) out = out.split(form).join('****');
  }
  return out;
}

function flag(value: string | undefined, name: string): boolean {
  const v = (value ?? '').trim().toLowerCase();
  if (v === '' || v === 'false' || v === '0' || v === 'no') return false;
  if (v === 'true' || v === '1' || v === 'yes') return true;
  throw new DigestError('E_SMTP_CONFIG', `${name} must be true or false (got "${value}")`, { field: name });
}

function portNumber(value: string, name: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new DigestError('E_SMTP_CONFIG', `${name} must be a port number 1-65535 (got "${value}")`, {
      field: name,
    });
  }
  return port;
}
