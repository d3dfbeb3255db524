import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import * as cheerio from 'cheerio';
import { type ParsedMail, simpleParser } from 'mailparser';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signToken } from '../../src/deliver/index.js';
import { openStore, type Store } from '../../src/store/index.js';
import { launchChromium, offlineContext } from '../helpers/browser.js';
import { type Spawned, spawnDigest } from '../helpers/cli.js';
import { smtpServer, type TestServer } from '../helpers/smtp.js';
import { waitFor } from '../helpers/wait.js';
import { cleanups, ROOT, runCleanups, runCli, SAMPLE, SECRET, workspace } from './helpers.js';

// Functions passed to evaluate() run inside Chromium; the DOM names they use (no DOM lib here).
declare const document: { documentElement: { scrollWidth: number; clientWidth: number }; body: object };
declare function getComputedStyle(element: object): { backgroundColor: string };

const SITE = 'Sample Daily';
/** Screenshots for a person to look at (git-ignored). */
const ARTIFACTS = join(ROOT, 'test-artifacts');
let base: string;
let db: string;
let cwd: string;
let store: Store;
let smtp: TestServer;
let serve: Spawned;
let browser: Browser;
let clients = 0;

interface Row {
  id: number;
  status: string;
  frequency: string;
  weekday: number | null;
  topics: string;
  name: string;
  confirm_count: number;
  confirm_nonce: string | null;
}

function row(email: string): Row | undefined {
  return store.db.prepare('SELECT * FROM subscribers WHERE email = ?').get(email) as Row | undefined;
}

function ledgerKeys(id: number): string[] {
  return (
    store.db
      .prepare('SELECT digest_key FROM deliveries WHERE subscriber_id = ? ORDER BY digest_key')
      .all(id) as { digest_key: string }[]
  ).map((r) => r.digest_key);
}

function mailsTo(address: string) {
  return smtp.received.filter((m) => m.to.includes(address));
}

async function mailTo(address: string, n = 1): Promise<ParsedMail> {
  const raw = await waitFor(() => mailsTo(address)[n - 1]?.raw, 20_000, `mail ${n} to ${address}`);
  return simpleParser(raw);
}

/** A browser without JavaScript, as its own client address (the server runs with --trust-proxy). */
async function visitor(
  options: Parameters<typeof offlineContext>[1] = {},
): Promise<{ page: Page; context: BrowserContext }> {
  clients++;
  const context = await offlineContext(browser, {
    javaScriptEnabled: false,
    extraHTTPHeaders: { 'X-Forwarded-For': `198.51.100.${clients}` },
    ...options,
  });
  cleanups.push(() => context.close());
  return { page: await context.newPage(), context };
}

/** Fill and post the front page's form. */
async function signUp(
  page: Page,
  email: string,
  extra: { name?: string; topics?: string[]; weekly?: boolean } = {},
) {
  await page.goto(`${base}/`);
  const form = page.locator('section.signup form');
  await form.getByLabel('Email address').fill(email);
  if (extra.name) await form.getByLabel('Name').fill(extra.name);
  for (const topic of extra.topics ?? []) await form.getByLabel(topic, { exact: true }).check();
  if (extra.weekly) await form.getByLabel('Once a week').check();
  await form.getByRole('button', { name: 'Subscribe' }).click();
  await page.waitForLoadState();
}

