import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createFileTransport,
  createSmtpTransport,
  type SendInput,
  sendDigest,
  smtpFromEnv,
} from '../../src/deliver/index.js';
import { MemoryLedger, openStore } from '../../src/store/index.js';
import { cleanups, runCleanups, tempDir } from '../helpers/cleanup.js';
import { smtpServer } from '../helpers/smtp.js';
import { sampleRendered } from './helpers.js';

afterEach(runCleanups);

const COUNT = 120;
const NOW = new Date('2020-09-14T07:00:00Z');

// Copies of different sizes, so a reused buffer is sometimes too small and sometimes larger than
// the next copy: every tenth name is two kilobytes longer than the others.
function subscribers() {
  return Array.from({ length: COUNT }, (_, i) => ({
    email: `r${String(i + 1).padStart(3, '0')}@example.com`,
    name: i % 10 === 3 ? `Reader ${i + 1} ${'Ünïcode '.repeat(250)}` : `R ${i + 1}`,
    topics: [],
  }));
}

const input: SendInput = {
  digestKey: 'day:2020-09-13@UTC',
  date: '2020-09-13',
  rendered: sampleRendered(),
  message: { from: '"News Digest" <digest@example.com>', listId: '', unsubscribeMailto: '' },
  publicUrl: 'https://news.example.com',
  secret: 'test-secret-test-secret-test-secret-0123',
  settings: { connections: 2, rateLimit: 0, maxAttempts: 3, retryDelayMs: 20, maxConsecutiveFailures: 50 },
};

describe('the SMTP transport sends each recipient exactly their copy', () => {
  it('byte for byte as the dry run writes it, across reused buffers, a dropped connection and refused recipients', async () => {
    const store = openStore(join(tempDir(), 'digest.db'));
    cleanups.push(() => store.close());
    await store.subscribers.importMany(subscribers());
    const out = tempDir();
    const dry = await sendDigest(input, {
      subscribers: store.subscribers,
      ledger: new MemoryLedger(),
      transport: createFileTransport(out, COUNT),
      now: () => NOW,
    });
    expect(dry.counts.sent).toBe(COUNT);

    // Message 40 is dropped after its data (unknown, not retried); every seventh address is
    // refused once with a 451 (its copy failed before the data, then retried).
    const s = await smtpServer({
      onData: (n) => (n === 40 ? 'drop-before-reply' : 'accept'),
      onRcpt: (address, attempt) =>
        Number(address.slice(1, 4)) % 7 === 0 && attempt === 1 ? [451, '4.7.1 try again later'] : undefined,
    });
    const settings = smtpFromEnv({ SMTP_URL: s.url });
    if (!settings) throw new Error('no settings');
    const transport = createSmtpTransport(settings, { connections: 2, connectTimeoutMs: 3000 });
    const report = await sendDigest(input, {
      subscribers: store.subscribers,
      ledger: store.ledger,
      transport,
      now: () => NOW,
    }).finally(() => transport.close());
    expect(report.counts).toMatchObject({ sent: COUNT - 1, unknown: 1 });

    const files = new Map(readdirSync(out).map((f) => [f.replace(/^\d+-/, '').replace(/\.eml$/, ''), f]));
    expect(s.received.length).toBe(COUNT);
    const sizes = new Set<number>();
    for (const m of s.received) {
      const eml = readFileSync(join(out, files.get(m.to[0] as string) as string));
      expect(m.raw.equals(eml), `the message to ${m.to[0]}`).toBe(true);
      sizes.add(eml.length);
    }
    // The sizes did vary (the long names), so buffers were both reused and outgrown.
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeGreaterThan(2000);
  });
});
