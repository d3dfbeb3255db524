import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as cheerio from 'cheerio';
import { simpleParser } from 'mailparser';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createSmtpTransport,
  parseBounceAddress,
  type SmtpSettings,
  signToken,
  smtpFromEnv,
  verifyToken,
  verpAddress,
} from '../../src/deliver/index.js';
import { manageUrlOf } from '../../src/render/_placeholders.js';
import { type SignupMail, signupLedgerKey, signupMailContent, signupMailer } from '../../src/web/index.js';
import { smtpServer } from '../helpers/smtp.js';
import { waitFor } from '../helpers/wait.js';
import { runCleanups, runCli, SECRET, serve, statusOf, tempDir, workspace } from './helpers.js';

afterEach(runCleanups);

const SETTINGS = { enabled: true, doubleOptIn: true, topics: ['Climate', 'Science'], confirmHours: 48 };

/** A mailer that keeps what it was asked to send (the SMTP path is tests/web/signup.test.ts). */
function recorder() {
  const mails: SignupMail[] = [];
  const mailer = async (mail: SignupMail) => {
    mails.push(mail);
    return { state: 'sent' as const, reply: '250 ok' };
  };
  return { mails, mailer };
}

function post(url: string, fields: Record<string, string | string[]>): Promise<Response> {
  const body = new URLSearchParams();
  for (const [k, v] of Object.entries(fields)) for (const one of [v].flat()) body.append(k, one);
  return fetch(url, { method: 'POST', body, redirect: 'manual' });
}

