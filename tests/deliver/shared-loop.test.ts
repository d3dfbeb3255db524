import { afterEach, describe, expect, it } from 'vitest';
import {
  createSmtpTransport,
  type DeliveryTransport,
  type SendInput,
  sendDigest,
  smtpFromEnv,
} from '../../src/deliver/index.js';
import { connectStore, type DigestParts, type Store } from '../../src/store/index.js';
import { cleanups, runCleanups } from '../helpers/cleanup.js';
import { freshPgDatabase } from '../helpers/pg.js';
import { copiesPerAddress, smtpServer, type TestServer } from '../helpers/smtp.js';
import { parse, sampleRendered } from './helpers.js';

/**
 * The send loop on a shared ledger (PostgreSQL), in this process: several sendDigest calls, each
 * with its own store (its own pool, as another process would have), on one database.
 */

const SECRET = 'test-secret-test-secret-test-secret-0123';
const NOW = new Date('2020-09-14T07:00:00Z');
afterEach(runCleanups);

/** A fresh database with `count` subscribers, and `senders` stores on it (a pool each). */
async function senders(count: number, senders: number): Promise<Store[]> {
  const database = await freshPgDatabase();
  cleanups.push(() => database.drop());
  const stores: Store[] = [];
  for (let i = 0; i < senders; i++) {
    const store = await connectStore(database.url, { leaseMs: 2000 });
    cleanups.push(() => store.close());
    stores.push(store);
  }
  await (stores[0] as Store).subscribers.importMany(
    Array.from({ length: count }, (_, i) => ({
      email: `s${String(i + 1).padStart(3, '0')}@example.com`,
      name: `Reader ${i + 1}`,
      topics: [],
    })),
  );
  return stores;
}

function input(overrides: Partial<SendInput> = {}): SendInput {
  return {
    digestKey: 'day:2020-09-13@UTC',
    date: '2020-09-13',
    rendered: sampleRendered(),
    items: 3,
    message: { from: '"News Digest" <digest@example.com>', listId: '', unsubscribeMailto: '' },
    publicUrl: 'https://news.example.com',
    secret: SECRET,
    settings: {
      connections: 2,
      rateLimit: 0,
      maxAttempts: 3,
      retryDelayMs: 20,
      maxConsecutiveFailures: 1000,
      leaseSeconds: 2,
    },
    ...overrides,
  };
}

function smtp(s: TestServer): DeliveryTransport {
  const settings = smtpFromEnv({ SMTP_URL: s.url });
  if (!settings) throw new Error('no settings');
  const transport = createSmtpTransport(settings, { connections: 2, connectTimeoutMs: 3000 });
  cleanups.push(() => transport.close());
  return transport;
}

/** The parts each send handed to onSharedCopy (what the archive keeps), in call order. */
const sharedCopies: DigestParts[] = [];

function send(
  store: Store,
  transport: DeliveryTransport,
  overrides: Partial<SendInput> = {},
  signal?: AbortSignal,
) {
  return sendDigest(input(overrides), {
    subscribers: store.subscribers,
    ledger: store.ledger,
    transport,
    now: () => NOW,
    signal,
    onSharedCopy: async (parts) => void sharedCopies.push(parts),
  });
}

describe('sendDigest on a shared ledger', () => {
  it('two senders split the digest: each message once, each retry (4xx) by the sender that holds the row', async () => {
    const [a, b] = (await senders(120, 2)) as [Store, Store];
    // Every recipient is refused once; each sender has its own server, so a row's attempts show who made them.
    const refuseFirst = (_: string, attempt: number): [number, string] | undefined =>
      attempt === 1 ? [451, '4.3.2 try again later'] : undefined;
    const sinkA = await smtpServer({ onRcpt: refuseFirst });
    const sinkB = await smtpServer({ onRcpt: refuseFirst });
    const [ra, rb] = await Promise.all([send(a, smtp(sinkA)), send(b, smtp(sinkB))]);

    expect(ra.complete && rb.complete).toBe(true);
    expect(ra.counts.sent + rb.counts.sent).toBe(120);
    expect(ra.workerId).not.toBe(rb.workerId);
    const got = copiesPerAddress([...sinkA.received, ...sinkB.received]);
    expect(got.size).toBe(120);
    expect([...got.values()].filter((n) => n !== 1)).toEqual([]);
    for (const [address] of got) {
      // Both attempts at one server: the retry never moved to the other sender.
      const tries = [sinkA.rcptAttempts.get(address) ?? 0, sinkB.rcptAttempts.get(address) ?? 0];
      expect(tries.sort()).toEqual([0, 2]);
    }
    const rows = await a.ledger.list('day:2020-09-13@UTC');
    expect(rows.filter((r) => r.state !== 'sent' || r.attempts !== 2)).toEqual([]);
  });

  it('a sender whose own build differs sends the stored copy and says so', async () => {
    sharedCopies.length = 0;
    const [first, second] = (await senders(30, 2)) as [Store, Store];
    const sink = await smtpServer();
    // The first sender stores its copy and stops after its first message.
    const stop = new AbortController();
    const sinkFirst = await smtpServer({ onRcpt: () => void stop.abort() });
    const r1 = await send(first, smtp(sinkFirst), {}, stop.signal);
    expect(r1.copy).toMatchObject({ mine: true, differs: false });
    expect(r1.complete).toBe(false);

    const other = sampleRendered({ subject: 'A different build of the day' });
    const r2 = await send(second, smtp(sink), { rendered: other });
    expect(r2.copy).toMatchObject({ mine: false, differs: true, sha256: r1.copy?.sha256 });
    expect(r2.copy?.storedBy).toContain(r1.workerId);
    expect(r2.complete).toBe(true);
    expect(sink.received.length).toBe(30 - r1.counts.sent);
    const subjects = new Set(await Promise.all(sink.received.map(async (m) => (await parse(m.raw)).subject)));
    expect([...subjects]).toEqual([sampleRendered().subject]);
    // Both senders keep the archive's web copy of the stored copy, not of their own build.
    expect(sharedCopies.splice(0).map((p) => p.subject)).toEqual([
      sampleRendered().subject,
      sampleRendered().subject,
    ]);
  });

  it('a sender with nothing left to claim waits while another holds rows, then takes them over once that one is gone', async () => {
    const [a, b] = (await senders(40, 2)) as [Store, Store];
    // Sender A claims rows and never sends them: its lock stops renewing when its pool ends.
    const lock = await a.ledger.lock('day:2020-09-13@UTC');
    await a.ledger.enqueue(
      'day:2020-09-13@UTC',
      (await a.subscribers.list()).map((s) => ({
        subscriberId: s.id,
        email: s.email,
        messageId: `<${s.id}@x>`,
      })),
    );
    const held = await a.ledger.claim?.(lock, 10, { failedPerm: false, unknown: false });
    expect(held).toHaveLength(10);
    await a.close();

    const sink = await smtpServer();
    const report = await send(b, smtp(sink));
    // B sent the 30 it could claim at once, waited for A's lease to run out, then sent A's 10.
    expect(report.complete).toBe(true);
    expect(report.counts.sent).toBe(40);
    expect(copiesPerAddress(sink.received).size).toBe(40);
  });
});
