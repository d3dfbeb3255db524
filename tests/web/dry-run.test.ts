import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { afterEach, expect, it } from 'vitest';
import {
  oneClick,
  runCleanups,
  runCli,
  SAMPLE,
  SECRET,
  serve,
  statusOf,
  tempDir,
  workspace,
} from './helpers.js';

afterEach(runCleanups);

const EMAILS = ['ada@example.com', 'bob@example.com', 'cy@example.org'];

/** `send --dry-run` in-process; returns the parsed .eml files and the JSON report. */
async function dryRun(cwd: string, base: string) {
  const out = tempDir();
  const r = await runCli(['send', '--dry-run', '--json', ...SAMPLE, '--date', '2026-11-23', '--out', out], {
    cwd,
    env: { DIGEST_SECRET: SECRET, DIGEST_PUBLIC_URL: base },
  });
  expect(r.code, r.stderr).toBe(0);
  const dir = join(out, '2026-11-23', 'eml');
  const messages = await Promise.all(
    readdirSync(dir)
      .filter((name) => name.endsWith('.eml'))
      .map((name) => simpleParser(readFileSync(join(dir, name)))),
  );
  return { messages, report: JSON.parse(r.stdout) as { recipients: number; unsubscribed: number } };
}

/** The https/http URL in a message's List-Unsubscribe header, as a mail client reads it. */
function listUnsubscribeUrl(mail: Awaited<ReturnType<typeof simpleParser>>): string {
  const line = mail.headerLines.find((h) => h.key === 'list-unsubscribe')?.line ?? '';
  const url = /<(https?:\/\/[^>]+)>/.exec(line.replace(/\r?\n[ \t]+/g, ''))?.[1];
  if (!url) throw new Error(`no http(s) List-Unsubscribe in: ${line}`);
  return url;
}

it('the token from a real dry-run message unsubscribes exactly that subscriber; a GET does not; the next send skips them', async () => {
  const { cwd, db } = await workspace(EMAILS);
  const { store, base } = await serve(db);
  const first = await dryRun(cwd, base);
  expect(first.messages).toHaveLength(3);
  expect(first.report.recipients).toBe(3);
  const bob = first.messages.find(
    (m) => m.to && !Array.isArray(m.to) && m.to.value[0]?.address === 'bob@example.com',
  );
  if (!bob) throw new Error('no message to bob');
  expect(bob.headerLines.find((h) => h.key === 'list-unsubscribe-post')?.line).toBe(
    'List-Unsubscribe-Post: List-Unsubscribe=One-Click',
  );
  const url = listUnsubscribeUrl(bob);
  expect(url.startsWith(`${base}/unsubscribe?token=`)).toBe(true);

  // A link scanner following the link changes nothing.
  const scanned = await fetch(url);
  expect(scanned.status).toBe(200);
  expect(statusOf(store, 'bob@example.com')).toBe('active');

  // One character changed: refused, nobody unsubscribed.
  const token = new URL(url).searchParams.get('token') as string;
  const i = token.length - 10;
  const altered = `${base}/unsubscribe?token=${token.slice(0, i)}${token[i] === 'x' ? 'y' : 'x'}${token.slice(i + 1)}`;
  expect((await oneClick(altered)).status).toBe(400);
  for (const email of EMAILS) expect(statusOf(store, email)).toBe('active');

  const res = await oneClick(url);
  expect(res.status).toBe(200);
  expect(statusOf(store, 'bob@example.com')).toBe('unsubscribed');
  expect(statusOf(store, 'ada@example.com')).toBe('active');
  expect(statusOf(store, 'cy@example.org')).toBe('active');

  const second = await dryRun(cwd, base);
  expect(second.report).toMatchObject({ recipients: 2, unsubscribed: 1 });
  const to = second.messages.map((m) => (m.to && !Array.isArray(m.to) ? m.to.value[0]?.address : undefined));
  expect(to.sort()).toEqual(['ada@example.com', 'cy@example.org']);
});