describe('signup settings', () => {
  it('off (the default): no form on the pages, /subscribe and /confirm are 404s, /preferences still works', async () => {
    const { db } = await workspace(['ada@example.com']);
    const { base, store } = await serve(db);
    for (const path of ['/', '/archive']) {
      const $ = cheerio.load(await (await fetch(`${base}${path}`)).text());
      expect($('form').length, path).toBe(0);
    }
    expect((await post(`${base}/subscribe`, { email: 'x@example.net' })).status).toBe(404);
    expect((await fetch(`${base}/confirm?token=x`)).status).toBe(404);
    expect(await store.subscribers.findByEmail('x@example.net')).toBeUndefined();
    const ada = await store.subscribers.findByEmail('ada@example.com');
    const token = signToken(
      { purpose: 'unsub', subscriberId: ada?.id ?? -1, email: 'ada@example.com' },
      SECRET,
    );
    expect((await fetch(`${base}/preferences?token=${token}`)).status).toBe(200);
  });

  it('enabled without a mailer refuses to start (E_SMTP_CONFIG), and so does digest serve without SMTP settings', async () => {
    const { db, cwd } = await workspace(['ada@example.com']);
    await expect(serve(db, { signup: SETTINGS })).rejects.toThrow(/SMTP settings/);
    const config = join(tempDir(), 'c.json');
    writeFileSync(config, JSON.stringify({ signup: { enabled: true } }));
    const r = await runCli(['serve', '--db', db, '--port', '0', '--config', config], {
      cwd,
      env: { DIGEST_SECRET: SECRET },
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('signup.enabled needs SMTP settings');
  });

  it('config topics are offered; a topic not offered is dropped; only daily or weekly from the form', async () => {
    const { db } = await workspace(['seed@example.com']);
    const { mails, mailer } = recorder();
    const { base, store } = await serve(db, { signup: { ...SETTINGS, mailer } });
    const $ = cheerio.load(await (await fetch(`${base}/`)).text());
    expect(
      $('section.signup input[name="topics"]')
        .map((_, e) => $(e).attr('value'))
        .get(),
    ).toEqual(['Climate', 'Science']);
    const res = await post(`${base}/subscribe`, {
      email: 'new@example.net',
      topics: ['science', 'Made Up'],
      frequency: 'paused',
    });
    expect(res.status).toBe(200);
    expect(await store.subscribers.findByEmail('new@example.net')).toMatchObject({
      status: 'pending',
      topics: ['Science'],
      frequency: 'daily',
    });
    expect(mails.map((m) => m.kind)).toEqual(['confirm']);
    const listed = await runCli(['subscribers', 'list', '--db', db], { cwd: tempDir() });
    expect(listed.stderr).toContain('2 subscribers (1 active, 0 unsubscribed, 1 pending confirmation)');
    expect(listed.stdout).toMatch(/new@example\.net.*pending/);
  });

  it('with doubleOptIn false a signup is active at once and nothing is mailed', async () => {
    const { db } = await workspace(['seed@example.com']);
    const { mails, mailer } = recorder();
    const { base, store } = await serve(db, { signup: { ...SETTINGS, doubleOptIn: false, mailer } });
    const res = await post(`${base}/subscribe`, { email: 'eu@example.net', name: 'E U' });
    expect(res.status).toBe(200);
    expect(
      cheerio
        .load(await res.text())('h1')
        .text(),
    ).toBe('Thank you');
    expect(statusOf(store, 'eu@example.net')).toBe('active');
    expect(mails).toEqual([]);
  });

  it.each([
    ['failed_temp', 2],
    ['failed_perm', 1],
  ] as const)(
    'a confirmation that ended %s: a signup within the hour mails %i in all',
    async (state, total) => {
      const { db } = await workspace(['seed@example.com']);
      const tried: SignupMail[] = [];
      const mailer = async (mail: SignupMail) => {
        tried.push(mail);
        return tried.length === 1
          ? { state, reply: `4xx/5xx refused (${state})` }
          : { state: 'sent' as const, reply: '250 ok' };
      };
      const { base, store } = await serve(db, { signup: { ...SETTINGS, mailer } });
      const sentAt = () =>
        (
          store.db
            .prepare('SELECT confirm_sent_at AS at FROM subscribers WHERE email = ?')
            .get('try@example.net') as {
            at: number | null;
          }
        ).at;
      await post(`${base}/subscribe`, { email: 'try@example.net' });
      await waitFor(
        () => tried.length === 1 && (state === 'failed_perm' || sentAt() === null),
        10_000,
        'the first attempt',
      );
      await post(`${base}/subscribe`, { email: 'try@example.net' });
      // A third address's mail comes after the second signup's (one after another through one mailer).
      await post(`${base}/subscribe`, { email: 'marker@example.net' });
      await waitFor(() => tried.some((m) => m.to === 'marker@example.net'), 10_000, 'the marker mail');
      expect(tried.filter((m) => m.to === 'try@example.net').map((m) => m.sequence)).toEqual(
        total === 2 ? [1, 2] : [1],
      );
    },
  );

  it('an address that cannot be one: 400 with the form again and why; nothing stored', async () => {
    const { db } = await workspace(['seed@example.com']);
    const { mails, mailer } = recorder();
    const { base, store } = await serve(db, { signup: { ...SETTINGS, mailer } });
    const res = await post(`${base}/subscribe`, { email: 'not an address', name: 'N' });
    expect(res.status).toBe(400);
    const $ = cheerio.load(await res.text());
    expect($('[role="alert"]').text()).toBe('That address does not work: "not an address" contains a space.');
    expect($('input[name="email"]').attr('value')).toBe('not an address');
    expect((await store.subscribers.list()).map((s) => s.email)).toEqual(['seed@example.com']);
    expect(mails).toEqual([]);
  });

  it('per address: past 3 signups of one address (from any client) the answer is the same and nothing happens', async () => {
    const { db } = await workspace(['seed@example.com']);
    const { mailer } = recorder();
    let clock = Date.parse('2026-12-01T10:00:00Z');
    const { base, store } = await serve(db, {
      signup: { ...SETTINGS, mailer },
      trustProxy: true,
      now: () => new Date(clock),
    });
    const pages: string[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await fetch(`${base}/subscribe`, {
        method: 'POST',
        body: new URLSearchParams({ email: 'target@example.net', name: `N${i}` }),
        headers: { 'X-Forwarded-For': `192.0.2.${i}` },
      });
      pages.push(await res.text());
      clock += 1000;
    }
    expect(new Set(pages).size).toBe(1);
    expect((await store.subscribers.findByEmail('target@example.net'))?.name).toBe('N2');
  });
});

describe('signupMailer', () => {
  it('sends through a real SMTP server with the VERP envelope sender, and records the outcome under its own key', async () => {
    const smtp = await smtpServer();
    const { db } = await workspace(['ann@example.com']);
    const { store } = await serve(db);
    const ann = await store.subscribers.findByEmail('ann@example.com');
    const bounce = parseBounceAddress('bounces@news.example') as NonNullable<
      ReturnType<typeof parseBounceAddress>
    >;
    const transport = createSmtpTransport(smtpFromEnv({ SMTP_URL: smtp.url }) as SmtpSettings, {
      connections: 1,
    });
    const mailer = signupMailer({
      transport,
      ledger: store.ledger,
      from: '"Morning Brief" <news@news.example>',
      envelopeFrom: (id, key) => verpAddress(bounce, id, key, SECRET),
      now: () => new Date('2026-12-01T10:00:00Z'),
    });
    const mail: SignupMail = {
      kind: 'confirm',
      subscriberId: ann?.id ?? -1,
      sequence: 1,
      to: 'ann@example.com',
      name: 'Ann Example',
      link: 'https://news.example/confirm?token=abc.def',
      site: 'Morning Brief',
      validHours: 48,
    };
    try {
      expect(await mailer(mail)).toMatchObject({ state: 'sent', code: 250 });
    } finally {
      await transport.close();
    }
    const [got] = smtp.received;
    expect(got?.from).toBe(verpAddress(bounce, mail.subscriberId, `confirm:${mail.subscriberId}:1`, SECRET));
    const parsed = await simpleParser(got?.raw as Buffer);
    expect(parsed.subject).toBe('Confirm your subscription to Morning Brief');
    expect(parsed.to).toMatchObject({ value: [{ name: 'Ann Example', address: 'ann@example.com' }] });
    expect(parsed.headers.get('auto-submitted')).toBe('auto-generated');
    expect(parsed.date?.toISOString()).toBe('2026-12-01T10:00:00.000Z');
    const rows = await store.ledger.list(`confirm:${mail.subscriberId}:1`);
    expect(rows).toMatchObject([
      { state: 'sent', email: 'ann@example.com', attempts: 1, messageId: parsed.messageId },
    ]);
    expect(await store.ledger.listDigests()).toEqual([]);
  });
});

describe('signup mail and links', () => {
  const mail: SignupMail = {
    kind: 'confirm',
    subscriberId: 7,
    sequence: 2,
    to: 'ann@example.com',
    name: 'Ann',
    link: 'https://news.example/confirm?token=abc.def',
    site: 'Morning Brief',
    validHours: 48,
  };

  it('the ledger keys are their own kind, never a digest key', () => {
    expect(signupLedgerKey(mail)).toBe('confirm:7:2');
    expect(signupLedgerKey({ ...mail, kind: 'notice', sequence: 1_700_000_000_000 })).toBe(
      'notice:7:1700000000000',
    );
  });

  it('the confirmation says what, for whom, how long, and what to do if it was not you', () => {
    const content = signupMailContent(mail);
    expect(content.subject).toBe('Confirm your subscription to Morning Brief');
    expect(content.text).toBe(
      'Hello Ann,\n\nSomeone, hopefully you, asked for Morning Brief to be sent to ann@example.com.\n' +
        'To confirm, open this link within 48 hours:\n\nhttps://news.example/confirm?token=abc.def\n\n' +
        'If you did not ask for it, ignore this message: nothing more will be sent to you.\n',
    );
    expect(cheerio.load(content.html)('a').attr('href')).toBe(mail.link);
    const notice = signupMailContent({
      ...mail,
      kind: 'notice',
      name: '',
      link: 'https://news.example/preferences?token=t',
    });
    expect(notice.subject).toBe('You are already subscribed to Morning Brief');
    expect(notice.text.startsWith('Hello,\n')).toBe(true);
    expect(cheerio.load(notice.html)('a').text()).toBe('Manage your subscription');
  });

  it.each([
    ['https://news.example/unsubscribe?token=a.b', 'https://news.example/preferences?token=a.b'],
    ['https://news.example/news/unsubscribe?token=a.b', 'https://news.example/news/preferences?token=a.b'],
    ['https://news.example/unsubscribe', 'https://news.example/preferences'],
    ['https://news.example/u?t=1', 'https://news.example/u?t=1'],
    ['https://news.example/unsubscribe-me?x=1', 'https://news.example/unsubscribe-me?x=1'],
  ])('manageUrlOf(%s) = %s', (from, to) => {
    expect(manageUrlOf(from)).toBe(to);
  });

  it('a confirmation token carries its nonce; other tokens keep their exact earlier form', () => {
    const payload = {
      purpose: 'confirm' as const,
      subscriberId: 3,
      email: 'a@example.com',
      expiresAt: 5_000,
      nonce: 'n0nce',
    };
    const token = signToken(payload, SECRET);
    expect(verifyToken(token, SECRET, { purpose: 'confirm', now: 4_000 })).toEqual(payload);
    expect(() => verifyToken(token, SECRET, { purpose: 'confirm', now: 5_001 })).toThrow(
      /invalid or has expired/,
    );
    expect(() => verifyToken(token, SECRET, { purpose: 'unsub' })).toThrow(/invalid or has expired/);
    const unsub = { purpose: 'unsub' as const, subscriberId: 3, email: 'a@example.com' };
    expect(verifyToken(signToken(unsub, SECRET), SECRET, { purpose: 'unsub' })).toEqual(unsub);
  });
});
