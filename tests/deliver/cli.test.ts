import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.js';
import { runCleanups, tempDir } from '../helpers/cleanup.js';
import { type CliRun, ROOT, runCli } from '../helpers/cli.js';
import { copiesPerAddress, smtpServer } from '../helpers/smtp.js';
import { BUILD, parse, SECRET, subscriberFolder } from './helpers.js';

/**
 * `digest send` and `digest subscribers` through the real CLI entry (`main`), in this process so that
 * MJML loads once; tests/deliver/process.test.ts runs real processes for SIGKILL and concurrency.
 */

afterEach(runCleanups);

/** `digest` in-process, signed with SECRET, on the real clock. */
function cli(args: string[], cwd: string, env: Record<string, string> = {}): Promise<CliRun> {
  return runCli(args, { cwd, env: { NO_COLOR: '1', DIGEST_SECRET: SECRET, ...env }, realClock: true });
}

/** A working folder whose default database holds N subscribers s001@example.com... */
const setup = (count: number) => subscriberFolder(count, 'digest-cli-');

function ledger(db: string) {
  const store = openStore(db, { readonly: true });
  try {
    return store.db.prepare('SELECT email, state FROM deliveries').all() as {
      email: string;
      state: string;
    }[];
  } finally {
    store.close();
  }
}

describe('digest subscribers', () => {
  it('imports valid rows, reports invalid ones by line, and adds, lists and removes', async () => {
    const cwd = tempDir('digest-cli-');
    writeFileSync(
      join(cwd, 'subs.csv'),
      'email,name,topics\nann@Example.com,Ann,ai;tech\nbroken,Nobody,\nann@example.com,Dup,\n"eve@example.com","Eve\nBcc: x@evil.com",\n',
    );
    const imported = await cli(['subscribers', 'import', 'subs.csv'], cwd);
    expect(imported.code).toBe(0);
    expect(imported.stderr).toContain('subs.csv: line 3: address "broken"');
    expect(imported.stderr).toContain('subs.csv: line 4: ann@example.com is a duplicate of line 2');
    expect(imported.stderr).toContain('subs.csv: line 5: eve@example.com: name contains a control character');
    expect(imported.stderr).toContain(
      'Imported subs.csv: 1 valid row (1 added, 0 updated, 0 unchanged, 3 invalid rows skipped)',
    );
    expect(existsSync(join(cwd, 'data', 'digest.db'))).toBe(true);

    expect((await cli(['subscribers', 'add', 'bob@EXAMPLE.org', '--name', 'Bob'], cwd)).stderr).toContain(
      'Added bob@example.org',
    );
    const listed = await cli(['subscribers', 'list', '--json'], cwd);
    expect(
      JSON.parse(listed.stdout).map((s: { email: string; topics: string[] }) => [s.email, s.topics]),
    ).toEqual([
      ['ann@example.com', ['ai', 'tech']],
      ['bob@example.org', []],
    ]);
    const table = await cli(['subscribers', 'list'], cwd);
    expect(table.stdout.split('\n')[0]).toMatch(/^EMAIL\s+NAME\s+STATUS\s+TOPICS\s+LAST EVENT$/);
    expect(table.stderr).toContain('2 subscribers (2 active, 0 unsubscribed)');
    // addresses compare case-insensitively, the part before @ too
    expect((await cli(['subscribers', 'remove', 'BOB@example.org'], cwd)).code).toBe(0);
    const gone = await cli(['subscribers', 'remove', 'bob@example.org'], cwd);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain('no subscriber bob@example.org');
    expect((await cli(['subscribers', 'frobnicate'], cwd)).code).toBe(2);
    expect((await cli(['subscribers', 'add'], cwd)).code).toBe(2);
    expect((await cli(['subscribers', 'add', 'x@example.com\r\nBcc: y@example.com'], cwd)).code).toBe(1);
    expect((await cli(['subscribers', 'import', 'missing.csv'], cwd)).code).toBe(1);
  });

  it('imports the sample subscribers', async () => {
    const cwd = tempDir('digest-cli-');
    const r = await cli(['subscribers', 'import', join(ROOT, 'sample', 'subscribers.csv')], cwd);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/valid rows \(\d+ added, 0 updated, 0 unchanged\)/);
  });
});

