import { join, resolve } from 'node:path';
import { load } from 'cheerio';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/index.js';
import { allTime, loadArticles } from '../../src/content/index.js';
import {
  brandContext,
  fitToBudget,
  PLACEHOLDERS,
  renderDigest,
  type Templates,
} from '../../src/render/index.js';
import { dayWindow, localDate, selectDigest, trimOneStep } from '../../src/select/index.js';
import type { Article } from '../../src/types.js';
import { CTX, defaultTemplates } from './_factory.js';

const CORPUS = resolve(import.meta.dirname, '../../../shared/corpus');
const ZONE = 'America/New_York';
// The defaults a user gets (top 10, the default size budget), with a full brand.
const CONFIG = parseConfig({
  timeZone: ZONE,
  title: 'Morning Brief',
  postalAddress: 'Morning Brief Inc.\n1 Main Street\nSpringfield, IL 62701',
  brand: {
    logo: { url: 'https://news.example.com/logo.png', width: 40, height: 40 },
    accentColor: '#b3261e',
  },
});
const BUDGET = CONFIG.sizeBudget;
const RENDER = { ...CTX, timeZone: ZONE, brand: brandContext(CONFIG) };

let templates: Templates;
beforeAll(async () => {
  templates = await defaultTemplates();
});

async function articlesByDay(name: string): Promise<Map<string, Article[]>> {
  const { articles } = await loadArticles(join(CORPUS, name), allTime(ZONE));
  const days = new Map<string, Article[]>();
  for (const a of articles) {
    const date = localDate(a.publishedMs, ZONE);
    days.set(date, [...(days.get(date) ?? []), a]);
  }
  return days;
}

describe.each(['election', 'ai'])('every day of the real %s corpus renders', (name) => {
  it('under the size budget without trimming, alt="" on pictures, http(s) links only, readable text', async () => {
    const days = await articlesByDay(name);
    expect(days.size).toBeGreaterThanOrEqual(4);
    const sizes: number[] = [];
    for (const [date, articles] of days) {
      const sel = selectDigest(articles, dayWindow(date, ZONE), CONFIG);
      if (sel.items.length === 0) continue;
      const { rendered, selection, trimmed } = await fitToBudget(sel, templates, RENDER, BUDGET, trimOneStep);
      expect(trimmed, date).toEqual([]);
      sizes.push(Buffer.byteLength(rendered.html));
      expect(Buffer.byteLength(rendered.html), date).toBeLessThanOrEqual(BUDGET);
      const $ = load(rendered.html);
      const headings = new Set(
        $('h1, h2')
          .map((_, h) => $(h).text().trim())
          .get(),
      );
      $('img').each((_, el) => {
        expect($(el).attr('alt'), date).toBe('');
        expect(headings.has($(el).attr('alt') ?? ''), date).toBe(false);
        expect($(el).attr('src'), date).toMatch(/^https:\/\//);
      });
      $('[href]').each((_, el) => {
        const href = $(el).attr('href') ?? '';
        const ok =
          /^https?:\/\//.test(href) ||
          href === PLACEHOLDERS.unsubscribeUrl ||
          href === PLACEHOLDERS.manageUrl ||
          /^#story-\d+$/.test(href);
        expect(ok, `${date}: ${href}`).toBe(true);
      });
      expect($('h1').length, date).toBe(1);
      expect($('h2').length, date).toBe(selection.items.length);
      expect(rendered.subject, date).toMatch(/^Morning Brief: \S/);
      expect(rendered.subject, date).not.toMatch(/[\r\n]/);
      expect(rendered.preheader.length, date).toBeGreaterThan(0);
      expect(rendered.text, date).toMatch(/^1\. /m);
      expect(rendered.text, date).toContain('Springfield, IL 62701');
      expect(rendered.text, date).not.toMatch(/&(amp|lt|gt|quot|#x?[0-9a-f]+);/i);
    }
    console.log(
      `${name}: ${sizes.length} days, HTML ${Math.min(...sizes)}-${Math.max(...sizes)} bytes of ${BUDGET}`,
    );
  });
});

it('the busiest election day: a top 10 fits well under 100 KB without trimming', async () => {
  const days = await articlesByDay('election');
  const [date, articles] = [...days].sort((a, b) => b[1].length - a[1].length)[0] as [string, Article[]];
  expect(articles.length).toBeGreaterThanOrEqual(30);
  const sel = selectDigest(articles, dayWindow(date, ZONE), CONFIG);
  expect(sel.items.length).toBe(10);
  const rendered = await renderDigest(sel, templates, RENDER);
  expect(Buffer.byteLength(rendered.html)).toBeLessThan(70 * 1024);
});
