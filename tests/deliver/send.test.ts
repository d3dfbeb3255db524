import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createFileTransport,
  createSmtpTransport,
  type DeliveryTransport,
  type SendInput,
  type SendReport,
  sendDigest,
  smtpFromEnv,
  verifyToken,
} from '../../src/deliver/index.js';
import { DigestError } from '../../src/errors.js';
import { MemoryLedger, openStore, type Store } from '../../src/store/index.js';
import { cleanups, runCleanups, tempDir } from '../helpers/cleanup.js';
import { copiesPerAddress, smtpServer, startSmtpServer, type TestServer } from '../helpers/smtp.js';
import { headerCount, parse, sampleRendered } from './helpers.js';

const SECRET = 'test-secret-test-secret-test-secret-0123';
const NOW = new Date('2020-09-14T07:00:00Z');
afterEach(runCleanups);

function newStore(count: number, dir = tempDir()): { store: Store; file: string } {
  const file = join(dir, 'digest.db');
  const store = openStore(file);
  cleanups.push(() => store.close());
  const rows = Array.from({ length: count }, (_, i) => ({
    email: `s${String(i + 1).padStart(3, '0')}@example.com`,
    name: `Reader ${i + 1}`,
    topics: [],
  }));
  store.subscribers.importMany(rows);
  return { store, file };
}

function input(overrides: Partial<SendInput> = {}): SendInput {
  return {
    digestKey: 'day:2020-09-13@UTC',
    date: '2020-09-13',
    rendered: sampleRendered(),
    items: 3,
    message: {
      from: '"News Digest" <digest@example.com>',
      listId: '',
      unsubscribeMailto: 'unsub@example.com',
    },
    publicUrl: 'https://news.example.com',
    secret: SECRET,
    settings: { connections: 5, rateLimit: 0, maxAttempts: 3, retryDelayMs: 20, maxConsecutiveFailures: 50 },
    ...overrides,
  };
}

function smtp(s: TestServer, connections = 5): DeliveryTransport {
  const settings = smtpFromEnv({ SMTP_URL: s.url });
  if (!settings) throw new Error('no settings');
  return createSmtpTransport(settings, { connections, connectTimeoutMs: 3000 });
}

async function send(store: Store, transport: DeliveryTransport, overrides: Partial<SendInput> = {}) {
  try {
    return await sendDigest(input(overrides), {
      subscribers: store.subscribers,
      ledger: store.ledger,
      transport,
      now: () => NOW,
    });
  } finally {
    await transport.close();
  }
}

/** How many copies each address received. */
function expectNoneDoubledNoneLost(s: TestServer, report: SendReport, total: number) {
  const got = copiesPerAddress(s.received);
  expect([...got.values()].every((n) => n === 1)).toBe(true);
  const failed = new Set(report.failures.map((f) => f.email));
  for (let i = 1; i <= total; i++) {
    const email = `s${String(i).padStart(3, '0')}@example.com`;
    // every subscriber either got it or is reported; nobody is `sent` without having arrived
    expect(got.has(email) || failed.has(email)).toBe(true);
  }
}

