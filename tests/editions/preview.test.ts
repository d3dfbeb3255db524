import { join } from 'node:path';
import { decodeHTML } from 'entities';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { type PreviewServer, startPreview } from '../../src/preview/index.js';
import { tempDir } from '../helpers/cleanup.js';
import { ROOT } from '../helpers/cli.js';

// The sample content's Sunday 2026-11-22, in UTC.
const DAY = '2026-11-22';
let server: PreviewServer;
let base: string;

beforeAll(async () => {
  const cwd = tempDir('digest-editions-preview-');
  const flags = { content: join(ROOT, 'content'), templates: join(ROOT, 'templates'), top: 4 };
  const { config } = loadConfig(cwd, {}, { ...flags, signup: { topics: ['Science'] } });
  server = await startPreview({ config, cwd, port: 0, watch: false });
  base = server.url.replace(/\/$/, '');
});

afterAll(async () => {
  await server?.close();
});

const get = async (path: string) => {
  const res = await fetch(`${base}${path}`);
  return { status: res.status, body: await res.text() };
};

/** The edition links of a page: [label, href, current]. */
function editionLinks(page: string): [string, string, boolean][] {
  const nav = /<nav class="day-nav editions"[^>]*>(.*?)<\/nav>/s.exec(page)?.[1] ?? '';
  return [
    ...nav.matchAll(
      /<(a|span) class="btn"( aria-current="page")?(?: data-edition href="([^"]*)")?>([^<]*)</g,
    ),
  ].map((m) => [m[4] as string, decodeHTML(m[3] ?? ''), m[2] !== undefined]);
}

describe('the preview lists the editions of a day and shows each', () => {
  it('the index links the editions of the newest day', async () => {
    const index = await get('/');
    const newest = /href="\/digest\/(\d{4}-\d{2}-\d{2})"/.exec(index.body)?.[1];
    expect(editionLinks(index.body)).toEqual([
      ['Daily', `/digest/${newest}`, false],
      ['Weekly', `/digest/${newest}?edition=weekly`, false],
      ['Daily: science', `/digest/${newest}?topics=science`, false],
    ]);
  });

  it('a day page marks the edition shown and links the others', async () => {
    const weekly = await get(`/digest/${DAY}?edition=weekly`);
    expect(weekly.status).toBe(200);
    expect(editionLinks(weekly.body)).toEqual([
      ['Daily', `/digest/${DAY}`, false],
      ['Weekly', '', true],
      ['Daily: science', `/digest/${DAY}?topics=science`, false],
    ]);
    // The page's email frame shows the weekly edition.
    expect(decodeHTML(weekly.body)).toContain(`/digest/${DAY}.html?edition=weekly`);
  });

  it('each edition is its own build: the weekly covers the week, a topic edition only its topics', async () => {
    const weekly = await get(`/digest/${DAY}.html?edition=weekly`);
    expect(weekly.body).toContain('November 16 – November 22, 2026');
    const daily = await get(`/digest/${DAY}.html`);
    expect(daily.body).toContain('Sunday, November 22, 2026');
    const science = JSON.parse((await get(`/digest/${DAY}.json?topics=science`)).body) as {
      items: { path: string }[];
    };
    const all = JSON.parse((await get(`/digest/${DAY}.json`)).body) as { items: { path: string }[] };
    expect(science.items.length).toBeGreaterThan(0);
    expect(science.items.map((i) => i.path)).not.toEqual(all.items.map((i) => i.path));
    // A topic the signup form does not offer is shown too, and named in the links.
    const ai = await get(`/digest/${DAY}?topics=AI`);
    expect(editionLinks(ai.body).at(-1)).toEqual(['Daily: ai', '', true]);
  });

  it('an unknown edition is a 400 that names the allowed ones', async () => {
    const bad = await get(`/digest/${DAY}?edition=monthly`);
    expect(bad.status).toBe(400);
    expect(bad.body).toContain('edition must be daily or weekly (got "monthly")');
  });
});
