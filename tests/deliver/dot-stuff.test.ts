import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Transform } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { dataTerminator, dotStuff, lastByte, type PrevByte } from '../../src/deliver/_dot-stuff.js';
import {
  createFileTransport,
  createSmtpTransport,
  type MessageSigner,
  prepareDigestMessage,
  type SendInput,
  type SendReport,
  sendDigest,
  smtpFromEnv,
} from '../../src/deliver/index.js';
import { PLACEHOLDERS } from '../../src/render/index.js';
import { MemoryLedger, openStore, type Store } from '../../src/store/index.js';
import { cleanups, runCleanups, tempDir } from '../helpers/cleanup.js';
import { startSmtpServer } from '../helpers/smtp.js';
import { parse, sampleRendered } from './helpers.js';

afterEach(runCleanups);

// nodemailer's own DataStream (what SMTPConnection.send pipes a message through) is the reference.
const require = createRequire(import.meta.url);
const DataStream = require(
  join(dirname(require.resolve('nodemailer/lib/smtp-connection')), 'data-stream.js'),
) as new () => Transform;

function viaDataStream(chunks: Buffer[]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const stream = new DataStream();
    const out: Buffer[] = [];
    stream.on('data', (c: Buffer) => out.push(c));
    stream.once('end', () => resolve(Buffer.concat(out)));
    stream.once('error', reject);
    for (const c of chunks) stream.write(c);
    stream.end();
  });
}

function piecewise(chunks: Buffer[]): Buffer {
  const out: Buffer[] = [];
  let prev: PrevByte;
  for (const c of chunks) {
    out.push(dotStuff(c, prev));
    prev = lastByte(c, prev);
  }
  out.push(dataTerminator(prev));
  return Buffer.concat(out);
}

/** A deterministic pseudo-random generator (tests must not flake). */
function random(seed: number): () => number {
  let x = seed;
  return () => {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    return x / 2 ** 31;
  };
}

const NOW = new Date('2020-09-14T07:00:00Z');
const SETTINGS = {
  from: '"News Digest" <digest@example.com>',
  unsubscribeMailto: 'unsub@example.com',
  date: NOW,
};

/** A digest whose text and HTML have lines starting with dots, and markers at line starts. */
function dottedRendered() {
  const text = [
    `${PLACEHOLDERS.name}`,
    '.a line that starts with a dot',
    '..two dots',
    '.',
    'a line',
    `.${PLACEHOLDERS.email}`,
    `Unsubscribe: ${PLACEHOLDERS.unsubscribeUrl}`,
    '.',
    '',
  ].join('\n');
  const html = [
    '<html><body>',
    `<p>${PLACEHOLDERS.name}</p>`,
    `.<p>${'x'.repeat(73)}.${'y'.repeat(200)}</p>`,
    '.',
    `<p><a href="${PLACEHOLDERS.unsubscribeUrl}">Unsubscribe</a></p>`,
    '</body></html>',
  ].join('\n');
  return sampleRendered({ text, html });
}

