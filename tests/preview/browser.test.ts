import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Frame, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PreviewServer, startPreview } from '../../src/preview/index.js';
import type { DigestReport } from '../../src/types.js';
import { launchChromium, offlineContext } from '../helpers/browser.js';
import {
  ARTIFACTS,
  HOSTILE_DAY,
  HOSTILE_TITLE,
  makeWorkspace,
  type Workspace,
  waitFor,
  workspaceConfig,
} from './helpers.js';

// Functions passed to evaluate() run inside Chromium; these are the DOM names they use (no DOM lib here).
interface BrowserElement {
  tagName: string;
  attributes: Iterable<{ name: string }>;
  getAttribute(name: string): string | null;
}
declare const document: {
  body: { textContent: string | null } | null;
  querySelectorAll(selector: string): Iterable<BrowserElement> & { length: number };
};
declare function getComputedStyle(element: unknown): { backgroundColor: string };

/** The bound for a template edit to show in the open page. */
const RELOAD_MS = 2000;
/** Bound for anything else the page has to do (first builds run MJML on a busy machine). */
const STEP_MS = 15_000;

let ws: Workspace;
let server: PreviewServer;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const consoleErrors: string[] = [];
const pageErrors: string[] = [];
const dialogs: string[] = [];

beforeAll(async () => {
  ws = makeWorkspace({ hostile: true });
  server = await startPreview({ config: workspaceConfig(ws), cwd: ws.cwd, port: 0, debounceMs: 40 });
  browser = await launchChromium();
  context = await offlineContext(browser, { viewport: { width: 1280, height: 900 } });
  page = await context.newPage();
  page.setDefaultTimeout(STEP_MS);
  page.on('console', (msg) => {
    if (msg.type() === 'error') consoleErrors.push(msg.text());
  });
  page.on('pageerror', (error) => pageErrors.push(error.message));
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (ws) rmSync(ws.cwd, { recursive: true, force: true });
});

/** The email frame of the current page (the element is replaced on every reload). */
async function emailFrame(): Promise<Frame | undefined> {
  const handle = await page.$('#email-frame');
  return (await handle?.contentFrame()) ?? undefined;
}

async function emailText(): Promise<string | undefined> {
  const frame = await emailFrame();
  return frame?.evaluate(() => document.body?.textContent ?? '');
}

async function report(date: string): Promise<DigestReport> {
  const res = await fetch(`${server.url}digest/${date}.json`);
  return (await res.json()) as DigestReport;
}

