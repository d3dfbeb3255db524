import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.js';
import { startServe } from '../helpers/serve.js';
import { smtpServer } from '../helpers/smtp.js';
import { runCleanups, runCli, SAMPLE, SECRET, tempDir, workspace } from '../web/helpers.js';
import { MAILGUN_KEY, mailgunBody, post, stateOf } from './webhooks-helpers.js';

afterEach(runCleanups);

const EMAILS = ['ada@example.com', 'bob@example.com', 'cy@example.org'];
const DAYS = ['2026-11-22', '2026-11-23'];

describe('webhook events of digests really sent', () => {
  it('are matched to the digest by the VERP envelope sender or the Message-ID, so soft bounces count per digest', async () => {
    const { cwd, db } = await workspace(EMAILS);
    writeFileSync(
      join(cwd, 'digest.config.json'),
      JSON.stringify({ bounceAddress: 'bounces@news.example.org' }),
    );
    const smtp = await smtpServer();
    const out = tempDir();
    for (const day of DAYS) {
      const r = await runCli(['send', ...SAMPLE, '--date', day, '--out', out], {
        cwd,
        env: { DIGEST_SECRET: SECRET, SMTP_URL: smtp.url },
      });
      expect(r.code, r.stderr).toBe(0);
    }
    expect(smtp.accepted).toHaveLength(DAYS.length * EMAILS.length);
    // What a provider reports about each message: its envelope sender and Message-ID.
    const sent = await Promise.all(
      smtp.accepted.map(async (m) => ({
        to: m.to[0] as string,
        envelope: m.from,
        messageId: (await simpleParser(m.raw)).messageId as string,
      })),
    );
    const of = (email: string) => sent.filter((m) => m.to === email);
    expect(of('bob@example.com').every((m) => m.envelope.startsWith('bounces+'))).toBe(true);

    const run = await startServe(cwd, ['--port', '0'], {
      DIGEST_SECRET: SECRET,
      MAILGUN_WEBHOOK_SIGNING_KEY: MAILGUN_KEY,
    });
    const t = Math.floor(Date.now() / 1000);
    let n = 0;
    const soft = (email: string, extra: Record<string, unknown>) =>
      post(
        `${run.url}webhooks/mailgun`,
        mailgunBody(
          {
            event: 'failed',
            id: `ev-${++n}`,
            timestamp: t,
            severity: 'temporary',
            recipient: email,
            'delivery-status': { 'enhanced-code': '4.2.2', message: '452 4.2.2 mailbox full' },
            ...extra,
          },
          { timestamp: t, token: `token-${n}` },
        ),
      );
    // bob: three soft bounces, two of them on one digest (a provider reporting each retry).
    const [bob1, bob2] = of('bob@example.com');
    for (const message of [bob1, bob1, bob2]) {
      const r = await soft('bob@example.com', { envelope: { sender: message?.envelope } });
      expect(r.status).toBe(200);
    }
    // cy: no envelope sender reported, only the Message-ID (as Mailgun writes it, no brackets).
    const cy = of('cy@example.org')[1];
    expect(
      (
        await soft('cy@example.org', {
          message: { headers: { 'message-id': cy?.messageId.replace(/^<|>$/g, '') } },
        })
      ).status,
    ).toBe(200);
    run.stop();
    expect(await run.exit).toBe(0);

    const store = openStore(db);
    try {
      const rows = store.db
        .prepare('SELECT e.email, e.digest_key AS digest FROM bounce_events e ORDER BY e.id')
        .all() as { email: string; digest: string | null }[];
      const keys = store.db.prepare('SELECT DISTINCT digest_key AS k FROM deliveries ORDER BY k').all() as {
        k: string;
      }[];
      expect(keys).toHaveLength(2);
      const [first, second] = keys.map((r) => r.k);
      expect(rows).toEqual([
        { email: 'bob@example.com', digest: first },
        { email: 'bob@example.com', digest: first },
        { email: 'bob@example.com', digest: second },
        { email: 'cy@example.org', digest: second },
      ]);
      // Three soft bounces but on two digests: still under the rule's 3, so bob still receives.
      expect(await stateOf(store, 'bob@example.com')).toEqual({ status: 'active', reason: null });
    } finally {
      store.close();
    }
  });
});
