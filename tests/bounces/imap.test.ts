import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ImapFlow } from 'imapflow';
import { afterEach, describe, expect, it } from 'vitest';
import { parseBounceAddress } from '../../src/deliver/index.js';
import { SECRET } from '../deliver/helpers.js';
import { runCleanups, tempDir } from '../helpers/cleanup.js';
import { runCli } from '../helpers/cli.js';
import { type StoreKind, storeKinds } from '../helpers/stores.js';
import { dovecotBinary, startDovecot } from './dovecot.js';
import * as m from './messages.js';
import { recordSent } from './sent.js';

afterEach(runCleanups);
const KINDS = storeKinds();
const [, SQLITE] = KINDS[0] as [string, StoreKind];

const binary = dovecotBinary();
if (!binary) {
  console.log(
    'SKIP tests/bounces/imap.test.ts: dovecot is not installed (Debian package dovecot-imapd; .ci/run installs it)',
  );
}

const KEY = 'day:2026-11-24@UTC';
const BOUNCE = 'bounces@example.com';
const bounce = parseBounceAddress(BOUNCE) as NonNullable<ReturnType<typeof parseBounceAddress>>;

/**
 * A list of 4 on a store of `kind` that knows the digest KEY was sent to each (as a send leaves
 * it), a folder with the config, and the DIGEST_DB that names the store.
 */
async function listWithDigest(kind: StoreKind, moveTo?: string) {
  const cwd = tempDir('digest-imap-');
  writeFileSync(
    join(cwd, 'digest.config.json'),
    JSON.stringify({ bounceAddress: BOUNCE, ...(moveTo ? { bounces: { fetchMoveTo: moveTo } } : {}) }),
  );
  const { store, target } = await kind.fresh();
  await store.subscribers.importMany(
    [1, 2, 3, 4].map((n) => ({ email: `s00${n}@example.com`, name: `Reader ${n}`, topics: [] })),
  );
  const subscribers = await store.subscribers.list();
  const sent = await recordSent(
    store,
    { key: KEY, date: '2026-11-24', items: 3, bounce, secret: SECRET },
    subscribers,
  );
  const original = (n: number): m.Original => sent(subscribers[n - 1] as (typeof subscribers)[number]);
  return { cwd, original, db: { DIGEST_DB: target } };
}

function cli(args: string[], cwd: string, env: Record<string, string>) {
  return runCli(args, { cwd, env: { NO_COLOR: '1', DIGEST_SECRET: SECRET, ...env }, realClock: true });
}

describe.skipIf(!binary)('digest bounces fetch against a real Dovecot on 127.0.0.1', () => {
  it.each(KINDS)(
    'handles every unseen message once, marks it seen, and a second run handles nothing (%s)',
    async (_name, kind) => {
      const dovecot = await startDovecot(binary as string);
      const { cwd, original, db } = await listWithDigest(kind);
      dovecot.deliver('postfix', m.postfixHardBounce(original(1)));
      dovecot.deliver('arf', m.arfComplaint(original(2)));
      dovecot.deliver('ooo', m.outOfOffice('s003@example.com', BOUNCE));
      dovecot.deliver('reply', m.humanReply('s004@example.com', BOUNCE));
      // Read already (by a person, or an earlier run): left alone.
      dovecot.deliver('old', m.microsoftBounce(original(4)), true);
      const env = { BOUNCE_IMAP_URL: dovecot.url(), ...db };

      const first = await cli(['bounces', 'fetch', '--json'], cwd, env);
      expect(first.code, `${first.stderr}\n${dovecot.log()}`).toBe(0);
      expect(first.stderr).toContain(
        `Fetching unseen messages from imap://bounces:****@127.0.0.1:${dovecot.port}/INBOX`,
      );
      expect(JSON.parse(first.stdout)).toMatchObject({
        messages: 4,
        bounces: 1,
        complaints: 1,
        autoReplies: 1,
        unrecognised: [{ reason: expect.stringContaining('not a DSN, complaint or bounce') }],
        events: {
          recorded: 2,
          suppressed: [
            { email: 's001@example.com', reason: 'bounced' },
            { email: 's002@example.com', reason: 'complained' },
          ],
        },
      });
      const second = await cli(['bounces', 'fetch', '--json'], cwd, env);
      expect(second.code).toBe(0);
      expect(JSON.parse(second.stdout)).toMatchObject({
        messages: 0,
        events: { recorded: 0, duplicates: 0 },
      });
      expect(second.stderr).toContain('Fetched 0 messages');

      // On the server: all five are \Seen now, none moved or deleted.
      const client = new ImapFlow({
        host: '127.0.0.1',
        port: dovecot.port,
        secure: false,
        auth: { user: dovecot.user, pass: dovecot.pass },
        logger: false,
      });
      await client.connect();
      try {
        const status = await client.status('INBOX', { messages: true, unseen: true });
        expect(status).toMatchObject({ messages: 5, unseen: 0 });
      } finally {
        await client.logout();
      }
      const listed = JSON.parse((await cli(['subscribers', 'list', '--json'], cwd, env)).stdout) as {
        email: string;
        state: string;
      }[];
      expect(listed.map((s) => s.state)).toEqual(['bounced', 'complained', 'active', 'active']);
    },
    60_000,
  );

  it('with bounces.fetchMoveTo, moves each handled message to that folder (created)', async () => {
    const dovecot = await startDovecot(binary as string);
    const { cwd, original, db } = await listWithDigest(SQLITE, 'Processed');
    dovecot.deliver('gmail', m.gmailSoftBounce(original(3), '4.2.2'));
    dovecot.deliver('exim', m.eximBounce(original(4)));
    const env = { BOUNCE_IMAP_URL: dovecot.url(), ...db };
    const first = await cli(['bounces', 'fetch', '--json'], cwd, env);
    expect(first.code, `${first.stderr}\n${dovecot.log()}`).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({
      messages: 2,
      events: { recorded: 2, kinds: { soft: 1, hard: 1 } },
    });
    const inbox = [
      ...readdirSync(join(dovecot.maildir, 'new')),
      ...readdirSync(join(dovecot.maildir, 'cur')),
    ];
    expect(inbox).toEqual([]);
    const processed = join(dovecot.maildir, '.Processed');
    expect([...readdirSync(join(processed, 'new')), ...readdirSync(join(processed, 'cur'))]).toHaveLength(2);
    const second = await cli(['bounces', 'fetch', '--json'], cwd, env);
    expect(JSON.parse(second.stdout).messages).toBe(0);
  }, 60_000);

  it('a wrong password is a clear error naming BOUNCE_IMAP_URL, without the password', async () => {
    const dovecot = await startDovecot(binary as string);
    const { cwd, db } = await listWithDigest(SQLITE);
    const url = dovecot.url().replace(dovecot.pass, 'wrong-password');
    const run = await cli(['bounces', 'fetch'], cwd, { BOUNCE_IMAP_URL: url, ...db });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`can't log in to imap://bounces:****@127.0.0.1:${dovecot.port}/INBOX`);
    expect(run.stderr).not.toContain('wrong-password');
  }, 60_000);
});
