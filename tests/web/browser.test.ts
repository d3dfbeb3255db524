import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as cheerio from 'cheerio';
import { simpleParser } from 'mailparser';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/index.js';
import type { DigestReport } from '../../src/types.js';
import { launchChromium, offlineContext } from '../helpers/browser.js';
import { type Received, smtpServer } from '../helpers/smtp.js';
import { ROOT, runCleanups, runCli, SAMPLE, SECRET, serve, statusOf, tempDir, workspace } from './helpers.js';

// Functions passed to evaluate() run inside Chromium; the DOM names they use (no DOM lib here).
declare const document: { documentElement: { outerHTML: string } };

const EMAILS = ['ada@example.com', 'bob@example.com', 'cy@example.org'];
/** Sent for real, in this order (not date order: the list must sort). */
const SENT = ['2026-11-22', '2026-11-24', '2026-11-23'];
/** Screenshots for a person to look at (git-ignored). */
const ARTIFACTS = join(ROOT, 'test-artifacts');
const DRY_RUN_DAY = '2026-11-21';
const TEST_COPY_DAY = '2026-11-20';
const SIGNED_TOKEN = /[A-Za-z0-9_-]{20,}\.[A-Za-z0-9_-]{43}/;

let base: string;
let store: Store;
let received: Received[];
const reports = new Map<string, DigestReport>();
let browser: Browser;
let context: BrowserContext;
let page: Page;
const consoleErrors: string[] = [];

beforeAll(async () => {
  const ws = await workspace(EMAILS);
  ({ store, base } = await serve(ws.db, { title: 'Sample Daily' }));
  const smtp = await smtpServer();
  received = smtp.received;
  const out = tempDir();
  const env = { DIGEST_SECRET: SECRET, DIGEST_PUBLIC_URL: base, SMTP_URL: smtp.url };
  const send = async (date: string, ...extra: string[]) => {
    const r = await runCli(['send', ...SAMPLE, '--date', date, '--out', out, ...extra], { cwd: ws.cwd, env });
    expect(r.code, r.stderr).toBe(0);
  };
  for (const date of SENT) {
    await send(date);
    reports.set(date, JSON.parse(readFileSync(join(out, date, 'digest.json'), 'utf8')) as DigestReport);
  }
  await send(DRY_RUN_DAY, '--dry-run');
  await send(TEST_COPY_DAY, '--to', 'tester@example.net');
  expect(received).toHaveLength(SENT.length * EMAILS.length + 1);

  mkdirSync(ARTIFACTS, { recursive: true });
  browser = await launchChromium();
  context = await offlineContext(browser);
  page = await context.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
});

afterAll(async () => {
  await browser?.close();
  await runCleanups();
});