describe('the preview in headless Chromium', () => {
  it('lists every day newest first, fills in the top headlines, and opens a day', async () => {
    await page.goto(server.url);
    const dates = await page.$$eval('a.day', (links) => links.map((a) => a.getAttribute('data-date')));
    expect(dates.length).toBeGreaterThanOrEqual(4);
    expect(dates).toContain(HOSTILE_DAY);
    expect([...dates].sort().reverse()).toEqual(dates);
    // Headlines are built in the background and pushed in when ready.
    await page.waitForFunction(() => document.querySelectorAll('.is-pending').length === 0, null, {
      timeout: STEP_MS,
    });
    const day = dates.find((d) => d === '2020-09-12') as string;
    const expected = await report(day);
    const row = page.locator(`a.day[data-date="${day}"]`);
    expect(await row.locator('.headline').textContent()).toBe(expected.items[0]?.title);
    expect(await row.locator('.day-meta').textContent()).toContain(`${expected.items.length} item`);
    await row.click();
    await page.waitForURL(`**/digest/${day}`);
    const headline = expected.items[0]?.title as string;
    await waitFor(
      async () => (await emailText())?.includes(headline),
      STEP_MS,
      'the top headline in the frame',
    );
    expect(await page.locator('#subject').textContent()).toBe(expected.subject);
    expect(await page.locator('#size').textContent()).toMatch(/^\d+ KB of 100 KB$/);
    expect(await page.locator('#email-frame').getAttribute('sandbox')).toBe('');
    // The headers send would write, read from the message it builds.
    const names = await page.locator('#headers dt').allTextContents();
    expect(names).toEqual(
      expect.arrayContaining(['From', 'To', 'Subject', 'Date', 'List-Id', 'List-Unsubscribe']),
    );
    const to = await page.locator('#headers dd').nth(names.indexOf('To')).textContent();
    expect(to).toContain('reader@example.com');
    // The why table accounts for every file the build looked at.
    expect(await page.locator('.why-table tbody tr').count()).toBe(expected.considered.length);
    expect(await page.locator('.why-table tr[data-status="included"]').count()).toBe(expected.items.length);
  });

  it('links to the neighbouring days', async () => {
    const prev = await page.locator('a[data-nav="prev"]').getAttribute('href');
    const next = await page.locator('a[data-nav="next"]').getAttribute('href');
    expect(prev).toMatch(/^\/digest\/2020-09-(09|10|11)$/);
    expect(next).toMatch(/^\/digest\/2020-09-1[3-9]|\/digest\/2020-10-01$/);
  });

  it('shows the mobile width, the dark scheme and the text part', async () => {
    await page.click('[data-view="mobile"]');
    const box = await page.locator('#email-frame').boundingBox();
    expect(box?.width).toBe(375);
    await page.click('[data-view="desktop"]');
    expect((await page.locator('#email-frame').boundingBox())?.width).toBeGreaterThan(375);

    await page.click('[data-dark]');
    expect(await page.locator('#email-frame').getAttribute('src')).toContain('scheme=dark');
    const darkBody = await waitFor(
      async () => {
        const frame = await emailFrame();
        const bg = await frame?.evaluate(() => getComputedStyle(document.body).backgroundColor);
        return bg === 'rgb(17, 20, 24)' ? bg : undefined;
      },
      STEP_MS,
      'the dark background of the email',
    );
    expect(darkBody).toBe('rgb(17, 20, 24)');
    await page.click('[data-dark]');
    expect(await page.locator('#email-frame').getAttribute('src')).not.toContain('scheme=dark');

    await page.click('[data-tab="text"]');
    expect(await page.locator('#text-part').isVisible()).toBe(true);
    expect(await page.locator('#email-frame').isVisible()).toBe(false);
    const text = await (await fetch(`${server.url}digest/2020-09-12.txt`)).text();
    expect((await page.locator('#text-part').textContent())?.trim()).toBe(text.trim());
    await page.click('[data-tab="email"]');
    expect(await page.locator('#email-frame').isVisible()).toBe(true);
  });

  it('saves a screenshot of the digest page', async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    const path = join(ARTIFACTS, 'preview-digest.png');
    await page.screenshot({ path });
    expect(readFileSync(path).subarray(1, 4).toString()).toBe('PNG');
  });

  it('re-renders within 2 seconds of a template edit, shows a broken template and clears it', async () => {
    const header = join(ws.templates, 'partials', 'header.mjml.hbs');
    const original = readFileSync(header, 'utf8');
    const versionBefore = server.version;
    writeFileSync(header, original.replace('{{title}}', '{{title}} LIVE-EDIT-7731'));
    await waitFor(
      async () => (await emailText())?.includes('LIVE-EDIT-7731'),
      RELOAD_MS,
      'the edit in the frame',
    );
    expect(server.version).toBeGreaterThan(versionBefore);

    const layout = join(ws.templates, 'layout.mjml.hbs');
    const good = readFileSync(layout, 'utf8');
    const lines = good.split('\n');
    const openLine = lines.findIndex((l) => l.includes('{{#each items}}')) + 1;
    writeFileSync(layout, good.replace('{{/each}}', ''));
    const panel = page.locator('#error-panel');
    await panel.waitFor({ state: 'visible', timeout: RELOAD_MS });
    const where = await panel.locator('.error-where code').textContent();
    expect(where).toBe(`templates/layout.mjml.hbs, line ${openLine}`);
    expect(await panel.textContent()).toMatch(/each/);
    expect(await page.locator('#email-frame').count()).toBe(0);

    writeFileSync(layout, good);
    await panel.waitFor({ state: 'detached', timeout: RELOAD_MS });
    await waitFor(async () => (await emailText())?.includes('LIVE-EDIT-7731'), RELOAD_MS, 'the email again');
    writeFileSync(header, original);
  });

  it('renders a hostile article without running anything from it', async () => {
    consoleErrors.length = 0;
    pageErrors.length = 0;
    await page.goto(`${server.url}digest/${HOSTILE_DAY}`);
    const frame = await waitFor(
      async () => {
        const f = await emailFrame();
        const text = await f?.evaluate(() => document.body?.textContent ?? '');
        return text?.includes('Hostile') ? f : undefined;
      },
      STEP_MS,
      'the hostile digest',
    );
    const facts = await frame.evaluate(() => ({
      scripts: document.querySelectorAll('script').length,
      handlers: [...document.querySelectorAll('*')].flatMap((el) =>
        [...el.attributes].filter((a) => a.name.startsWith('on')).map((a) => `${el.tagName} ${a.name}`),
      ),
      jsLinks: [...document.querySelectorAll('[href],[src]')]
        .map((el) => el.getAttribute('href') ?? el.getAttribute('src') ?? '')
        .filter((u) => /^\s*javascript:/i.test(u)),
      text: document.body?.textContent ?? '',
    }));
    expect(facts.scripts).toBe(0);
    expect(facts.handlers).toEqual([]);
    expect(facts.jsLinks).toEqual([]);
    expect(facts.text).toContain('<script>alert("title")</script> Hostile');
    // The why table shows the same markup as text, and no link in it is a script.
    const why = page.locator('.why-table').first();
    expect(await why.textContent()).toContain(HOSTILE_TITLE);
    expect(await page.locator('.why-table a[href^="javascript"]').count()).toBe(0);
    expect(await page.locator('#app script, #app [onerror], #app [onload]').count()).toBe(0);
    // Hover and click what an attacker would want hovered and clicked.
    await page.locator('.why-table a').first().hover();
    await page
      .locator('.why-table tbody tr')
      .first()
      .click({ position: { x: 5, y: 5 } });
    await page.waitForTimeout(300);
    expect(dialogs).toEqual([]);
    expect(pageErrors).toEqual([]);
    expect(consoleErrors).toEqual([]);
    // The subject (with the markup as text) is in the tab title, and nothing ran to change it.
    expect(await page.title()).toContain('<script>alert("title")</script> Hostile');
  });
});
