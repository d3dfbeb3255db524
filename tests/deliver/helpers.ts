import { join } from 'node:path';
import { type ParsedMail, simpleParser } from 'mailparser';
import { PLACEHOLDERS } from '../../src/render/index.js';
import { openStore } from '../../src/store/index.js';
import type { RenderedDigest } from '../../src/types.js';
import { tempDir } from '../helpers/cleanup.js';
import { ROOT } from '../helpers/cli.js';

/** The secret the CLI tests of digest send sign with. */
export const SECRET = 'cli-test-secret-cli-test-secret-cli-test';
/** Build flags for the newest day of the repository's sample content and templates. */
export const BUILD = [
  '--date',
  'latest',
  '--content',
  join(ROOT, 'content'),
  '--templates',
  join(ROOT, 'templates'),
];

/** A small rendered digest with every recipient marker, long lines and non-ASCII text. */
export function sampleRendered(overrides: Partial<RenderedDigest> = {}): RenderedDigest {
  const long = 'A very long paragraph without line breaks, about the day’s news — café, naïve, 東京. '.repeat(
    40,
  );
  const html = [
    '<!doctype html><html><body style="font-family:Arial,sans-serif">',
    `<p>Hello ${PLACEHOLDERS.name} (${PLACEHOLDERS.email}),</p>`,
    `<p>${long}</p>`,
    '<p><a href="https://example.com/a?x=1&amp;y=2">First story</a> — “quoted” text</p>',
    `<p><a href="${PLACEHOLDERS.unsubscribeUrl}">Unsubscribe</a></p>`,
    `<div>${'x'.repeat(2000)}</div>`,
    '</body></html>',
  ].join('\n');
  const text = [
    `Hello ${PLACEHOLDERS.name},`,
    '',
    long,
    '',
    '.a line that starts with a dot',
    'From the desk',
    `Unsubscribe: ${PLACEHOLDERS.unsubscribeUrl}`,
    '',
  ].join('\n');
  return {
    subject: 'Daily digest — 13 Sep 2020: café ☕',
    preheader: 'Top stories',
    html,
    text,
    mjml: '<mjml/>',
    ...overrides,
  };
}

/** A working folder whose default database (data/digest.db) holds `count` subscribers s001@example.com... */
export async function subscriberFolder(count: number, prefix: string): Promise<{ cwd: string; db: string }> {
  const cwd = tempDir(prefix);
  const db = join(cwd, 'data', 'digest.db');
  const store = openStore(db);
  await store.subscribers.importMany(
    Array.from({ length: count }, (_, i) => ({
      email: `s${String(i + 1).padStart(3, '0')}@example.com`,
      name: `Reader ${i + 1}`,
      topics: [],
    })),
  );
  store.close();
  return { cwd, db };
}

export const parse = (raw: Buffer | string): Promise<ParsedMail> => simpleParser(raw);

/** How many header lines of a raw message have this name (case-insensitive). */
export function headerCount(raw: Buffer | string, name: string): number {
  const text = raw.toString();
  const head = text.slice(0, text.indexOf('\r\n\r\n'));
  return head.split('\r\n').filter((line) => line.toLowerCase().startsWith(`${name.toLowerCase()}:`)).length;
}