describe('the archive in Chromium', () => {
  it('lists each sent day, newest first, with subject and item count; not dry runs or test copies', async () => {
    const res = await page.goto(`${base}/archive`);
    expect(res?.status()).toBe(200);
    const rows = await page.locator('ol.archive li').all();
    const dates = await Promise.all(rows.map((r) => r.locator('time').getAttribute('datetime')));
    expect(dates).toEqual(['2026-11-24', '2026-11-23', '2026-11-22']);
    for (const row of rows) {
      const date = (await row.locator('time').getAttribute('datetime')) as string;
      const report = reports.get(date) as DigestReport;
      expect(await row.locator('a.subject').textContent()).toBe(report.subject);
      expect(await row.locator('a.subject').getAttribute('href')).toBe(`./archive/${date}`);
      expect(await row.textContent()).toContain(`${report.items.length} items`);
    }
    expect(await page.title()).toBe('Archive · Sample Daily');
    expect(consoleErrors).toEqual([]);
    await page.screenshot({ path: join(ARTIFACTS, 'web-archive.png'), fullPage: true });
  });

  it('a day page shows its items and no subscriber’s address or token', async () => {
    await page.goto(`${base}/archive`);
    await page.locator('a.subject').nth(1).click();
    await page.waitForURL(`${base}/archive/2026-11-23`);
    await page.screenshot({ path: join(ARTIFACTS, 'web-archive-day.png') });
    const report = reports.get('2026-11-23') as DigestReport;
    const text = ((await page.locator('body').textContent()) ?? '').replace(/\s+/g, ' ');
    expect(report.items.length).toBeGreaterThan(0);
    for (const item of report.items) expect(text).toContain(item.title.replace(/\s+/g, ' '));
    const html = await page.evaluate(() => document.documentElement.outerHTML);
    for (const email of EMAILS) expect(html).not.toContain(email);
    expect(html).not.toMatch(SIGNED_TOKEN);
    expect(html).not.toContain('token=');
    expect(html).not.toContain('%%recipient.');
    const $ = cheerio.load(html);
    expect($('a:contains("View in browser")').attr('href')).toBe(`${base}/archive/2026-11-23`);
    expect($('a:contains("Unsubscribe")').attr('href')).toBe(`${base}/unsubscribe`);
    // Back to the list through the bar above the email.
    await page.locator('a', { hasText: 'all digests' }).click();
    await page.waitForURL(`${base}/archive`);
    expect(consoleErrors).toEqual([]);
  });

  it('the web copy can run no script and cannot be framed', async () => {
    const res = await page.goto(`${base}/archive/2026-11-24`);
    const csp = res?.headers()['content-security-policy'] ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toMatch(/script-src/);
    expect(res?.headers()['x-frame-options']).toBe('DENY');
  });

  it.each([
    [DRY_RUN_DAY, 'a dry run'],
    [TEST_COPY_DAY, 'a --to test copy'],
    ['2026-11-19', 'a day without a digest'],
  ])('/archive/%s (%s) is 404', async (date) => {
    const res = await page.goto(`${base}/archive/${date}`);
    expect(res?.status()).toBe(404);
  });
});

describe('the emails link to the archive', () => {
  it('each received message’s “View in browser” link opens that day’s web copy', async () => {
    for (const date of SENT) {
      const one = received.find((m) => m.to.includes('cy@example.org') && m.raw.includes(`archive/${date}`));
      if (!one) throw new Error(`no message of ${date} for cy`);
      const mail = await simpleParser(one.raw);
      const href = cheerio
        .load(mail.html || '')('a:contains("View in browser")')
        .attr('href');
      expect(href).toBe(`${base}/archive/${date}`);
      const res = await page.goto(href as string);
      expect(res?.status()).toBe(200);
      expect(await page.locator('body').textContent()).toContain(
        (reports.get(date) as DigestReport).items[0]?.title.trim(),
      );
    }
  });
});

describe('the unsubscribe page in Chromium', () => {
  it('its button unsubscribes without JavaScript, and the next page’s button subscribes again', async () => {
    const mail = await simpleParser((received.find((m) => m.to.includes('ada@example.com')) as Received).raw);
    const link = cheerio
      .load(mail.html || '')('a:contains("Unsubscribe")')
      .attr('href') as string;
    expect(link.startsWith(`${base}/unsubscribe?token=`)).toBe(true);
    const js = await browser.newContext({ javaScriptEnabled: false });
    try {
      const p = await js.newPage();
      await p.goto(link);
      await p.screenshot({ path: join(ARTIFACTS, 'web-unsubscribe.png') });
      expect(statusOf(store, 'ada@example.com')).toBe('active');
      await p.getByRole('button', { name: 'Unsubscribe' }).click();
      await p.getByRole('heading', { name: 'You are unsubscribed' }).waitFor();
      await p.screenshot({ path: join(ARTIFACTS, 'web-unsubscribed.png') });
      expect(statusOf(store, 'ada@example.com')).toBe('unsubscribed');
      await p.getByRole('button', { name: 'Subscribe again' }).click();
      await p.getByRole('heading', { name: 'You are subscribed' }).waitFor();
      expect(statusOf(store, 'ada@example.com')).toBe('active');
      expect(statusOf(store, 'bob@example.com')).toBe('active');
    } finally {
      await js.close();
    }
  });
});
