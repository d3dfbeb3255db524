import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { findVerp, parseBounceAddress } from '../../src/deliver/index.js';
import { openStore } from '../../src/store/index.js';
import { parse, SECRET, subscriberFolder } from '../deliver/helpers.js';
import { runCleanups } from '../helpers/cleanup.js';
import { ROOT, runCli, spawnCli } from '../helpers/cli.js';
import { type Received, smtpServer } from '../helpers/smtp.js';
import * as m from './messages.js';

/**
 * The whole loop, through the CLI entry in this process (as tests/deliver/cli.test.ts does, so
 * that MJML loads once): send to 20 through a real smtp-server with VERP, feed back what came
 * back (2 hard bounces, 1 soft, 1 complaint, a duplicate and an auto-reply), send the next day.
 */

afterEach(runCleanups);

const BOUNCE = 'bounces@example.com';
const bounce = parseBounceAddress(BOUNCE) as NonNullable<ReturnType<typeof parseBounceAddress>>;
const content = ['--content', join(ROOT, 'content'), '--templates', join(ROOT, 'templates')];

// The reports are dated yesterday, so the 30-day window of stats and send holds them on any day.
const yesterday = new Date(Date.now() - 86_400_000).toUTCString().replace('GMT', '+0000');
const dated = (text: string) =>
  text.replace(/Tue, 24 Nov 2026 (\d\d:\d\d:\d\d) [+-]\d{4}/g, (_, time) =>
    yesterday.replace(/\d\d:\d\d:\d\d/, time),
  );

function cli(args: string[], cwd: string, env: Record<string, string>) {
  return runCli(args, { cwd, env: { NO_COLOR: '1', DIGEST_SECRET: SECRET, ...env }, realClock: true });
}

async function originalOf(received: Received[], to: string): Promise<m.Original> {
  const message = received.find((r) => r.to[0] === to);
  if (!message) throw new Error(`nothing was sent to ${to}`);
  const mail = await parse(message.raw);
  return { returnPath: message.from, to, messageId: mail.messageId as string, subject: mail.subject };
}

