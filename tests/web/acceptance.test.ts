import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { afterEach, expect, it } from 'vitest';
import { type Spawned, spawnDigest } from '../helpers/cli.js';
import { smtpServer } from '../helpers/smtp.js';
import { cleanups, runCleanups, SAMPLE, SECRET, workspace } from './helpers.js';

afterEach(runCleanups);

const EMAILS = ['ada@example.com', 'bob@example.com', 'cy@example.org', 'dee@example.net'];

/** The compiled `digest` command as its own process (dist/ is built by the global setup). */
function digest(args: string[], cwd: string, env: Record<string, string>): Spawned {
  const run = spawnDigest(args, { cwd, env: { NO_COLOR: '1', ...env } });
  cleanups.push(run.kill);
  return run;
}

/** Wait until the process prints its URL on stdout (at most 20 s). */
async function urlOf(proc: Spawned): Promise<string> {
  for (let i = 0; i < 400; i++) {
    const m = /^(http:\/\/\S+)$/m.exec(proc.stdout());
    if (m) return m[1] as string;
    if (proc.child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`digest serve printed no URL: ${proc.stderr()}`);
}

it('digest serve against a real send: the received List-Unsubscribe URL, POSTed as mail clients do, unsubscribes exactly that subscriber; the next run sends to one fewer', async () => {
  const { cwd } = await workspace(EMAILS);
  const smtp = await smtpServer();
  const serve = digest(['serve', '--port', '0'], cwd, { DIGEST_SECRET: SECRET });
  const base = (await urlOf(serve)).replace(/\/$/, '');
  const env = { DIGEST_SECRET: SECRET, DIGEST_PUBLIC_URL: base, SMTP_URL: smtp.url };
  const out = join(cwd, 'out');

  const first = await digest(['send', ...SAMPLE, '--date', '2026-11-23', '--out', out], cwd, env).done;
  expect(first.code, first.stderr).toBe(0);
  expect(smtp.received.map((m) => m.to[0]).sort()).toEqual([...EMAILS].sort());

  const toCy = smtp.received.find((m) => m.to[0] === 'cy@example.org');
  const mail = await simpleParser(toCy?.raw ?? '');
  const header =
    mail.headerLines.find((h) => h.key === 'list-unsubscribe')?.line.replace(/\r?\n[ \t]+/g, '') ?? '';
  const url = /<(https?:\/\/[^>]+)>/.exec(header)?.[1] ?? '';
  expect(url.startsWith(`${base}/unsubscribe?token=`)).toBe(true);
  expect(mail.headerLines.find((h) => h.key === 'list-unsubscribe-post')?.line).toBe(
    'List-Unsubscribe-Post: List-Unsubscribe=One-Click',
  );
  // RFC 8058: a POST to that URL with this body, no cookies, no redirects followed.
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: 'List-Unsubscribe=One-Click',
    redirect: 'manual',
  });
  expect(res.status).toBe(200);

  const list = await digest(['subscribers', 'list', '--json'], cwd, {}).done;
  const subscribers = JSON.parse(list.stdout) as { email: string; status: string }[];
  expect(subscribers.filter((s) => s.status === 'unsubscribed').map((s) => s.email)).toEqual([
    'cy@example.org',
  ]);
  expect(subscribers.filter((s) => s.status === 'active')).toHaveLength(EMAILS.length - 1);

  const before = smtp.received.length;
  const next = await digest(['send', ...SAMPLE, '--date', '2026-11-24', '--out', out], cwd, env).done;
  expect(next.code, next.stderr).toBe(0);
  const second = smtp.received.slice(before);
  expect(second).toHaveLength(EMAILS.length - 1);
  expect(second.map((m) => m.to[0])).not.toContain('cy@example.org');

  // Both sent days are in the archive the server shows.
  const archive = await (await fetch(`${base}/archive`)).text();
  expect(archive).toContain('href="./archive/2026-11-24"');
  expect(archive).toContain('href="./archive/2026-11-23"');

  serve.child.kill('SIGTERM');
  const stopped = await serve.done;
  expect(stopped.code).toBe(0);
  expect(stopped.stderr).toContain(`unsubscribed subscriber #`);
  expect(stopped.stderr).not.toContain('cy@example.org');
});
