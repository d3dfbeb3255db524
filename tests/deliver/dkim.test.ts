import { createHash, generateKeyPairSync, verify } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dkimFromEnv, dkimSigner, messageIdFor, prepareDigestMessage } from '../../src/deliver/index.js';
import { tempDir } from '../helpers/cleanup.js';
import { sampleRendered } from './helpers.js';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });

function keyFolder(): string {
  const dir = tempDir('digest-dkim-');
  writeFileSync(join(dir, 'dkim.pem'), privateKey.export({ type: 'pkcs8', format: 'pem' }));
  return dir;
}

/** RFC 6376 relaxed canonicalisation, just enough to check a signature in a test. */
function relaxedHeader(line: string): string {
  const colon = line.indexOf(':');
  const name = line.slice(0, colon).trim().toLowerCase();
  const value = line
    .slice(colon + 1)
    .replace(/\r\n(?=[ \t])/g, '')
    .replace(/[ \t]+/g, ' ')
    .trim();
  return `${name}:${value}`;
}

function relaxedBody(body: string): string {
  const lines = body.split('\r\n').map((l) => l.replace(/[ \t]+/g, ' ').replace(/ $/, ''));
  while (lines.length && lines[lines.length - 1] === '') lines.pop();
  return lines.length ? `${lines.join('\r\n')}\r\n` : '';
}

describe('DKIM', () => {
  it('reads settings from the environment, all or nothing', () => {
    const cwd = keyFolder();
    expect(dkimFromEnv({}, cwd)).toBeUndefined();
    expect(() => dkimFromEnv({ DKIM_DOMAIN: 'example.com' }, cwd)).toThrow(
      /DKIM_SELECTOR, DKIM_PRIVATE_KEY_FILE not set/,
    );
    expect(() =>
      dkimFromEnv(
        { DKIM_DOMAIN: 'example.com', DKIM_SELECTOR: 's1', DKIM_PRIVATE_KEY_FILE: 'missing.pem' },
        cwd,
      ),
    ).toThrow(/can't read the DKIM private key/);
    expect(
      dkimFromEnv(
        { DKIM_DOMAIN: 'Example.com', DKIM_SELECTOR: 's1', DKIM_PRIVATE_KEY_FILE: 'dkim.pem' },
        cwd,
      ),
    ).toMatchObject({ domainName: 'example.com', keySelector: 's1' });
  });

  it('signs From, To, Subject, the List headers and the body, verifiably', async () => {
    const cwd = keyFolder();
    const settings = dkimFromEnv(
      { DKIM_DOMAIN: 'example.com', DKIM_SELECTOR: 's1', DKIM_PRIVATE_KEY_FILE: 'dkim.pem' },
      cwd,
    );
    if (!settings) throw new Error('no settings');
    const message = prepareDigestMessage(sampleRendered(), {
      from: 'digest@example.com',
      date: new Date('2020-09-14T07:00:00Z'),
    });
    const raw = await dkimSigner(settings)(
      message.build({
        email: 'ann@example.com',
        name: 'Ann',
        messageId: messageIdFor('k', 1, 'example.com'),
        unsubscribeUrl: 'https://news.example.com/unsubscribe?token=t',
      }),
    );
    const text = raw.toString('latin1');
    const split = text.indexOf('\r\n\r\n');
    const headers = text
      .slice(0, split + 2)
      .split(/\r\n(?![ \t])/)
      .filter(Boolean);
    const body = text.slice(split + 4);
    const signature = headers.find((h) => h.startsWith('DKIM-Signature:')) ?? '';
    const tags = Object.fromEntries(
      relaxedHeader(signature)
        .slice('dkim-signature:'.length)
        .split(';')
        .map((t) => t.trim().split(/=(.*)/s).slice(0, 2) as [string, string]),
    );
    expect(tags).toMatchObject({ v: '1', a: 'rsa-sha256', c: 'relaxed/relaxed', d: 'example.com', s: 's1' });
    const signed = (tags.h ?? '').toLowerCase().split(':');
    expect(signed).toEqual(
      expect.arrayContaining([
        'from',
        'to',
        'subject',
        'date',
        'message-id',
        'list-unsubscribe',
        'list-unsubscribe-post',
      ]),
    );
    expect(tags.bh).toBe(createHash('sha256').update(relaxedBody(body), 'latin1').digest('base64'));
    const byName = (name: string) => headers.filter((h) => h.toLowerCase().startsWith(`${name}:`)).pop();
    const canonical = signed
      .map((name) => byName(name))
      .filter((h): h is string => h !== undefined)
      .map((h) => `${relaxedHeader(h)}\r\n`)
      .join('');
    const unsigned = relaxedHeader(signature).replace(/b=[^;]*$/, 'b=');
    const ok = verify(
      'sha256',
      Buffer.from(canonical + unsigned, 'latin1'),
      publicKey,
      Buffer.from((tags.b ?? '').replace(/\s+/g, ''), 'base64'),
    );
    expect(ok).toBe(true);
  });
});
