import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { afterEach, expect, it } from 'vitest';
import { cleanups, runCleanups, tempDir } from '../helpers/cleanup.js';
import { ROOT, runCli } from '../helpers/cli.js';
import { freshPgDatabase } from '../helpers/pg.js';
import { startServe } from '../helpers/serve.js';
import { smtpServer } from '../helpers/smtp.js';
import * as m from './messages.js';
import { GENERIC_SECRET, genericHeaders } from './webhooks-helpers.js';

/**
 * The list on PostgreSQL, through the CLI entry in this process: import 5 subscribers, serve the
 * subscriber pages, send through a real smtp-server, feed a bounce back, read the stats, and
 * unsubscribe one reader with the one-click POST a mail client makes. Every command gets the
 * database as `--db postgres://…`; nothing of the list is in a file.
 */

afterEach(runCleanups);

const SECRET = 'pg-e2e-secret-pg-e2e-secret-0123456789ab';
const BOUNCE = 'bounces@example.com';
const EMAILS = ['s001', 's002', 's003', 's004', 's005'].map((n) => `${n}@example.com`);
const content = ['--content', join(ROOT, 'content'), '--templates', join(ROOT, 'templates')];

it('on a fresh PostgreSQL database: send 5, a bounce and a webhook complaint come back, stats count them, serve unsubscribes one by one-click POST and takes a signup, its preference page and feeds', async () => {
  const database = await freshPgDatabase();
  cleanups.push(() => database.drop());
  const db = ['--db', database.url];
  const cwd = tempDir('digest-pg-e2e-');
  writeFileSync(
    join(cwd, 'digest.config.json'),
    JSON.stringify({ bounceAddress: BOUNCE, from: 'news@example.com', signup: { enabled: true } }),
  );
  writeFileSync(join(cwd, 'subscribers.csv'), `email,name\n${EMAILS.map((e) => `${e},`).join('\n')}\n`);
  const cli = (args: string[], env: Record<string, string> = {}) =>
    runCli([...args, ...db], { cwd, env: { NO_COLOR: '1', DIGEST_SECRET: SECRET, ...env }, realClock: true });

  const imported = await cli(['subscribers', 'import', 'subscribers.csv']);
  expect(imported.code, imported.stderr).toBe(0);

  const smtp = await smtpServer();
  const serve = await startServe(cwd, ['--port', '0', '--host', '127.0.0.1', ...db], {
    DIGEST_SECRET: SECRET,
    DIGEST_WEBHOOK_SECRET: GENERIC_SECRET,
    // The signup form's confirmation mails.
    SMTP_URL: smtp.url,
  });
  cleanups.push(async () => {
    serve.stop();
    await serve.exit;
  });
  const base = serve.url.replace(/\/$/, '');
  const env = { SMTP_URL: smtp.url, DIGEST_PUBLIC_URL: base };
  /** The List-Unsubscribe URL of the copy `to` received (RFC 8058: what a mail client POSTs to). */
  const unsubscribeUrlOf = async (to: string) => {
    const copy = await simpleParser(smtp.received.find((r) => r.to[0] === to)?.raw ?? '');
    const header =
      copy.headerLines.find((h) => h.key === 'list-unsubscribe')?.line.replace(/\r?\n[ \t]+/g, '') ?? '';
    return /<(https?:\/\/[^>]+)>/.exec(header)?.[1] ?? '';
  };

  const sent = await cli(['send', '--date', '2026-11-23', ...content], env);
  expect(sent.code, sent.stderr).toBe(0);
  expect(sent.stderr).toMatch(/Sent digest 2026-11-23 to 5 of 5 subscribers \(0 failed\)/);
  expect(smtp.received.map((r) => r.to[0]).sort()).toEqual(EMAILS);

  // s002's mailbox does not exist: its server's DSN is imported.
  const toS002 = smtp.received.find((r) => r.to[0] === 's002@example.com');
  const mail = await simpleParser(toS002?.raw ?? '');
  const original = {
    returnPath: toS002?.from ?? '',
    to: 's002@example.com',
    messageId: mail.messageId ?? '',
  };
  writeFileSync(join(cwd, 'bounce.eml'), m.postfixHardBounce(original));
  const bounced = await cli(['bounces', 'import', 'bounce.eml', '--json']);
  expect(bounced.code, bounced.stderr).toBe(0);
  expect(JSON.parse(bounced.stdout).events).toMatchObject({
    recorded: 1,
    kinds: { hard: 1 },
    suppressed: [{ email: 's002@example.com', reason: 'bounced' }],
  });
  const events = JSON.parse((await cli(['bounces', 'list', '--json'])).stdout);
  expect(events).toMatchObject([
    {
      email: 's002@example.com',
      kind: 'hard',
      status: '5.1.1',
      digestKey: 'day:2026-11-23@UTC',
      effect: 'suppressed',
    },
  ]);

  // s004 unsubscribes from the List-Unsubscribe URL of its own copy, as a mail client does (RFC 8058).
  const unsubscribeUrl = await unsubscribeUrlOf('s004@example.com');
  expect(unsubscribeUrl.startsWith(`${base}/unsubscribe?token=`)).toBe(true);
  const oneClick = await fetch(unsubscribeUrl, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: 'List-Unsubscribe=One-Click',
    redirect: 'manual',
  });
  expect(oneClick.status).toBe(200);

  // s005 complains through a provider's webhook, answered by the same server.
  const complaint = JSON.stringify({
    events: [
      { email: 's005@example.com', kind: 'complaint', sourceId: 'fbl-1', digestKey: 'day:2026-11-23@UTC' },
    ],
  });
  const hook = await fetch(`${base}/webhooks/generic`, {
    method: 'POST',
    headers: genericHeaders(complaint, Math.floor(Date.now() / 1000)),
    body: complaint,
  });
  expect(hook.status, await hook.clone().text()).toBe(200);
  expect(await hook.json()).toMatchObject({ recorded: 1, suppressed: 1 });

  const stats = await cli(['stats', '--json']);
  expect(stats.code, stats.stderr).toBe(0);
  expect(JSON.parse(stats.stdout).digests).toMatchObject([
    {
      digestKey: 'day:2026-11-23@UTC',
      date: '2026-11-23',
      sent: 5,
      failed: 0,
      hard: 1,
      soft: 0,
      complaints: 1,
      unsubscribes: 1,
      delivered: 4,
      bounceRate: 0.2,
      complaintRate: 0.25,
    },
  ]);

  // A new reader signs up on the form and follows the link of the confirmation mail.
  const signup = await fetch(`${base}/subscribe`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: 'email=new%40example.com&name=New&frequency=daily',
    redirect: 'manual',
  });
  expect(signup.status, await signup.clone().text()).toBeLessThan(400);
  let confirmation: Buffer | undefined;
  for (let i = 0; i < 200 && !confirmation; i++) {
    confirmation = smtp.received.find((r) => r.to[0] === 'new@example.com')?.raw;
    if (!confirmation) await new Promise((r) => setTimeout(r, 50));
  }
  const confirmMail = await simpleParser(confirmation ?? '');
  // The server links to its public URL (config publicUrl; this one listens on a free port).
  const token = /\/confirm\?token=([^\s"<>&]+)/.exec(confirmMail.text ?? '')?.[1];
  expect(token, confirmMail.text).toBeDefined();
  const confirmed = await fetch(`${base}/confirm?token=${token}`, { method: 'POST', redirect: 'manual' });
  expect(confirmed.status).toBeLessThan(400);

  const listed = JSON.parse((await cli(['subscribers', 'list', '--json'])).stdout) as {
    email: string;
    status: string;
  }[];
  expect(Object.fromEntries(listed.map((s) => [s.email, s.status]))).toEqual({
    's001@example.com': 'active',
    's002@example.com': 'unsubscribed',
    's003@example.com': 'active',
    's004@example.com': 'unsubscribed',
    's005@example.com': 'unsubscribed',
    'new@example.com': 'active',
  });

  // s001's "Manage subscription" page, the feeds and the health check, all from PostgreSQL.
  const manage = (await unsubscribeUrlOf('s001@example.com')).replace('/unsubscribe?', '/preferences?');
  const preferences = await fetch(manage);
  expect(preferences.status).toBe(200);
  expect(await preferences.text()).toContain('s001@example.com');
  const feed = await fetch(`${base}/feed.xml`);
  expect(feed.status).toBe(200);
  expect(await feed.text()).toContain(`<title>${mail.subject}</title>`);

  // The archive the server shows is the web copy the send stored in PostgreSQL.
  const archive = await fetch(`${base}/archive/2026-11-23`);
  expect(archive.status).toBe(200);
  expect(await archive.text()).toContain(mail.subject ?? 'no subject');
  expect((await fetch(`${base}/healthz`)).status).toBe(200);
  // Only the build cache is a local file.
  expect(existsSync(join(cwd, 'data', 'digest.db'))).toBe(false);
});