describe('sendDigest over SMTP (real smtp-server on 127.0.0.1)', () => {
  it('200 subscribers each receive exactly one complete message; a second run sends none', async () => {
    const { store } = newStore(200);
    const s = await smtpServer();
    const report = await send(store, smtp(s));
    expect(report).toMatchObject({ complete: true, recipients: 200, counts: { sent: 200, alreadySent: 0 } });
    expect(s.received.length).toBe(200);
    expect([...copiesPerAddress(s.received).values()].every((n) => n === 1)).toBe(true);
    expect(await store.ledger.counts('day:2020-09-13@UTC')).toMatchObject({
      sent: 200,
      pending: 0,
      sending: 0,
    });

    const ids = new Set<string>();
    for (const m of s.received.slice(0, 200)) {
      const mail = await parse(m.raw);
      const to = Array.isArray(mail.to) ? mail.to[0] : mail.to;
      expect(to?.value[0]?.address).toBe(m.to[0]);
      expect(to?.value[0]?.name).toMatch(/^Reader \d+$/);
      expect(mail.from?.value[0]?.address).toBe('digest@example.com');
      expect(mail.subject).toBe(sampleRendered().subject);
      expect(mail.date?.toISOString()).toBe(NOW.toISOString());
      expect(mail.messageId).toMatch(/^<[0-9a-f]{32}\.digest@example\.com>$/);
      ids.add(mail.messageId ?? '');
      const list = mail.headers.get('list') as Record<string, Record<string, string>>;
      expect(list.id?.id).toBe('digest.example.com');
      expect(list['unsubscribe-post']?.name).toBe('List-Unsubscribe=One-Click');
      expect(list.unsubscribe?.mail).toBe('unsub@example.com?subject=unsubscribe');
      const url = new URL(list.unsubscribe?.url ?? '');
      expect(url.origin + url.pathname).toBe('https://news.example.com/unsubscribe');
      const token = verifyToken(url.searchParams.get('token') ?? '', SECRET, { purpose: 'unsub' });
      expect(token.email).toBe(m.to[0]);
      expect(mail.text).toContain(list.unsubscribe?.url);
      expect(mail.html).toContain('Unsubscribe</a>');
      expect(m.from).toBe('digest@example.com');
    }
    expect(ids.size).toBe(200);

    const again = await send(store, smtp(s));
    expect(again).toMatchObject({ complete: true, counts: { sent: 0, alreadySent: 200 } });
    expect(s.received.length).toBe(200);
  });

  it('550 is permanent and reported with the reply; 451 is retried; nobody gets two copies', async () => {
    const { store } = newStore(200);
    const addr = (i: number) => `s${String(i).padStart(3, '0')}@example.com`;
    const perm = new Set(Array.from({ length: 10 }, (_, k) => addr(20 * k + 3)));
    const temp = new Set(Array.from({ length: 10 }, (_, k) => addr(20 * k + 11)));
    let accepting = false;
    const s = await smtpServer({
      onRcpt: (address, attempt) => {
        if (perm.has(address) && !accepting) return [550, '5.1.1 Mailbox does not exist'];
        if (temp.has(address) && attempt === 1) return [451, '4.3.0 Try again later'];
        return undefined;
      },
    });
    const report = await send(store, smtp(s));
    expect(report.complete).toBe(false);
    expect(report.counts).toMatchObject({ sent: 190, failedPerm: 10, failedTemp: 0 });
    expect(report.failures.map((f) => f.email).sort()).toEqual([...perm].sort());
    for (const f of report.failures) {
      expect(f).toMatchObject({ state: 'failed_perm', code: 550 });
      expect(f.reply).toContain('Mailbox does not exist');
    }
    for (const t of temp) expect(s.rcptAttempts.get(t)).toBe(2);
    expect(copiesPerAddress(s.received).size).toBe(190);

    const rerun = await send(store, smtp(s));
    expect(rerun.counts).toMatchObject({ sent: 0, skippedFailedPerm: 10, alreadySent: 190 });

    accepting = true;
    const retried = await send(store, smtp(s), { retryFailed: true });
    expect(retried).toMatchObject({ complete: true, counts: { sent: 10 } });
    expect(copiesPerAddress(s.received).size).toBe(200);
    expect([...copiesPerAddress(s.received).values()].every((n) => n === 1)).toBe(true);
  });

  it('the server closes the connection after 50 messages: all delivered once, none lost', async () => {
    const { store } = newStore(200);
    const s = await smtpServer({ onData: (n) => (n === 50 ? 'accept-then-close' : 'accept') });
    const report = await send(store, smtp(s));
    expectNoneDoubledNoneLost(s, report, 200);
    expect(report.complete).toBe(true);
    expect(s.received.length).toBe(200);
    expect(s.connections).toBeGreaterThan(5);
  });

  it('the connection drops after a message was sent but before the reply: unknown, resent only on request', async () => {
    const { store } = newStore(200);
    const s = await smtpServer({ onData: (n) => (n === 50 ? 'drop-before-reply' : 'accept') });
    const report = await send(store, smtp(s));
    expectNoneDoubledNoneLost(s, report, 200);
    expect(report.counts).toMatchObject({ sent: 199, unknown: 1 });
    const unknown = report.failures[0];
    expect(unknown?.state).toBe('unknown');
    expect(s.received.length).toBe(200);

    const plain = await send(store, smtp(s));
    expect(plain.counts).toMatchObject({ sent: 0, skippedUnknown: 1 });
    const resent = await send(store, smtp(s), { resendUnknown: true });
    expect(resent).toMatchObject({ complete: true, counts: { sent: 1 } });
    const both = s.received.filter((m) => m.to[0] === unknown?.email);
    expect(both.length).toBe(2);
    const [first, second] = await Promise.all(both.map((m) => parse(m.raw)));
    expect(second?.messageId).toBe(first?.messageId);
  });

  it('a server that is down fails fast with a clear message; nothing is marked sent', async () => {
    const { store } = newStore(20);
    const s = await startSmtpServer();
    await s.close();
    const started = Date.now();
    const error = await send(store, smtp(s)).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(error).toBeInstanceOf(DigestError);
    expect((error as DigestError).code).toBe('E_SMTP');
    expect((error as DigestError).message).toMatch(
      /can't use the SMTP server smtp:\/\/127\.0\.0\.1:\d+: .*ECONNREFUSED/,
    );
    expect(await store.ledger.counts('day:2020-09-13@UTC')).toMatchObject({ sent: 0, sending: 0 });
  });

  it('a dry run opens no connection, touches no database, and writes the bytes a real send sends', async () => {
    const { store, file } = newStore(200);
    store.close();
    const s = await smtpServer();
    const out = join(tempDir(), 'eml');
    const ro = openStore(file, { readonly: true });
    cleanups.push(() => ro.close());
    const before = readFileSync(file);
    const dry = await sendDigest(input(), {
      subscribers: ro.subscribers,
      ledger: new MemoryLedger(),
      transport: createFileTransport(out, 200),
      now: () => NOW,
    });
    expect(dry).toMatchObject({ complete: true, counts: { sent: 200 } });
    expect(s.connections).toBe(0);
    expect(readFileSync(file).equals(before)).toBe(true);
    const files = readdirSync(out).sort();
    expect(files.length).toBe(200);
    expect(files[0]).toBe('0001-s001@example.com.eml');

    const rw = openStore(file);
    cleanups.push(() => rw.close());
    const real = await send(rw, smtp(s));
    expect(real.counts.sent).toBe(200);
    for (const m of s.received) {
      const name = files.find((f) => f.endsWith(`-${m.to[0]}.eml`)) as string;
      const eml = readFileSync(join(out, name));
      expect(eml.equals(m.raw)).toBe(true);
      expect((await parse(eml)).subject).toBe(sampleRendered().subject);
    }
  });

  it('names and titles with CR/LF never add a header', async () => {
    const { store } = newStore(0);
    // Bypass the import checks, as a hand-edited database would.
    const insert = store.db.prepare(
      'INSERT INTO subscribers (email, name, created_at, updated_at) VALUES (?, ?, 0, 0)',
    );
    insert.run('eve@example.com', 'Eve\r\nBcc: victim@example.com');
    insert.run('mal@example.com', 'Mal\nTo: other@example.com\r\n\r\nbody');
    insert.run('bad@example.com\r\nBcc: x@example.com', 'Bad');
    const s = await smtpServer();
    const report = await send(store, smtp(s), {
      rendered: sampleRendered({ subject: 'News\r\nBcc: victim@example.com\r\nSubject: fake' }),
    });
    expect(s.received.length).toBe(2);
    for (const m of s.received) {
      expect(headerCount(m.raw, 'Subject')).toBe(1);
      expect(headerCount(m.raw, 'To')).toBe(1);
      expect(headerCount(m.raw, 'Bcc')).toBe(0);
      expect(m.to.length).toBe(1);
      const mail = await parse(m.raw);
      expect(mail.bcc).toBeUndefined();
      expect(mail.subject).toBe('News Bcc: victim@example.com Subject: fake');
    }
    expect(report.failures).toMatchObject([
      { state: 'failed_perm', reply: expect.stringContaining('control character') },
    ]);
  });

  it('two runs of the same digest at once: one sends, the other is refused; 200 messages in all', async () => {
    const { store, file } = newStore(200);
    const other = openStore(file);
    cleanups.push(() => other.close());
    const s = await smtpServer();
    const results = await Promise.allSettled([send(store, smtp(s)), send(other, smtp(s))]);
    const refused = results.filter((r) => r.status === 'rejected');
    expect(refused.length).toBe(1);
    expect((refused[0] as PromiseRejectedResult).reason).toMatchObject({ code: 'E_SEND_LOCKED' });
    expect(s.received.length).toBe(200);
  });

  it('stops after too many failures in a row and says why', async () => {
    const { store } = newStore(60);
    const s = await smtpServer({ onRcpt: () => [554, '5.7.1 Sender blocked'] });
    const report = await send(store, smtp(s), {
      settings: {
        connections: 2,
        rateLimit: 0,
        maxAttempts: 2,
        retryDelayMs: 10,
        maxConsecutiveFailures: 10,
      },
    });
    expect(report.stopped).toMatch(/10 failures in a row; last reply: 554/);
    expect(report.counts.failedPerm).toBeGreaterThanOrEqual(10);
    expect(report.counts.failedPerm).toBeLessThan(15);
    expect(report.counts.pending).toBe(60 - report.counts.failedPerm);
  });

  it('paces to the rate limit', async () => {
    const { store } = newStore(10);
    const s = await smtpServer();
    const report = await send(store, smtp(s, 2), {
      settings: {
        connections: 2,
        rateLimit: 50,
        maxAttempts: 1,
        retryDelayMs: 10,
        maxConsecutiveFailures: 5,
      },
    });
    expect(report.counts.sent).toBe(10);
    // 10 messages at 50/s are spaced 20 ms apart: the last cannot start before 180 ms.
    expect(report.durationMs).toBeGreaterThanOrEqual(180);
  });

  it('a step that throws (the signer) stops the run: nothing more starts, what was under way is recorded, the error comes out', async () => {
    const { store } = newStore(20);
    const dir = tempDir();
    let signed = 0;
    const run = sendDigest(input({ settings: { ...input().settings, connections: 2 } }), {
      subscribers: store.subscribers,
      ledger: store.ledger,
      transport: createFileTransport(dir, 20),
      now: () => NOW,
      signer: async (raw) => {
        signed++;
        if (signed === 5) throw new Error('the DKIM key went away');
        return raw;
      },
    });
    await expect(run).rejects.toThrow('the DKIM key went away');
    const counts = await store.ledger.counts('day:2020-09-13@UTC');
    // The four before it, and at most the three others in flight with it (2 connections: 4 at once).
    expect(counts.sent).toBeGreaterThanOrEqual(4);
    expect(counts.sent).toBeLessThanOrEqual(7);
    expect(counts.sending).toBe(0);
    expect(counts.pending).toBe(20 - counts.sent);
    expect(readdirSync(dir).filter((f) => f.endsWith('.eml'))).toHaveLength(counts.sent);
  });
});
