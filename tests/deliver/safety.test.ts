import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, readdirSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { resumeCommand } from '../../src/cli/_send.js';
import { createSmtpTransport, sendDigest, smtpFromEnv } from '../../src/deliver/index.js';
import { openStore } from '../../src/store/index.js';
import { unsubscribeToken } from '../../src/web/_subscription.js';
import { startWebServer } from '../../src/web/index.js';
import { cleanups, runCleanups, tempDir } from '../helpers/cleanup.js';
import { ROOT, type Spawned, spawnDigest } from '../helpers/cli.js';
import { copiesPerAddress, smtpServer } from '../helpers/smtp.js';
import { waitFor } from '../helpers/wait.js';
import { BUILD, SECRET, sampleRendered, subscriberFolder } from './helpers.js';

/** Send safety with real processes: `digest` children, a real SMTP server, a real web server. */

afterEach(runCleanups);

function digest(args: string[], cwd: string, env: Record<string, string> = {}): Spawned {
  const run = spawnDigest(args, { cwd, env: { NO_COLOR: '1', DIGEST_SECRET: SECRET, ...env } });
  cleanups.push(run.kill);
  return run;
}

const addr = (i: number) => `s${String(i).padStart(3, '0')}@example.com`;

describe('the ledger follows the person, not a reusable id', () => {
  it('remove the highest id then add a newcomer: the newcomer receives 1; remove and re-add: still 1 in total', async () => {
    const { cwd } = await subscriberFolder(3, 'digest-safety-');
    const s = await smtpServer();
    const env = { SMTP_URL: s.url };
    const first = await digest(['send', ...BUILD], cwd, env).done;
    expect(first.code, first.stderr).toBe(0);
    // s003 held the highest id; before, SQLite gave it to the newcomer with s003's `sent` row
    expect((await digest(['subscribers', 'remove', addr(3)], cwd).done).code).toBe(0);
    expect((await digest(['subscribers', 'add', 'new@example.com'], cwd).done).code).toBe(0);
    const second = await digest(['send', ...BUILD], cwd, env).done;
    expect(second.code, second.stderr).toBe(0);
    // remove and add the same address (in another case): its row is still `sent`
    expect((await digest(['subscribers', 'remove', addr(2)], cwd).done).code).toBe(0);
    expect((await digest(['subscribers', 'add', 'S002@Example.com'], cwd).done).code).toBe(0);
    const third = await digest(['send', ...BUILD], cwd, env).done;
    expect(third.code, third.stderr).toBe(0);
    const copies = copiesPerAddress(s.accepted.map((m) => ({ to: m.to.map((t) => t.toLowerCase()) })));
    expect(Object.fromEntries(copies)).toEqual({
      [addr(1)]: 1,
      [addr(2)]: 1,
      [addr(3)]: 1,
      'new@example.com': 1,
    });
  });

  it('an unsubscribe survives remove: re-importing the master CSV keeps it; resubscribe lifts it', async () => {
    const { cwd } = await subscriberFolder(0, 'digest-safety-');
    writeFileSync(join(cwd, 'master.csv'), 'email\na@example.com\nb@example.com\n');
    expect((await digest(['subscribers', 'import', 'master.csv'], cwd).done).code).toBe(0);
    const web = openStore(join(cwd, 'data', 'digest.db'));
    const a = await web.subscribers.findByEmail('a@example.com');
    await web.subscribers.setStatus(a?.id ?? -1, 'unsubscribed');
    web.close();
    expect((await digest(['subscribers', 'remove', 'a@example.com'], cwd).done).code).toBe(0);
    const again = await digest(['subscribers', 'import', 'master.csv'], cwd).done;
    expect(again.stderr).toContain('0 added, 0 updated, 1 unchanged, 1 kept unsubscribed');
    const added = await digest(['subscribers', 'add', 'A@example.com'], cwd).done;
    expect(added.stderr).toContain('stays unsubscribed');
    const listed = await digest(['subscribers', 'list', '--json'], cwd).done;
    expect(
      JSON.parse(listed.stdout).map((x: { email: string; status: string }) => [x.email, x.status]),
    ).toEqual([
      ['a@example.com', 'unsubscribed'],
      ['b@example.com', 'active'],
    ]);
    const resub = await digest(['subscribers', 'resubscribe', 'a@example.com'], cwd).done;
    expect(resub.code, resub.stderr).toBe(0);
    expect(resub.stderr).toContain('Re-subscribed a@example.com');
    const after = await digest(['subscribers', 'list', '--status', 'active', '--json'], cwd).done;
    expect(JSON.parse(after.stdout).map((x: { email: string }) => x.email)).toEqual([
      'a@example.com',
      'b@example.com',
    ]);
  });
});

