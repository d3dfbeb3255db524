import { join, resolve } from 'node:path';
import { load } from 'cheerio';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadArticles } from '../../src/content/index.js';
import { fitToBudget, PLACEHOLDERS, renderDigest, type Templates } from '../../src/render/index.js';
import { dayWindow, localDate, selectDigest, trimOneStep } from '../../src/select/index.js';
import type { Article } from '../../src/types.js';
import { CTX, defaultTemplates } from './_factory.js';

const CORPUS = resolve(import.meta.dirname, '../../../shared/corpus');
const ZONE = 'America/New_York';
const BUDGET = 100 * 1024;
const OPTIONS = {
  top: 10,
  perProvider: 3,
  relatedPerItem: 3,
  titleSimilarity: 0.8,
  includeTopics: [],
  excludeTopics: [],
};

let templates: Templates;
beforeAll(async () => {
  templates = await defaultTemplates();
});

async function articlesByDay(name: string): Promise<Map<string, Article[]>> {
  const { articles } = await loadArticles(join(CORPUS, name), {
    timeZone: ZONE,
    window: { since: -8.64e15, until: 8.64e15 },
  });
  const days = new Map<string, Article[]>();
  for (const a of articles) {
    const date = localDate(a.publishedMs, ZONE);
    days.set(date, [...(days.get(date) ?? []), a]);
  }
  return days;
}

describe.each(['election', 'ai'])('every day of the real %s corpus renders', (name) => {
  it('under budget, with alt text on every image, http(s) links only, and readable text', async () => {
    const days = await articlesByDay(name);
    expect(days.size).toBeGreaterThanOrEqual(4);
    for (const [date, articles] of days) {
      const window = dayWindow(date, ZONE);
      const sel = selectDigest(articles, window, OPTIONS);
      if (sel.items.length === 0) continue;
      const { rendered, selection } = await fitToBudget(
        sel,
        templates,
        { ...CTX, timeZone: ZONE },
        BUDGET,
        trimOneStep,
      );
      expect(Buffer.byteLength(rendered.html), date).toBeLessThanOrEqual(BUDGET);
      const $ = load(rendered.html);
      $('img').each((_, el) => {
        expect($(el).attr('alt'), date).toBeTruthy();
        expect($(el).attr('src'), date).toMatch(/^https?:\/\//);
      });
      $('[href]').each((_, el) => {
        const href = $(el).attr('href') ?? '';
        expect(/^https?:\/\//.test(href) || href === PLACEHOLDERS.unsubscribeUrl, `${date}: ${href}`).toBe(
          true,
        );
      });
      expect($('h2').length, date).toBe(selection.items.length);
      expect(rendered.subject.length, date).toBeGreaterThan(10);
      expect(rendered.subject, date).not.toMatch(/[\r\n]/);
      expect(rendered.preheader.length, date).toBeGreaterThan(0);
      expect(rendered.text, date).toMatch(/^1\. /m);
      expect(rendered.text, date).not.toMatch(/&(amp|lt|gt|quot|#x?[0-9a-f]+);/i);
    }
  });
});

it('the busiest election day: a top 10 fits well under 100 KB without trimming', async () => {
  const days = await articlesByDay('election');
  const [date, articles] = [...days].sort((a, b) => b[1].length - a[1].length)[0] as [string, Article[]];
  expect(articles.length).toBeGreaterThanOrEqual(30);
  const sel = selectDigest(articles, dayWindow(date, ZONE), OPTIONS);
  expect(sel.items.length).toBe(10);
  const rendered = await renderDigest(sel, templates, { ...CTX, timeZone: ZONE });
  expect(Buffer.byteLength(rendered.html)).toBeLessThan(70 * 1024);
});