describe('SMTP dot-stuffing of prepared messages', () => {
  it('stuffing pieces with the byte before each gives what DataStream gives for the whole', async () => {
    const next = random(7);
    const alphabet = ['.', '.', '\r', '\n', '\r\n', 'a', 'b', ' ', '=', '\r\n.'];
    for (let round = 0; round < 300; round++) {
      const text = Array.from(
        { length: Math.floor(next() * 60) },
        () => alphabet[Math.floor(next() * alphabet.length)],
      ).join('');
      const whole = Buffer.from(text, 'latin1');
      const cuts = Array.from({ length: 4 }, () => Math.floor(next() * (whole.length + 1))).sort(
        (a, b) => a - b,
      );
      const chunks = [0, ...cuts].map((start, i) => whole.subarray(start, [...cuts, whole.length][i]));
      expect(piecewise(chunks).toString('latin1')).toBe((await viaDataStream([whole])).toString('latin1'));
    }
  });

  it("a copy's DATA pieces are exactly DataStream's bytes of the built message", async () => {
    const message = prepareDigestMessage(dottedRendered(), SETTINGS);
    const names = ['.Dot', '..', 'Reader 1', '', 'Zoë .Café', `.${'n'.repeat(90)}`, '.=. \r\n.x'];
    for (const [i, name] of names.entries()) {
      const recipient = {
        email: `r${i}@example.com`,
        name,
        messageId: `<id${i}@example.com>`,
        unsubscribeUrl: `https://news.example.com/unsubscribe?token=.${i}`,
      };
      const raw = message.build(recipient);
      const copy = message.copy(recipient);
      expect(Buffer.concat(copy.pieces as Buffer[]).equals(raw)).toBe(true);
      expect(copy.length).toBe(raw.length);
      const wire = Buffer.concat(copy.data as Buffer[]);
      expect(wire.toString('latin1')).toBe((await viaDataStream([raw])).toString('latin1'));
      expect(wire.toString('latin1')).toMatch(/\r\n\.\.a line that starts with a dot\r\n/);
    }
  });

  it('lines starting with "." arrive intact over a real SMTP server, byte-identical to the dry run', async () => {
    const { store, dir } = await dottedStore();
    const server = await startSmtpServer();
    const out = join(dir, 'eml');
    const dry = await sendDigest(dottedInput(), {
      subscribers: store.subscribers,
      ledger: new MemoryLedger(),
      transport: createFileTransport(out, 2),
      now: () => NOW,
    });
    expect(dry.counts.sent).toBe(2);
    const report = await smtpSend(server.url, store);
    expect(report).toMatchObject({ complete: true, counts: { sent: 2 } });
    expect(server.received.length).toBe(2);
    for (const m of server.received) {
      const eml = readFileSync(join(out, `000${m.to[0] === 'a@example.com' ? 1 : 2}-${m.to[0]}.eml`));
      expect(m.raw.equals(eml)).toBe(true);
      await expectDotsIntact(m.raw, m.to[0] ?? '');
    }
  });

  it('a signed message (one buffer, no prepared DATA) is dot-stuffed by nodemailer and arrives intact', async () => {
    const { store } = await dottedStore();
    const server = await startSmtpServer();
    const signed: Buffer[] = [];
    const signer = async (raw: Buffer) => {
      const out = Buffer.concat([Buffer.from('X-Signed: yes\r\n'), raw]);
      signed.push(out);
      return out;
    };
    const report = await smtpSend(server.url, store, signer);
    expect(report).toMatchObject({ complete: true, counts: { sent: 2 } });
    expect(server.received.length).toBe(2);
    for (const m of server.received) {
      expect(signed.some((s) => s.equals(m.raw))).toBe(true);
      expect(m.raw.toString('latin1').startsWith('X-Signed: yes\r\n')).toBe(true);
      await expectDotsIntact(m.raw, m.to[0] ?? '');
    }
  });
});

async function dottedStore() {
  const dir = tempDir();
  const store = openStore(join(dir, 'digest.db'));
  cleanups.push(() => store.close());
  await store.subscribers.importMany([
    { email: 'a@example.com', name: '.Dot Reader', topics: [] },
    { email: 'b@example.com', name: 'Plain Reader', topics: [] },
  ]);
  return { store, dir };
}

function dottedInput(): SendInput {
  return {
    digestKey: 'day:2020-09-13@UTC',
    date: '2020-09-13',
    rendered: dottedRendered(),
    message: { from: SETTINGS.from, unsubscribeMailto: SETTINGS.unsubscribeMailto },
    publicUrl: 'https://news.example.com',
    secret: 'test-secret-test-secret-test-secret-0123',
    settings: { connections: 2, rateLimit: 0, maxAttempts: 1, retryDelayMs: 10, maxConsecutiveFailures: 5 },
  };
}

async function smtpSend(url: string, store: Store, signer?: MessageSigner): Promise<SendReport> {
  const settings = smtpFromEnv({ SMTP_URL: url });
  if (!settings) throw new Error('no settings');
  const transport = createSmtpTransport(settings, { connections: 2, connectTimeoutMs: 3000 });
  try {
    return await sendDigest(dottedInput(), {
      subscribers: store.subscribers,
      ledger: store.ledger,
      transport,
      signer,
      now: () => NOW,
    });
  } finally {
    await transport.close();
  }
}

async function expectDotsIntact(raw: Buffer, to: string): Promise<void> {
  const mail = await parse(raw);
  const lines = (mail.text ?? '').split(/\r?\n/);
  expect(lines).toContain('.a line that starts with a dot');
  expect(lines).toContain('..two dots');
  expect(lines).toContain('.');
  expect(lines).toContain(`.${to}`);
  if (to === 'a@example.com') expect(lines[0]).toBe('.Dot Reader');
  expect(mail.html).toContain(`.<p>${'x'.repeat(73)}.${'y'.repeat(200)}</p>`);
}