describe('unsubscribe links', () => {
  it('a link from before remove and re-add still unsubscribes the person (real web server)', async () => {
    const { db } = await subscriberFolder(0, 'digest-safety-');
    const store = openStore(db);
    cleanups.push(() => store.close());
    const ann = (await store.subscribers.add({ email: 'ann@example.com', name: '', topics: [] })).subscriber;
    await store.subscribers.add({ email: 'bob@example.com', name: '', topics: [] });
    const link = unsubscribeToken(ann, SECRET); // as in a digest sent before the remove
    await store.subscribers.remove('ann@example.com');
    await store.subscribers.add({ email: 'Ann@example.com', name: 'Ann', topics: [] });
    const server = await startWebServer({ store, secret: SECRET, port: 0 });
    cleanups.push(() => server.close());
    const res = await fetch(`${server.url}unsubscribe?token=${link}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
    });
    expect(res.status).toBe(200);
    expect((await store.subscribers.findByEmail('ann@example.com'))?.status).toBe('unsubscribed');
    expect((await store.subscribers.findByEmail('bob@example.com'))?.status).toBe('active');
  });
});

describe('changes to the list during a send', () => {
  it('20 one-click unsubscribes (real web server) and 50 removes at about 10 % of a 200-recipient send: none of them receives it', async () => {
    const { cwd, db } = await subscriberFolder(200, 'digest-safety-');
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    // Answer the first 20 at once, then hold every answer until the list has changed.
    const s = await smtpServer({ hold: (n) => (n > 20 ? gate : undefined) });
    const store = openStore(db);
    cleanups.push(() => store.close());
    const server = await startWebServer({ store, secret: SECRET, port: 0 });
    cleanups.push(() => server.close());
    const send = digest(['send', ...BUILD, '--json'], cwd, { SMTP_URL: s.url });
    await waitFor(() => s.received.length > 20, 45_000, '20 messages');
    const leaving = Array.from({ length: 20 }, (_, i) => addr(101 + i));
    const removed = Array.from({ length: 50 }, (_, i) => addr(131 + i));
    const answeredAt = new Map<string, number>();
    for (const email of leaving) {
      const subscriber = await store.subscribers.findByEmail(email);
      if (!subscriber) throw new Error(`no ${email}`);
      const url = `${server.url}unsubscribe?token=${unsubscribeToken(subscriber, SECRET)}`;
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: 'List-Unsubscribe=One-Click',
      });
      expect(res.status).toBe(200);
      answeredAt.set(email, s.received.length);
    }
    // removed by another process than the sender (this one), as `digest subscribers remove` does
    for (const email of removed) {
      expect(await store.subscribers.remove(email)).toBe(true);
      answeredAt.set(email, s.received.length);
    }
    release();
    const r = await send.done;
    // Messages received after the answer; only those already on an open connection may arrive.
    const late = [...answeredAt].filter(([email, at]) =>
      s.received.slice(at).some((m) => m.to.includes(email)),
    );
    expect(late.length).toBeLessThanOrEqual(5);
    const gotIt = [...leaving, ...removed].filter((e) => s.received.some((m) => m.to.includes(e)));
    expect(gotIt.length).toBeLessThanOrEqual(5);
    const report = JSON.parse(r.stdout);
    expect(report.counts.leftDuringSend).toBe(70 - gotIt.length);
    expect(report.complete).toBe(true);
    expect(r.code, r.stderr).toBe(0);
    expect(s.accepted.length).toBe(130 + gotIt.length);
  });
});

/** A working folder whose database lists these addresses (in this order), and a config file. */
async function listFolder(emails: string[], config: Record<string, unknown> = {}) {
  const cwd = tempDir('digest-safety-');
  const db = join(cwd, 'data', 'digest.db');
  const store = openStore(db);
  await store.subscribers.importMany(emails.map((email) => ({ email, name: '', topics: [] })));
  store.close();
  writeFileSync(join(cwd, 'digest.config.json'), JSON.stringify(config));
  return { cwd, db };
}

describe('whose fault a refusal is (RFC 3463)', () => {
  it('25 consecutive 550 5.1.1 then 1,975 accepted: the run does not stop, all 1,975 delivered', async () => {
    const dead = Array.from({ length: 25 }, (_, i) => `gone${i + 1}@dead.example`);
    const live = Array.from({ length: 1975 }, (_, i) => `r${i + 1}@live.example`);
    const { cwd } = await listFolder([...dead, ...live]);
    const s = await smtpServer({
      onRcpt: (address) => (address.endsWith('@dead.example') ? [550, '5.1.1 no such user'] : undefined),
    });
    const r = await digest(['send', ...BUILD, '--json'], cwd, { SMTP_URL: s.url }).done;
    const report = JSON.parse(r.stdout);
    expect(report.stopped).toBeUndefined();
    expect(report.counts).toMatchObject({ sent: 1975, failedPerm: 25 });
    expect(copiesPerAddress(s.accepted).size).toBe(1975);
    expect(r.code).toBe(1);
  });

  it('a domain that answers 451 to everything: every other domain delivered, each of its rows retried maxAttempts times in the same run', async () => {
    const emails = Array.from(
      { length: 200 },
      (_, i) => `r${i + 1}@${['a', 'b', 'slow', 'c'][i % 4]}.example`,
    );
    const { cwd } = await listFolder(emails, { send: { retryDelayMs: 50, maxAttempts: 4 } });
    const s = await smtpServer({
      onRcpt: (address) => (address.endsWith('@slow.example') ? [451, 'try again later'] : undefined),
    });
    const r = await digest(['send', ...BUILD, '--json'], cwd, { SMTP_URL: s.url }).done;
    const report = JSON.parse(r.stdout);
    expect(report.stopped).toBeUndefined();
    expect(report.counts).toMatchObject({ sent: 150, failedTemp: 50 });
    expect(copiesPerAddress(s.accepted).size).toBe(150);
    const slow = [...s.rcptAttempts].filter(([a]) => a.endsWith('@slow.example'));
    expect(slow.length).toBe(50);
    expect(slow.every(([, n]) => n === 4)).toBe(true);
    expect(r.code).toBe(1);
  });
});

describe('a database that is not there', () => {
  it('send, run and schedule refuse a missing or empty database: exit 1, the path named, no file created', async () => {
    const cwd = tempDir('digest-safety-');
    const s = await smtpServer();
    const env = { SMTP_URL: s.url };
    const typo = join(cwd, 'data', 'digets.db');
    for (const args of [
      ['send', ...BUILD, '--db', typo],
      ['run', '--db', typo, '--now', '2026-11-24T07:00:00Z'],
      ['schedule', '--db', typo],
    ]) {
      const r = await digest(args, cwd, env).done;
      expect(r.code, `${args[0]}: ${r.stderr}`).toBe(1);
      expect(r.stderr).toContain(typo);
      expect(r.stderr).toContain('digest subscribers import');
      expect(existsSync(typo)).toBe(false);
      expect(existsSync(join(cwd, 'data'))).toBe(false);
    }
    const empty = join(cwd, 'empty.db');
    writeFileSync(empty, '');
    const r = await digest(['send', ...BUILD, '--db', empty], cwd, env).done;
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('empty file');
    expect(s.connections).toBe(0);
  });

  it('run with 0 active subscribers says so and exits 1; the day is not recorded as sent', async () => {
    const { cwd } = await subscriberFolder(0, 'digest-safety-');
    const s = await smtpServer();
    writeFileSync(
      join(cwd, 'digest.config.json'),
      JSON.stringify({ content: BUILD[3], templates: BUILD[5], timeZone: 'UTC' }),
    );
    const r = await digest(['run', '--now', '2026-11-25T07:00:00Z'], cwd, { SMTP_URL: s.url }).done;
    expect(r.stderr).toContain('no active subscribers');
    expect(r.code, r.stderr).toBe(1);
    const check = openStore(join(cwd, 'data', 'digest.db'), { readonly: true });
    expect(check.db.prepare('SELECT state FROM runs').all()).toEqual([{ state: 'failed' }]);
    check.close();
    const send = await digest(['send', ...BUILD], cwd, { SMTP_URL: s.url }).done;
    expect(send.stderr).toContain('No active subscribers: nothing sent');
  });
});

describe('a server that stalls', () => {
  it('accepts and never answers DATA: the run ends within 2 x the inactivity limit, at most one unknown per connection', async () => {
    const limit = 2500;
    const connections = 3;
    const { cwd } = await listFolder(Array.from({ length: 60 }, (_, i) => `r${i + 1}@example.com`));
    const s = await smtpServer({ hold: () => new Promise<void>(() => {}) });
    const store = openStore(join(cwd, 'data', 'digest.db'));
    cleanups.push(() => store.close());
    const settings = smtpFromEnv({ SMTP_URL: s.url });
    if (!settings) throw new Error('no settings');
    const transport = createSmtpTransport(settings, { connections, socketTimeoutMs: limit });
    const report = await sendDigest(
      {
        digestKey: 'day:2020-09-13@UTC',
        date: '2020-09-13',
        rendered: sampleRendered(),
        message: { from: 'digest@example.com', listId: '', unsubscribeMailto: '' },
        publicUrl: 'https://news.example.com',
        secret: SECRET,
        settings: { connections, rateLimit: 0, maxAttempts: 3, retryDelayMs: 20, maxConsecutiveFailures: 20 },
      },
      { subscribers: store.subscribers, ledger: store.ledger, transport },
    ).finally(() => transport.close());
    expect(report.durationMs).toBeLessThan(2 * limit);
    expect(report.counts.unknown).toBeGreaterThan(0);
    expect(report.counts.unknown).toBeLessThanOrEqual(connections);
    expect(s.received.length).toBeLessThanOrEqual(connections);
    expect(report.stopped).toMatch(/stopped answering/);
    // the rest never left: pending or failed_temp, sent by the next run without any flag
    expect(report.counts.pending + report.counts.failedTemp).toBe(60 - report.counts.unknown);
  });
});

describe('messages left unknown', () => {
  it('--resend-unknown says how many and that most were delivered, before sending; --mark-unknown-sent closes them without sending', async () => {
    const { cwd } = await subscriberFolder(20, 'digest-safety-');
    // The server drops the connection after the first 3 messages' content, before answering.
    const s = await smtpServer({ onData: (n) => (n <= 3 ? 'drop-before-reply' : 'accept') });
    const env = { SMTP_URL: s.url };
    const first = await digest(['send', ...BUILD, '--json'], cwd, env).done;
    expect(JSON.parse(first.stdout).counts.unknown).toBe(3);
    expect(first.stderr).toContain('--mark-unknown-sent');
    const both = await digest(['send', ...BUILD, '--resend-unknown', '--mark-unknown-sent'], cwd, env).done;
    expect(both.code).toBe(2);

    const copy = tempDir('digest-safety-');
    cpSync(join(cwd, 'data'), join(copy, 'data'), { recursive: true });
    const resend = await digest(['send', ...BUILD, '--resend-unknown'], copy, env).done;
    const warning = resend.stderr.indexOf(
      'warning: --resend-unknown resends 3 messages whose delivery is unknown; most such messages were delivered',
    );
    expect(warning).toBeGreaterThanOrEqual(0);
    expect(warning).toBeLessThan(resend.stderr.indexOf('Sending digest'));
    expect(resend.code).toBe(0);
    expect(s.received.length).toBe(20 + 3);

    const mark = await digest(['send', ...BUILD, '--mark-unknown-sent', '--json'], cwd, env).done;
    expect(mark.code, mark.stderr).toBe(0);
    expect(JSON.parse(mark.stdout).counts).toMatchObject({
      sent: 0,
      markedSent: 3,
      alreadySent: 20,
      unknown: 0,
    });
    expect(mark.stderr).toContain('3 unknown marked sent');
    expect(s.received.length).toBe(23);
  });
});

describe('smaller holes', () => {
  it.each([
    ['a space', 'https://news.example.com/my digest'],
    ['CR/LF', 'https://news.example.com/\r\nBcc: x@example.com'],
  ])('a publicUrl with %s is refused before anything is written', async (_what, url) => {
    const { cwd } = await subscriberFolder(2, 'digest-safety-');
    const r = await digest(['send', ...BUILD, '--dry-run', '--out', 'out'], cwd, { DIGEST_PUBLIC_URL: url })
      .done;
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('publicUrl');
    expect(existsSync(join(cwd, 'out'))).toBe(false);
  });

  it('the subscriber web server closes a slow-header socket after its headers timeout, not ~30 s later', async () => {
    const { db } = await subscriberFolder(1, 'digest-safety-');
    const store = openStore(db);
    cleanups.push(() => store.close());
    const server = await startWebServer({ store, secret: SECRET, port: 0, headersTimeoutMs: 1000 });
    cleanups.push(() => server.close());
    const socket = connect(server.port, '127.0.0.1');
    cleanups.push(() => socket.destroy());
    let closed = false;
    socket.on('close', () => (closed = true));
    socket.on('error', () => undefined);
    socket.resume(); // read the server's answer and its end of the connection
    socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n'); // and never the blank line
    // Node checks header timeouts every connectionsCheckingInterval (30 s by default).
    await waitFor(() => closed, 8000, 'the server to close the slow socket');
    expect(closed).toBe(true);
  });

  it('a server that echoes the AUTH PLAIN blob: neither stderr, --json nor the ledger shows it', async () => {
    const { cwd, db } = await subscriberFolder(3, 'digest-safety-');
    const blob = Buffer.from('\u0000ann\u0000hunter22secret').toString('base64');
    const s = await smtpServer({
      auth: (user, pass) => user === 'ann' && pass === 'hunter22secret',
      onRcpt: (address) => (address === addr(2) ? [550, `5.7.1 you said AUTH PLAIN ${blob}`] : undefined),
    });
    const url = s.url.replace('smtp://', 'smtp://ann:hunter22secret@');
    const r = await digest(['send', ...BUILD, '--json'], cwd, { SMTP_URL: url }).done;
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('you said AUTH PLAIN ****');
    for (const text of [r.stderr, r.stdout]) {
      expect(text).not.toContain(blob);
      expect(text).not.toContain('hunter22secret');
    }
    const check = openStore(db, { readonly: true });
    const replies = check.db.prepare('SELECT last_reply FROM deliveries').all() as {
      last_reply: string | null;
    }[];
    check.close();
    expect(replies.some((x) => x.last_reply?.includes('****'))).toBe(true);
    expect(replies.every((x) => !x.last_reply?.includes(blob))).toBe(true);
  });

  it('a database in a folder this user cannot write: subscribers list and send --dry-run still work', async () => {
    const { cwd } = await subscriberFolder(3, 'digest-safety-');
    const data = join(cwd, 'data');
    // As root, write permission bits don't bind: run the command as nobody, who owns nothing here.
    const asRoot = process.getuid?.() === 0;
    chmodSync(cwd, 0o755);
    chmodSync(data, asRoot ? 0o755 : 0o555);
    cleanups.push(() => chmodSync(data, 0o755));
    const user = asRoot ? { uid: 65534, gid: 65534 } : {};
    const run = (args: string[]) =>
      spawnSync(process.execPath, [join(ROOT, 'bin', 'digest.js'), ...args], {
        cwd,
        env: { PATH: process.env.PATH ?? '', NO_COLOR: '1' },
        encoding: 'utf8',
        timeout: 60_000,
        ...user,
      });
    const list = run(['subscribers', 'list']);
    expect(list.stderr).not.toContain('readonly');
    expect(list.status, list.stderr).toBe(0);
    expect(list.stdout).toContain(addr(3));
    const out = tempDir('digest-safety-out-');
    chmodSync(out, 0o777);
    const dry = run(['send', ...BUILD, '--dry-run', '--out', out]);
    expect(dry.status, dry.stderr).toBe(0);
    expect(dry.stderr).toContain('Dry run: wrote 3 messages');
    expect(readdirSync(data).sort()).toEqual(['digest.db']);
  });
});

describe('an interrupted send', () => {
  it('Ctrl-C at about 40 of 300: one line for those not attempted and the exact command, which then sends the rest once', async () => {
    const { cwd } = await subscriberFolder(300, 'digest-safety-');
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const s = await smtpServer({ hold: (n) => (n > 40 ? gate : undefined) });
    const env = { SMTP_URL: s.url };
    const run = digest(['send', ...BUILD], cwd, env);
    await waitFor(() => s.received.length > 40, 45_000, '40 messages');
    run.child.kill('SIGINT');
    // Answers stay held until the process has surely taken the signal: no new message starts after it.
    await new Promise((resolve) => setTimeout(resolve, 500));
    release();
    const r = await run.done;
    expect(r.code).toBe(1);
    const lines = r.stderr.split('\n');
    expect(lines.filter((l) => l.includes('not attempted')).length).toBe(1);
    expect(lines.filter((l) => /^\s+pending\b/.test(l))).toEqual([]);
    expect(r.stderr).toMatch(/^Sent digest .* \d+ not attempted\) in /m);
    expect(r.stderr).toContain('Stopped: interrupted');
    const resume = /^To send the rest of this digest, run: (digest send .+)$/m.exec(r.stderr)?.[1] ?? '';
    expect(resume).toMatch(/^digest send --date \d{4}-\d\d-\d\d /);
    const words = shellWords(resume).slice(1);
    const again = await digest(words, cwd, env).done;
    expect(again.code, again.stderr).toBe(0);
    const copies = copiesPerAddress(s.accepted);
    expect(copies.size).toBe(300);
    expect([...copies.values()].every((n) => n === 1)).toBe(true);
  });

  it.each([
    [
      { date: 'latest', content: 'c', db: 'my db.sqlite' },
      '2020-09-13',
      "digest send --date 2020-09-13 --content c --db 'my db.sqlite'",
    ],
    [
      { since: '2020-09-12', until: '2020-09-13', 'retry-failed': true, json: false },
      'x',
      'digest send --since 2020-09-12 --until 2020-09-13 --retry-failed',
    ],
  ])('resumeCommand(%j)', (values, date, expected) => {
    expect(resumeCommand(values, date)).toBe(expected);
    expect(shellWords(expected).length).toBeGreaterThan(2);
  });
});

/** Split a command line the way a POSIX shell does for plain and single-quoted words. */
function shellWords(line: string): string[] {
  const words: string[] = [];
  const re = /'((?:[^']|'\\'')*)'|(\S+)/g;
  for (let m = re.exec(line); m; m = re.exec(line))
    words.push(m[1] !== undefined ? m[1].replace(/'\\''/g, "'") : (m[2] ?? ''));
  return words;
}