/** The text of the answer page, for comparing two answers (the address itself aside). */
async function answerText(page: Page, email: string): Promise<string> {
  return ((await page.locator('main').textContent()) ?? '').replace(email, 'ADDRESS');
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

beforeAll(async () => {
  const ws = await workspace(['ada@example.com']);
  db = ws.db;
  cwd = ws.cwd;
  smtp = await smtpServer();
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  writeFileSync(
    join(ws.cwd, 'digest.config.json'),
    JSON.stringify({ title: SITE, from: 'news@example.com', signup: { enabled: true } }),
  );
  const env = { DIGEST_SECRET: SECRET, DIGEST_PUBLIC_URL: base, SMTP_URL: smtp.url };
  // One digest sent for real: the archive's topics are what the form offers (signup.topics is empty).
  const sent = await runCli(['send', ...SAMPLE, '--date', '2026-11-24', '--out', join(ws.cwd, 'out')], {
    cwd: ws.cwd,
    env,
  });
  expect(sent.code, sent.stderr).toBe(0);
  serve = spawnDigest(['serve', '--port', String(port), '--host', '127.0.0.1', '--trust-proxy'], {
    cwd: ws.cwd,
    env,
  });
  cleanups.push(() => serve.kill());
  await serve.waitForStderr(/Serving the subscriber pages/);
  store = openStore(db);
  cleanups.push(() => store.close());
  mkdirSync(ARTIFACTS, { recursive: true });
  browser = await launchChromium();
  cleanups.push(() => browser.close());
});

afterAll(runCleanups);

describe('signup in Chromium against digest serve', () => {
  it('form, confirmation email, its link, the preference page: each step stored as it should be', async () => {
    expect(serve.stderr()).toMatch(
      /Signup: on \(double opt-in\); its emails go through smtp:\/\/127\.0\.0\.1:\d+/,
    );
    const { page } = await visitor();
    await page.goto(`${base}/`);
    await page.screenshot({ path: join(ARTIFACTS, 'web-signup-form.png'), fullPage: true });
    const offered = await page
      .locator('section.signup input[name="topics"]')
      .evaluateAll((els) => els.map((e) => (e as unknown as { value: string }).value));
    // The archive's topics: every one is in the front matter of a sample article, and there are several.
    const frontMatter = readdirSync(join(ROOT, 'content'), { recursive: true })
      .filter((f) => String(f).endsWith('.md'))
      .map((f) => readFileSync(join(ROOT, 'content', String(f)), 'utf8').toLowerCase())
      .join('\n');
    expect(offered.length).toBeGreaterThanOrEqual(3);
    for (const topic of offered) expect(frontMatter).toContain(`"${topic.toLowerCase()}"`);
    const [first, second, third] = offered as [string, string, string];

    await signUp(page, 'Reader@Example.NET', { name: 'Rea Der', topics: [first, second] });
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Check your inbox');
    const pending = row('Reader@example.net') as Row;
    expect(pending).toMatchObject({
      status: 'pending',
      frequency: 'daily',
      name: 'Rea Der',
      confirm_count: 1,
    });
    expect(JSON.parse(pending.topics)).toEqual([first, second]);

    const mail = await mailTo('Reader@example.net');
    expect(mail.subject).toBe(`Confirm your subscription to ${SITE}`);
    expect(mail.from?.value[0]).toMatchObject({ address: 'news@example.com', name: SITE });
    const link = cheerio
      .load(mail.html || '')('a:contains("Confirm your subscription")')
      .attr('href') as string;
    expect(link.startsWith(`${base}/confirm?token=`)).toBe(true);
    expect(mail.text).toContain(link);
    // Its own ledger row, never a digest: the digests table (archive, reports) only has the real send.
    expect(ledgerKeys(pending.id)).toEqual([`confirm:${pending.id}:1`]);
    const digests = store.db.prepare('SELECT digest_key FROM digests').all() as { digest_key: string }[];
    expect(digests.map((d) => d.digest_key)).toEqual([expect.stringMatching(/^day:2026-11-24/)]);
    expect(await store.ledger.listDigests()).toHaveLength(1);

    await page.goto(link);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Confirm your subscription');
    expect(row('Reader@example.net')?.status).toBe('pending'); // a GET (a mail scanner) confirms nothing
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.getByRole('heading', { name: 'Your subscription' }).waitFor();
    expect(page.url()).toMatch(new RegExp(`^${base}/preferences\\?token=`));
    expect(await page.getByRole('status').textContent()).toBe('Your subscription is confirmed.');
    expect(row('Reader@example.net')).toMatchObject({ status: 'active', confirm_nonce: null });

    // The page shows what is stored; change frequency, weekday and topics, and save without script.
    expect(await page.getByLabel('Every day').isChecked()).toBe(true);
    expect(await page.getByLabel(first, { exact: true }).isChecked()).toBe(true);
    expect(await page.getByLabel(third, { exact: true }).isChecked()).toBe(false);
    await page.getByLabel('Once a week, on').check();
    await page.getByLabel('Weekday of the weekly digest').selectOption('5');
    await page.getByLabel(first, { exact: true }).uncheck();
    await page.getByLabel(third, { exact: true }).check();
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').waitFor();
    expect(await page.getByRole('status').textContent()).toBe('Saved.');
    const saved = row('Reader@example.net') as Row;
    expect(saved).toMatchObject({ frequency: 'weekly', weekday: 5, name: 'Rea Der', status: 'active' });
    expect(JSON.parse(saved.topics)).toEqual(offered.filter((t) => t === second || t === third));
    expect(await page.getByLabel('Once a week, on').isChecked()).toBe(true);
    expect(await page.locator('select[name="weekday"]').inputValue()).toBe('5');

    // Paused is a choice too; and the link used once does nothing the second time.
    await page.getByLabel('Paused').check();
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').waitFor();
    expect(row('Reader@example.net')?.frequency).toBe('paused');
    await page.goto(link);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Already confirmed');
    expect(mailsTo('Reader@example.net')).toHaveLength(1);
  });

  it('a second signup of one address within the hour sends no second confirmation; the answer is the same for every address', async () => {
    const { page } = await visitor();
    await signUp(page, 'twice@example.net');
    const firstAnswer = await answerText(page, 'twice@example.net');
    await mailTo('twice@example.net');
    await signUp(page, 'twice@example.net', { weekly: true });
    expect(await answerText(page, 'twice@example.net')).toBe(firstAnswer);
    // An address already on the list (ada) gets the same answer, and one "already subscribed" notice.
    await signUp(page, 'ada@example.com');
    expect(await answerText(page, 'ada@example.com')).toBe(firstAnswer);
    const notice = await mailTo('ada@example.com', 2); // the first is the digest sent in beforeAll
    expect(notice.subject).toBe(`You are already subscribed to ${SITE}`);
    const manage = cheerio
      .load(notice.html || '')('a:contains("Manage your subscription")')
      .attr('href');
    expect(manage).toMatch(new RegExp(`^${base}/preferences\\?token=`));

    // A marker signup's mail arrives after any mail the earlier posts caused (one SMTP connection).
    const { page: other } = await visitor();
    await signUp(other, 'marker@example.net');
    await mailTo('marker@example.net');
    await signUp(other, 'ada@example.com');
    await signUp(other, 'marker2@example.net');
    await mailTo('marker2@example.net');
    const twice = row('twice@example.net') as Row;
    expect(mailsTo('twice@example.net')).toHaveLength(1);
    expect(twice).toMatchObject({ confirm_count: 1, status: 'pending', frequency: 'weekly' });
    expect(ledgerKeys(twice.id)).toEqual([`confirm:${twice.id}:1`]);
    // ada: the digest and one notice, whatever was posted since; her preferences untouched.
    expect(mailsTo('ada@example.com')).toHaveLength(2);
    expect(row('ada@example.com')).toMatchObject({ status: 'active', frequency: 'daily', name: 'Reader 1' });
  });

  it('a pending address gets no digest; the digest’s “Manage subscription” link opens its reader’s page', async () => {
    expect(row('twice@example.net')?.status).toBe('pending');
    const before = smtp.received.length;
    const sent = await runCli(['send', ...SAMPLE, '--date', '2026-11-23', '--out', join(cwd, 'out')], {
      cwd,
      env: { DIGEST_SECRET: SECRET, DIGEST_PUBLIC_URL: base, SMTP_URL: smtp.url },
    });
    expect(sent.code, sent.stderr).toBe(0);
    const digests = smtp.received.slice(before);
    expect(digests.map((m) => m.to[0])).toContain('ada@example.com');
    for (const pending of ['twice@example.net', 'marker@example.net', 'marker2@example.net']) {
      expect(row(pending)?.status).toBe('pending');
      expect(digests.filter((m) => m.to.includes(pending))).toEqual([]);
    }

    const digest = await simpleParser(digests.find((m) => m.to.includes('ada@example.com'))?.raw as Buffer);
    const $ = cheerio.load(digest.html || '');
    const manage = $('a:contains("Manage subscription")').attr('href') as string;
    const unsubscribe = $('a:contains("Unsubscribe")').attr('href') as string;
    expect(manage).toBe(unsubscribe.replace('/unsubscribe?', '/preferences?'));
    expect(digest.text).toContain(`Manage your subscription: ${manage}`);
    const { page } = await visitor();
    await page.goto(manage);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Your subscription');
    expect(await page.locator('main').textContent()).toContain(`${SITE} goes to ada@example.com.`);
    expect(await page.getByLabel('Name').inputValue()).toBe('Reader 1');
  });

  it('a forged or expired confirmation link gets a clear page and changes nothing', async () => {
    const { page } = await visitor();
    await signUp(page, 'late@example.net');
    const mail = await mailTo('late@example.net');
    const link = cheerio
      .load(mail.html || '')('a:contains("Confirm your subscription")')
      .attr('href') as string;
    const late = row('late@example.net') as Row;
    const token = new URL(link).searchParams.get('token') as string;
    const forged = `${token.slice(0, 10)}${token[10] === 'A' ? 'B' : 'A'}${token.slice(11)}`;
    const expired = signToken(
      {
        purpose: 'confirm',
        subscriberId: late.id,
        email: 'late@example.net',
        expiresAt: Date.now() - 1000,
        nonce: late.confirm_nonce as string,
      },
      SECRET,
    );
    for (const bad of [forged, expired]) {
      const res = await page.goto(`${base}/confirm?token=${bad}`);
      expect(res?.status()).toBe(400);
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(
        'This confirmation link does not work',
      );
      expect(await page.locator('main').textContent()).toContain('Sign up again');
      const post = await fetch(`${base}/confirm?token=${bad}`, { method: 'POST', redirect: 'manual' });
      expect(post.status).toBe(400);
    }
    expect(row('late@example.net')).toMatchObject({ status: 'pending', confirm_nonce: late.confirm_nonce });
    // The real link still works: nothing was used up.
    await page.goto(link);
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.getByRole('heading', { name: 'Your subscription' }).waitFor();
    expect(row('late@example.net')?.status).toBe('active');
  });

  it('the honeypot filled in gets the normal answer; nothing is stored and no email is sent', async () => {
    const { page } = await visitor();
    await signUp(page, 'human@example.net');
    const normal = await answerText(page, 'human@example.net');
    await page.goto(`${base}/`);
    const form = page.locator('section.signup form');
    // Out of sight: the field sits left of the page, so only a bot that fills every field fills it.
    const box = await form.locator('input[name="website"]').boundingBox();
    expect((box?.x ?? 0) + (box?.width ?? 0)).toBeLessThanOrEqual(0);
    await form.getByLabel('Email address').fill('bot@example.net');
    await form.locator('input[name="website"]').fill('https://spam.example', { force: true });
    await form.getByRole('button', { name: 'Subscribe' }).click();
    await page.waitForLoadState();
    expect(await answerText(page, 'bot@example.net')).toBe(normal);
    expect(row('bot@example.net')).toBeUndefined();
    // human's mail was asked for before the bot's post: once it is in, a bot mail would be too.
    await mailTo('human@example.net');
    const { page: later } = await visitor();
    await signUp(later, 'after-bot@example.net');
    await mailTo('after-bot@example.net');
    expect(mailsTo('bot@example.net')).toHaveLength(0);
  });

  it('too many signups from one client address get 429; the preference page is the same light, dark and on a phone', async () => {
    const { page } = await visitor();
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const res = await page.request.post(`${base}/subscribe`, {
        form: { email: `burst${i}@example.net` },
        headers: { 'X-Forwarded-For': '203.0.113.9' },
      });
      statuses.push(res.status());
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);

    const reader = row('Reader@example.net') as Row;
    const token = signToken(
      { purpose: 'unsub', subscriberId: reader.id, email: 'Reader@example.net' },
      SECRET,
    );
    const looks: { background: string; overflow: boolean; save: boolean }[] = [];
    for (const options of [
      { colorScheme: 'light' as const },
      { colorScheme: 'dark' as const },
      { colorScheme: 'light' as const, viewport: { width: 360, height: 740 }, isMobile: true },
    ]) {
      const { page: p } = await visitor({ ...options, javaScriptEnabled: true });
      await p.goto(`${base}/preferences?token=${token}`);
      const name = `${options.colorScheme}${options.isMobile ? '-phone' : ''}`;
      await p.screenshot({ path: join(ARTIFACTS, `web-preferences-${name}.png`), fullPage: true });
      looks.push({
        background: await p.evaluate(() => getComputedStyle(document.body).backgroundColor),
        overflow: await p.evaluate(
          () => document.documentElement.scrollWidth > document.documentElement.clientWidth,
        ),
        save: await p.getByRole('button', { name: 'Save' }).isVisible(),
      });
    }
    expect(looks).toEqual([
      { background: 'rgb(255, 255, 255)', overflow: false, save: true },
      { background: 'rgb(13, 17, 23)', overflow: false, save: true },
      { background: 'rgb(255, 255, 255)', overflow: false, save: true },
    ]);
  });
});