describe('digest send', () => {
  it('sample content, 50 subscribers: 50 messages, one each, with the headers; again: 0 more', async () => {
    const { cwd } = await setup(50);
    const s = await smtpServer();
    const env = { SMTP_URL: s.url, DIGEST_PUBLIC_URL: 'https://news.example.com' };
    const first = await cli(['send', ...BUILD], cwd, env);
    expect(first.stderr).toMatch(
      /Sent digest \d{4}-\d\d-\d\d to 50 of 50 subscribers \(0 failed\) in [\d.]+ s/,
    );
    expect(first.code).toBe(0);
    expect(s.received.length).toBe(50);
    expect([...copiesPerAddress(s.received).values()].every((n) => n === 1)).toBe(true);
    const mail = await parse(s.received[0]?.raw ?? '');
    const list = mail.headers.get('list') as Record<string, Record<string, string>>;
    expect(list.unsubscribe?.url).toMatch(
      /^https:\/\/news\.example\.com\/unsubscribe\?token=[\w-]+\.[\w-]{43}$/,
    );
    expect(list['unsubscribe-post']?.name).toBe('List-Unsubscribe=One-Click');
    expect(list.id?.id).toBe('digest.example.com');
    expect(mail.messageId).toMatch(/@example\.com>$/);
    expect(mail.text).toContain(list.unsubscribe?.url);
    expect(String(mail.html).toLowerCase()).toContain('unsubscribe');

    const again = await cli(['send', ...BUILD, '--json'], cwd, env);
    expect(again.code).toBe(0);
    expect(again.stderr).toMatch(/to 0 of 50 subscribers \(50 already sent, 0 failed\)/);
    expect(JSON.parse(again.stdout)).toMatchObject({ complete: true, counts: { sent: 0, alreadySent: 50 } });
    expect(s.received.length).toBe(50);
  });

  it('exits 1 and lists permanent failures with the server reply', async () => {
    const { cwd } = await setup(30);
    const s = await smtpServer({
      onRcpt: (address) =>
        address.endsWith('7@example.com') ? [550, '5.1.1 <user> Mailbox unavailable'] : undefined,
    });
    const r = await cli(['send', ...BUILD, '--json'], cwd, { SMTP_URL: s.url });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('failed_perm s007@example.com: 550 5.1.1 <user> Mailbox unavailable');
    expect(r.stderr).toContain('--retry-failed');
    const report = JSON.parse(r.stdout);
    expect(report.counts).toMatchObject({ sent: 27, failedPerm: 3 });
    expect(report.failures.map((f: { email: string; code: number }) => [f.email, f.code])).toEqual([
      ['s007@example.com', 550],
      ['s017@example.com', 550],
      ['s027@example.com', 550],
    ]);
  });

  it('--dry-run: no connection, no database write, one .eml per active subscriber', async () => {
    const { cwd, db } = await setup(200);
    const store = openStore(db);
    const { subscriber } = await store.subscribers.add({ email: 'gone@example.com', name: '', topics: [] });
    await store.subscribers.setStatus(subscriber.id, 'unsubscribed');
    store.close();
    const before = readFileSync(db);
    const s = await smtpServer();
    const r = await cli(['send', ...BUILD, '--dry-run', '--out', 'out'], cwd, { SMTP_URL: s.url });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(
      /Dry run: wrote 200 messages for digest (\d{4}-\d\d-\d\d) to .*eml \(subject ".+", \d+ KB each; 1 unsubscribed skipped\)/,
    );
    expect(s.connections).toBe(0);
    expect(readFileSync(db).equals(before)).toBe(true);
    expect(ledger(db)).toEqual([]);
    const date = /digest (\d{4}-\d\d-\d\d)/.exec(r.stderr)?.[1] ?? '';
    const dir = join(cwd, 'out', date, 'eml');
    const files = readdirSync(dir).sort();
    expect(files.length).toBe(200);
    expect(files.some((f) => f.includes('gone@'))).toBe(false);
    const mail = await parse(readFileSync(join(dir, files[0] ?? '')));
    expect(mail.headers.get('list')).toMatchObject({
      'unsubscribe-post': { name: 'List-Unsubscribe=One-Click' },
    });
    expect(existsSync(join(cwd, 'out', date, 'digest.html'))).toBe(true);
  });

  it('never prints the SMTP password, on success or on a refused login', async () => {
    const { cwd } = await setup(3);
    const s = await smtpServer({ auth: (user, pass) => user === 'mailer' && pass === 'Pa55-w0rd-xyz' });
    const ok = await cli(['send', ...BUILD, '--json'], cwd, {
      SMTP_URL: `smtp://mailer:Pa55-w0rd-xyz@127.0.0.1:${s.port}`,
    });
    expect(ok.code).toBe(0);
    expect(ok.stderr).toContain(`via smtp://mailer:****@127.0.0.1:${s.port}`);
    expect(ok.stdout + ok.stderr).not.toContain('Pa55-w0rd-xyz');
    const bad = await cli(['send', ...BUILD, '--to', 'me@example.com'], cwd, {
      SMTP_HOST: '127.0.0.1',
      SMTP_PORT: String(s.port),
      SMTP_USER: 'mailer',
      SMTP_PASS: 'wrong-Secret-123',
    });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/can't use the SMTP server smtp:\/\/mailer:\*\*\*\*@127\.0\.0\.1:\d+: .*535/);
    expect(bad.stdout + bad.stderr).not.toContain('wrong-Secret-123');
  });

  it('--to sends one test copy outside the list and the ledger', async () => {
    const { cwd, db } = await setup(3);
    const s = await smtpServer();
    const r = await cli(['send', ...BUILD, '--to', 'Editor@Example.com'], cwd, { SMTP_URL: s.url });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/Sent a test copy of digest .* to Editor@example\.com/);
    expect(s.received.map((m) => m.to)).toEqual([['Editor@example.com']]);
    expect(ledger(db)).toEqual([]);
  });

  it('explains what is missing: SMTP settings, the secret, a valid --to', async () => {
    const { cwd } = await setup(1);
    const noSmtp = await cli(['send', ...BUILD], cwd);
    expect(noSmtp.code).toBe(1);
    expect(noSmtp.stderr).toContain('no SMTP settings');
    const noSecret = await cli(['send', ...BUILD], cwd, {
      SMTP_URL: 'smtp://127.0.0.1:1',
      DIGEST_SECRET: '',
    });
    expect(noSecret.code).toBe(1);
    expect(noSecret.stderr).toContain('DIGEST_SECRET is not set');
    const badTo = await cli(['send', ...BUILD, '--to', 'nope'], cwd);
    expect(badTo.code).toBe(2);
    const both = await cli(['send', ...BUILD, '--to', 'a@example.com', '--retry-failed'], cwd);
    expect(both.code).toBe(2);
  });
});
