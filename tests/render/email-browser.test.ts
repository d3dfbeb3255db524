import { mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/index.js';
import { allTime, loadArticles } from '../../src/content/index.js';
import { brandContext, genericRecipient, personalize, renderDigest } from '../../src/render/index.js';
import { dayWindow, selectDigest } from '../../src/select/index.js';
import { launchChromium, PNG_1PX } from '../helpers/browser.js';
import { tempDir } from '../helpers/cleanup.js';
import { CTX, defaultTemplates } from './_factory.js';

/**
 * The default templates on real days of the shared corpus, in real Chromium, as a reader with
 * images blocked (Outlook's default) sees them at phone and desktop widths, in light and dark mode.
 */

const CORPUS = resolve(import.meta.dirname, '../../../shared/corpus');
const ZONE = 'America/New_York';
const LOGO = 'https://news.example.com/brand/logo.png';
const ACCENT = '#b3261e';
const ADDRESS = 'Morning Brief Inc.\n1 Main Street\nSpringfield, IL 62701';
const CONFIG = parseConfig({
  timeZone: ZONE,
  title: 'Morning Brief',
  postalAddress: ADDRESS,
  brand: { logo: { url: LOGO, width: 40, height: 40 }, accentColor: ACCENT },
});
const DAYS = [
  ['election', '2020-09-13'],
  ['ai', '2021-03-11'],
] as const;
/** With SCREENSHOTS=docs the light/dark/blocked/phone pictures are written to docs/ (see docs/email.md). */
const SHOTS =
  process.env.SCREENSHOTS === 'docs' ? resolve(import.meta.dirname, '../../docs') : tempDir('nd-shots-');

interface Measure {
  scrollWidth: number;
  clientWidth: number;
  height: number;
  h1: number;
  headings: string[];
  imgs: { w: number; h: number; alt: string | null; src: string; bg: string; font: string }[];
  low: { text: string; color: string; bg: string; ratio: number }[];
  text: string;
  accentUsed: boolean;
}

// Runs inside Chromium (a string, so this file needs no DOM types): layout, images and the
// WCAG contrast of every visible piece of text against the background it sits on.
const MEASURE = `(() => {
  const rgb = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
  const lum = (c) => { const [r, g, b] = rgb(c).map((v) => { const s = v / 255; return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4; }); return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
  const bgOf = (el) => { for (let e = el; e; e = e.parentElement) { const c = getComputedStyle(e).backgroundColor; const v = rgb(c); if (v.length === 3 || v[3] > 0) return c; } return 'rgb(255, 255, 255)'; };
  const low = [];
  let accentUsed = false;
  for (const el of document.body.querySelectorAll('*')) {
    if (!el.getClientRects().length) continue;
    const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!own) continue;
    const cs = getComputedStyle(el);
    if (cs.color === window.__accent) accentUsed = true;
    const r = ratio(cs.color, bgOf(el));
    if (r < 4.5) low.push({ text: el.textContent.trim().slice(0, 50), color: cs.color, bg: bgOf(el), ratio: r });
  }
  const doc = document.documentElement;
  return {
    scrollWidth: doc.scrollWidth, clientWidth: doc.clientWidth, height: doc.scrollHeight,
    h1: document.querySelectorAll('h1').length,
    headings: [...document.querySelectorAll('h1, h2')].map((h) => h.textContent.trim()),
    imgs: [...document.images].map((i) => { const b = i.getBoundingClientRect(); const cs = getComputedStyle(i); return { w: b.width, h: b.height, alt: i.getAttribute('alt'), src: i.src, bg: cs.backgroundColor, font: cs.fontFamily }; }),
    low, text: document.body.innerText, accentUsed,
  };
})()`;

function rgbOf(hex: string): string {
  const [r, g, b] = [1, 3, 5].map((i) => Number.parseInt(hex.slice(i, i + 2), 16));
  return `rgb(${r}, ${g}, ${b})`;
}

let browser: Browser;
const html = new Map<string, string>();

beforeAll(async () => {
  browser = await launchChromium();
  const templates = await defaultTemplates();
  for (const [corpus, date] of DAYS) {
    const { articles } = await loadArticles(join(CORPUS, corpus), allTime(ZONE));
    const window = dayWindow(date, ZONE);
    const selection = selectDigest(articles, window, CONFIG);
    expect(selection.items.length, `${corpus} ${date}`).toBeGreaterThanOrEqual(5);
    const rendered = await renderDigest(selection, templates, {
      ...CTX,
      timeZone: ZONE,
      archiveUrl: `${CTX.publicUrl}/archive/${date}`,
      brand: brandContext(CONFIG),
    });
    // What a subscriber opens: the markers filled with a reader's unsubscribe link.
    html.set(corpus, personalize(rendered, genericRecipient(CTX.publicUrl)).html);
  }
}, 120_000);

afterAll(async () => {
  await browser?.close();
});

// Stand-ins for the pictures in the screenshots (no test talks to the internet): a logo in the
// accent colour and a neutral landscape for every article picture.
const LOGO_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 40 40"><rect width="40" height="40" rx="8" fill="${ACCENT}"/><text x="20" y="27" font-family="Arial" font-size="18" font-weight="700" fill="#fff" text-anchor="middle">MB</text></svg>`;
const PHOTO_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 300 200" preserveAspectRatio="xMidYMid slice"><defs><linearGradient id="s" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="#9cc3e6"/><stop offset="1" stop-color="#e8eef4"/></linearGradient></defs><rect width="300" height="200" fill="url(#s)"/><circle cx="220" cy="60" r="22" fill="#f6d58e"/><path d="M0 150 L70 95 L130 140 L190 85 L300 150 V200 H0Z" fill="#6d8f7a"/><path d="M0 175 L90 130 L170 170 L240 140 L300 165 V200 H0Z" fill="#4f6f5c"/></svg>`;

async function open(
  corpus: string,
  width: number,
  options: { dark?: boolean; images?: boolean; pictures?: boolean } = {},
): Promise<{ context: BrowserContext; measure: Measure; shot: (name: string) => Promise<string> }> {
  const context = await browser.newContext({
    viewport: { width, height: 900 },
    colorScheme: options.dark ? 'dark' : 'light',
  });
  // Nothing leaves the machine: blocked images fail, allowed ones get a 1x1 PNG (or, for the
  // screenshots, the stand-in pictures).
  await context.route('**/*', (route) => {
    const request = route.request();
    if (!options.images || request.resourceType() !== 'image') return route.abort();
    if (!options.pictures) return route.fulfill({ status: 200, contentType: 'image/png', body: PNG_1PX });
    const body = request.url() === LOGO ? LOGO_SVG : PHOTO_SVG;
    return route.fulfill({ status: 200, contentType: 'image/svg+xml', body });
  });
  const page = await context.newPage();
  await page.setContent(html.get(corpus) as string, { waitUntil: 'load', timeout: 30_000 });
  await page.evaluate(
    `window.__accent = ${JSON.stringify(rgbOf(options.dark ? brandContext(CONFIG).accentColorDark : ACCENT))}`,
  );
  const measure = (await page.evaluate(MEASURE)) as Measure;
  const shot = async (name: string) => {
    mkdirSync(SHOTS, { recursive: true });
    const path = join(SHOTS, name);
    // The first screens: what a reader sees on opening, at a size the docs can show.
    const height = Math.min(measure.height, width < 500 ? 1400 : 1700);
    await page.screenshot({ path, fullPage: true, clip: { x: 0, y: 0, width, height } });
    return path;
  };
  return { context, measure, shot };
}

describe.each(DAYS)('the %s digest of %s in Chromium, images blocked', (corpus) => {
  it.each([320, 375, 600])(
    'at %i px: no horizontal overflow, one h1, the brand, AA contrast',
    async (width) => {
      const { context, measure } = await open(corpus, width);
      try {
        expect(measure.scrollWidth, 'horizontal overflow').toBeLessThanOrEqual(measure.clientWidth);
        expect(measure.h1).toBe(1);
        expect(measure.headings[0]).toBe('Morning Brief');
        expect(measure.headings.length).toBeGreaterThanOrEqual(6);
        // No alt repeats a heading (pictures are decoration beside their headline: alt="").
        const headings = new Set(measure.headings);
        for (const img of measure.imgs) {
          expect(img.alt).not.toBeNull();
          expect(headings.has(img.alt ?? '')).toBe(false);
          // The box a blocked picture leaves is tinted, and any alt text is in the email's font.
          expect(img.bg).not.toBe('rgba(0, 0, 0, 0)');
          expect(img.font).toContain('Segoe UI');
        }
        expect(measure.imgs.map((i) => i.src)).toContain(LOGO);
        expect(measure.accentUsed, 'the accent colour is used for text').toBe(true);
        for (const line of ['Morning Brief Inc.', '1 Main Street', 'Springfield, IL 62701']) {
          expect(measure.text).toContain(line);
        }
        expect(measure.text).toContain('View in browser');
        expect(measure.text).toContain('Manage subscription');
        expect(measure.low, JSON.stringify(measure.low.slice(0, 3))).toEqual([]);
      } finally {
        await context.close();
      }
    },
  );

  it('at 375 px the image boxes take at most 15 % of the page, none larger than the lead picture', async () => {
    const { context, measure } = await open(corpus, 375);
    try {
      const areas = measure.imgs.map((i) => i.w * i.h);
      const share = areas.reduce((a, b) => a + b, 0) / (measure.clientWidth * measure.height);
      console.log(
        `${corpus}: image boxes ${(share * 100).toFixed(1)} % of a ${measure.height} px page at 375 px`,
      );
      expect(share).toBeLessThanOrEqual(0.15);
      const [logo, ...rest] = measure.imgs;
      expect(logo?.src).toBe(LOGO);
      const lead = Math.max(...rest.map((i) => i.w * i.h));
      // Thumbnails are small and fixed: at most 64 x 64 on a phone.
      const thumbs = rest.filter((i) => i.w * i.h < lead);
      for (const t of thumbs) expect(Math.max(t.w, t.h)).toBeLessThanOrEqual(64);
    } finally {
      await context.close();
    }
  });

  it('in dark mode every text is AA against its background', async () => {
    const { context, measure } = await open(corpus, 600, { dark: true });
    try {
      expect(measure.low, JSON.stringify(measure.low.slice(0, 3))).toEqual([]);
      expect(measure.accentUsed, 'the dark accent is used').toBe(true);
    } finally {
      await context.close();
    }
  });
});

it('screenshots: light, dark, images blocked, phone (PNG files)', async () => {
  const shots: [string, number, { dark?: boolean; images?: boolean; pictures?: boolean }][] = [
    ['email-light.png', 600, { images: true, pictures: true }],
    ['email-dark.png', 600, { dark: true, images: true, pictures: true }],
    ['email-images-blocked.png', 600, {}],
    ['email-phone.png', 375, { images: true, pictures: true }],
  ];
  for (const [name, width, options] of shots) {
    const { context, shot } = await open('election', width, options);
    try {
      const path = await shot(name);
      expect(readFileSync(path).subarray(1, 4).toString()).toBe('PNG');
    } finally {
      await context.close();
    }
  }
});