describe('bounces end to end', () => {
  it('20 subscribers; 2 hard, 1 soft, 1 complaint come back; the next send reaches 17; stats count them', async () => {
    const { cwd, db } = await subscriberFolder(20, 'digest-bounces-');
    writeFileSync(join(cwd, 'digest.config.json'), JSON.stringify({ bounceAddress: BOUNCE }));
    const smtp = await smtpServer();
    const env = { SMTP_URL: smtp.url, DIGEST_PUBLIC_URL: 'https://news.example.com' };

    const first = await cli(['send', '--date', '2026-11-23', ...content], cwd, env);
    expect(first.stderr).toMatch(/Sent digest 2026-11-23 to 20 of 20 subscribers \(0 failed\)/);
    expect(smtp.received).toHaveLength(20);
    // Every envelope sender is the recipient's own signed VERP address; the headers carry Feedback-ID.
    const store = openStore(db, { readonly: true });
    const ids = new Map((await store.subscribers.list()).map((s) => [s.email, s.id]));
    store.close();
    for (const message of smtp.received) {
      expect(message.from).toMatch(/^bounces\+[0-9a-z]+-[0-9a-f]{8}-[0-9a-f]{12}@example\.com$/);
      expect(findVerp(message.from, bounce, SECRET)?.subscriberId).toBe(ids.get(message.to[0] as string));
    }
    expect(new Set(smtp.received.map((r) => r.from)).size).toBe(20);
    const mail = await parse(smtp.received[0]?.raw as Buffer);
    expect(mail.headers.get('feedback-id')).toBe('day-2026-11-23@UTC:digest.example.com:news-digest');

    const o = (n: number) => originalOf(smtp.received, `s${String(n).padStart(3, '0')}@example.com`);
    const inbox = join(cwd, 'bounces');
    for (const sub of ['cur', 'new', 'tmp']) mkdirSync(join(inbox, 'Maildir', sub), { recursive: true });
    writeFileSync(join(inbox, 'postfix.eml'), dated(m.postfixHardBounce(await o(3))));
    writeFileSync(join(inbox, 'postfix-again.eml'), dated(m.postfixHardBounce(await o(3))));
    writeFileSync(join(inbox, 'Maildir', 'new', '1.M1.mx'), dated(m.microsoftBounce(await o(7))));
    writeFileSync(
      join(inbox, 'Maildir', 'cur', '2.M2.mx:2,S'),
      dated(m.gmailSoftBounce(await o(11), '4.2.2')),
    );
    const mbox = [m.arfComplaint(await o(15)), m.outOfOffice('s019@example.com', BOUNCE)]
      .map(
        (text) => `From MAILER-DAEMON Tue Nov 24 07:05:12 2026\n${dated(text).replace(/^From /gm, '>From ')}`,
      )
      .join('\n');
    writeFileSync(join(inbox, 'feedback.mbox'), mbox);

    const args = [
      'bounces',
      'import',
      'bounces/postfix.eml',
      'bounces/postfix-again.eml',
      'bounces/Maildir',
      'bounces/feedback.mbox',
    ];
    const imported = await cli([...args, '--json'], cwd, env);
    expect(imported.code).toBe(0);
    expect(JSON.parse(imported.stdout)).toMatchObject({
      messages: 6,
      bounces: 4,
      complaints: 1,
      autoReplies: 1,
      unrecognised: [],
      events: {
        recorded: 4,
        duplicates: 1,
        kinds: { hard: 2, soft: 1, complaint: 1, other: 0 },
        suppressed: [
          { email: 's003@example.com', reason: 'bounced' },
          { email: 's007@example.com', reason: 'bounced' },
          { email: 's015@example.com', reason: 'complained' },
        ],
      },
    });
    expect(imported.stderr).toContain(
      'Imported 6 messages from 4 paths: 4 bounces, 1 complaint, 4 new events (2 hard, 1 soft, 1 complaint, 0 other), 1 already recorded, 3 suppressed, 1 auto-reply ignored',
    );
    // Importing it all again changes nothing.
    const again = await cli([...args, '--json'], cwd, env);
    expect(JSON.parse(again.stdout).events).toMatchObject({ recorded: 0, duplicates: 5, suppressed: [] });

    const listed = JSON.parse((await cli(['subscribers', 'list', '--json'], cwd, env)).stdout) as {
      email: string;
      state: string;
      lastEvent: { kind: string; status: string | null } | null;
    }[];
    const state = (email: string) => listed.find((s) => s.email === email);
    expect(state('s003@example.com')).toMatchObject({
      state: 'bounced',
      lastEvent: { kind: 'hard', status: '5.1.1' },
    });
    expect(state('s007@example.com')).toMatchObject({
      state: 'bounced',
      lastEvent: { kind: 'hard', status: '5.1.10' },
    });
    expect(state('s011@example.com')).toMatchObject({
      state: 'active',
      lastEvent: { kind: 'soft', status: '4.2.2' },
    });
    expect(state('s015@example.com')).toMatchObject({
      state: 'complained',
      lastEvent: { kind: 'complaint' },
    });
    expect(state('s001@example.com')).toMatchObject({ state: 'active', lastEvent: null });

    const second = await cli(['send', '--date', '2026-11-24', ...content], cwd, env);
    expect(second.code).toBe(0);
    expect(second.stderr).toMatch(
      /Sent digest 2026-11-24 to 17 of 17 subscribers \(0 failed, 3 suppressed \(2 bounced, 1 complained\)\)/,
    );
    const secondTo = smtp.received.slice(20).map((r) => r.to[0]);
    expect(secondTo).toHaveLength(17);
    expect(secondTo).toContain('s011@example.com'); // one soft bounce: still mailed
    for (const gone of ['s003@example.com', 's007@example.com', 's015@example.com'])
      expect(secondTo).not.toContain(gone);
    // 1 complaint of 34 delivered and 3 bounces of 37 sent in the last 30 days: both over the limits.
    expect(second.stderr).toContain(
      "warning: complaint rate 2.94 % over the last 30 days (1 of 34 delivered) is over Gmail's 0.3 % limit",
    );
    expect(second.stderr).toContain(
      'warning: bounce rate 8.11 % over the last 30 days (3 of 37 sent) is over 2 %',
    );

    // A reader unsubscribes (their own link) after the second digest: counted as its unsubscribe.
    const writable = openStore(db);
    await writable.subscribers.setStatus(ids.get('s020@example.com') as number, 'unsubscribed');
    writable.close();

    const stats = await cli(['stats', '--json'], cwd, env);
    expect(stats.code).toBe(0);
    const report = JSON.parse(stats.stdout);
    expect(report.digests).toEqual([
      expect.objectContaining({
        date: '2026-11-23',
        sent: 20,
        delivered: 17,
        hard: 2,
        soft: 1,
        complaints: 1,
        unsubscribes: 0,
        bounceRate: 0.15,
        complaintRate: 1 / 17,
      }),
      expect.objectContaining({
        date: '2026-11-24',
        sent: 17,
        delivered: 17,
        hard: 0,
        soft: 0,
        complaints: 0,
        unsubscribes: 1,
        bounceRate: 0,
        complaintRate: 0,
      }),
    ]);
    expect(report.last30Days).toMatchObject({ sent: 37, hard: 2, soft: 1, complaints: 1, delivered: 34 });
    expect(report.last30Days.warnings).toHaveLength(2);
    const oneDay = JSON.parse((await cli(['stats', '--date', '2026-11-24', '--json'], cwd, env)).stdout);
    expect(oneDay.digests.map((d: { date: string }) => d.date)).toEqual(['2026-11-24']);

    // The stored events, through the real `digest` command in its own process.
    const hard = spawnCli(['bounces', 'list', '--kind', 'hard', '--json'], {
      cwd,
      env: { DIGEST_SECRET: SECRET },
    });
    expect(hard.code, hard.stderr).toBe(0);
    expect(
      JSON.parse(hard.stdout).map((r: { email: string; source: string }) => [r.email, r.source]),
    ).toEqual([
      ['s007@example.com', 'dsn'],
      ['s003@example.com', 'dsn'],
    ]);
    const table = spawnCli(['bounces', 'list'], { cwd, env: { DIGEST_SECRET: SECRET } });
    expect(table.stdout.split('\n')[0]).toMatch(
      /^TIME\s+KIND\s+STATUS\s+EMAIL\s+DIGEST\s+EFFECT\s+DIAGNOSTIC$/,
    );
    expect(table.stderr).toContain('4 events');

    // The only way back: resubscribe clears the bounce; the next send includes the address again.
    expect((await cli(['subscribers', 'resubscribe', 's003@example.com'], cwd, env)).stderr).toContain(
      'Re-subscribed s003@example.com',
    );
    const third = await cli(['send', '--date', '2026-11-22', ...content], cwd, env);
    expect(third.stderr).toMatch(
      /to 17 of 17 subscribers \(0 failed, 1 unsubscribed, 2 suppressed \(1 bounced, 1 complained\)\)/,
    );
  }, 120_000);

  it("the send's own 550 5.1.1 at RCPT TO suppresses the address; a 5.7.1 refusal does not", async () => {
    const { cwd } = await subscriberFolder(6, 'digest-bounces-');
    const smtp = await smtpServer({
      onRcpt: (address) =>
        address === 's002@example.com'
          ? [550, '5.1.1 <s002@example.com>: Recipient address rejected: User unknown']
          : address === 's004@example.com'
            ? [550, '5.7.1 Message rejected as spam']
            : undefined,
    });
    const env = { SMTP_URL: smtp.url, DIGEST_PUBLIC_URL: 'https://news.example.com' };
    const first = await cli(['send', '--date', '2026-11-23', ...content], cwd, env);
    expect(first.code).toBe(1);
    expect(first.stderr).toMatch(/to 4 of 6 subscribers \(2 failed\)/);
    const listed = JSON.parse((await cli(['subscribers', 'list', '--json'], cwd, env)).stdout) as {
      email: string;
      state: string;
      lastEvent: { source: string; status: string } | null;
    }[];
    expect(listed.find((s) => s.email === 's002@example.com')).toMatchObject({
      state: 'bounced',
      lastEvent: { source: 'smtp', status: '5.1.1' },
    });
    expect(listed.find((s) => s.email === 's004@example.com')).toMatchObject({
      state: 'active',
      lastEvent: null,
    });
    const next = await cli(['send', '--date', '2026-11-24', ...content], cwd, env);
    expect(next.stderr).toMatch(
      /to 4 of 5 subscribers \(1 failed, 1 suppressed \(1 bounced, 0 complained\)\)/,
    );
    expect(smtp.rcptAttempts.get('s002@example.com')).toBe(1);
  }, 60_000);

  it.each([
    [['bounces', 'frobnicate'], 2, 'unknown action "frobnicate"; allowed: import, fetch, list'],
    [['bounces', 'import'], 2, 'import needs at least one file or folder'],
    [['bounces', 'list', 'x'], 2, 'list takes no argument'],
    [['bounces', 'fetch'], 1, 'BOUNCE_IMAP_URL is not set'],
    [['bounces', 'import', 'missing.eml'], 1, "can't read missing.eml"],
    [['stats', '--date', 'yesterday'], 2, '--date must be YYYY-MM-DD (got "yesterday")'],
  ])('digest %j exits %i: %s', async (args, code, message) => {
    const { cwd } = await subscriberFolder(1, 'digest-bounces-');
    const run = await cli(args, cwd, {});
    expect(run.code).toBe(code);
    expect(run.stderr).toContain(message);
  });
});
