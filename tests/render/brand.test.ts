import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { load } from 'cheerio';
import { describe, expect, it } from 'vitest';
import { loadConfig, parseConfig } from '../../src/config/index.js';
import { DigestError } from '../../src/errors.js';
import {
  brandContext,
  contrast,
  DARK_BACKGROUND,
  darkVariant,
  loadTemplates,
  OTHER_SECTION,
  postalLines,
  renderDigest,
} from '../../src/render/index.js';
import { tempDir } from '../helpers/cleanup.js';
import { CORPUS, ROOT, runCli } from '../helpers/cli.js';
import { article, CTX, digest, item, selection, TEMPLATES_DIR } from './_factory.js';

function configError(input: Record<string, unknown>): DigestError {
  try {
    parseConfig(input, 'digest.config.json');
  } catch (error) {
    expect(error).toBeInstanceOf(DigestError);
    return error as DigestError;
  }
  throw new Error('expected a config error');
}

describe('brand keys in config', () => {
  it.each([
    // Too light on white: the message says the ratio, the rule and the fix.
    [
      { brand: { accentColor: '#ffcc00' } },
      'brand.accentColor',
      /#ffcc00 on #ffffff has a contrast of 1\.\d\d:1, WCAG AA for text needs 4\.5:1; pick a darker colour/,
    ],
    // Just under AA.
    [{ brand: { accentColor: '#777777' } }, 'brand.accentColor', /4\.48:1/],
    [{ brand: { accentColor: 'blue' } }, 'brand.accentColor', /"blue" is not a hex colour/],
    // The dark-mode accent must be AA on the dark card.
    [
      { brand: { accentColorDark: '#0b57d0' } },
      'brand.accentColorDark',
      /on #1b1f24 .*pick a lighter colour/,
    ],
    [{ brand: { logo: { url: 'http://news.example.com/logo.png' } } }, 'brand.logo.url', /https/],
    [{ brand: { logo: { url: 'logo.png' } } }, 'brand.logo.url', /absolute https URL/],
    [{ brand: { logo: { url: 'https://x.example/l.png', width: 0 } } }, 'brand.logo.width', /./],
    [{ brand: { colour: '#000000' } }, 'brand.colour', /unknown key/],
    [{ sections: 'days' }, 'sections', /./],
  ])('%j is refused, naming %s', (input, field, message) => {
    const error = configError(input);
    expect(error.code).toBe('E_CONFIG');
    expect(error.field).toBe(field);
    expect(error.file).toBe('digest.config.json');
    expect(error.message).toMatch(message);
  });

  it('defaults: no logo, the AA accent #0b57d0 and its lighter dark-mode variant, no address, sections off', () => {
    const brand = brandContext(parseConfig({}));
    expect(brand).toMatchObject({
      logo: null,
      accentColor: '#0b57d0',
      postalAddress: [],
      intro: '',
      sections: 'off',
    });
    expect(brand.subjectPrefix).toBeUndefined();
    expect(contrast(brand.accentColor, '#ffffff')).toBeGreaterThanOrEqual(4.5);
    expect(contrast(brand.accentColorDark, DARK_BACKGROUND)).toBeGreaterThanOrEqual(4.5);
  });

  it.each([
    ['#0b57d0', '#ffffff', 6.39],
    ['#000000', '#ffffff', 21],
    ['#1f2328', '#ffffff', 15.8],
    ['#57606a', '#ffffff', 6.39],
    ['#a0a8b3', '#1b1f24', 6.9],
  ])('contrast(%s, %s) = %f', (a, b, ratio) => {
    expect(contrast(a, b)).toBeCloseTo(ratio, 1);
  });

  it.each(['#0b57d0', '#b3261e', '#1a7f37', '#6f42c1', '#000000'])(
    'the dark variant of %s is AA on the dark card',
    (accent) => {
      expect(contrast(darkVariant(accent), DARK_BACKGROUND)).toBeGreaterThanOrEqual(4.5);
    },
  );

  it('a logo with one side given is square; the address splits into lines', () => {
    const config = parseConfig({
      brand: { logo: { url: 'https://x.example/l.png', height: 32 } },
      postalAddress: ' Acme Inc. \n\n1 Main St\r\nSpringfield ',
    });
    expect(brandContext(config).logo).toEqual({ url: 'https://x.example/l.png', width: 32, height: 32 });
    expect(brandContext(config).postalAddress).toEqual(['Acme Inc.', '1 Main St', 'Springfield']);
    expect(postalLines('One\\nTwo')).toEqual(['One', 'Two']);
  });
});

describe('intro and sections', () => {
  it('the config intro is a Handlebars line with the counts, in the HTML and the text', async () => {
    const templates = await loadTemplates(TEMPLATES_DIR);
    const config = parseConfig({
      intro:
        '{{storyCount}} {{plural storyCount "story" "stories"}} from {{outletCount}} newsrooms & {{articleCount}} articles',
    });
    const out = await renderDigest(digest(3), templates, { ...CTX, brand: brandContext(config) });
    const $ = load(out.html);
    expect($('p:contains("newsrooms")').text()).toBe('3 stories from 6 newsrooms & 6 articles');
    expect(out.html).toContain('3 stories from 6 newsrooms &amp; 6 articles');
    expect(out.text).toContain('\n3 stories from 6 newsrooms & 6 articles\n');
    const one = await renderDigest(digest(1), templates, { ...CTX, brand: brandContext(config) });
    expect(one.text).toContain('1 story from 2 newsrooms');
  });

  it('sections by topic: the top story first, then one heading per shared topic, single topics last', async () => {
    const templates = await loadTemplates(TEMPLATES_DIR);
    const topics = [['Election'], ['Economy'], ['Election'], ['Climate'], ['Economy'], []];
    const sel = selection(topics.map((t, i) => item(article(i + 1, { topics: t }))));
    const brand = brandContext(parseConfig({ sections: 'topics' }));
    const out = await renderDigest(sel, templates, { ...CTX, brand });
    const $ = load(out.html);
    const story = (t: string) => t.trim().replace(/^Story number (\d+) about the election$/, '$1');
    const order = $('h2, .nd-label')
      .map((_, el) => story($(el).text()))
      .get();
    expect(order).toEqual(['1', 'Economy', '2', '5', OTHER_SECTION, '3', '4', '6']);
    // "In this issue", the anchors and the plain text follow the order shown.
    expect(
      $('ol.nd-toc a')
        .map((_, a) => story($(a).text()))
        .get(),
    ).toEqual(['1', '2', '5', '3', '4', '6']);
    expect(
      $('h2')
        .map((_, h) => $(h).attr('id'))
        .get(),
    ).toEqual([1, 2, 3, 4, 5, 6].map((n) => `story-${n}`));
    expect(out.text).toMatch(
      /\n-- Economy --\n\n2\. Story number 2 [\s\S]*\n3\. Story number 5 [\s\S]*\n-- More stories --\n\n4\. Story number 3 /,
    );
    // Sections off (the default): no headings, rank order.
    const plain = load((await renderDigest(sel, templates, CTX)).html);
    expect(plain('.nd-label').length).toBe(0);
  });
});

/** Every file of a folder tree with its content hash, to prove a run changed none. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(dir, { recursive: true }) as string[]) {
    const path = join(dir, name);
    if (statSync(path).isFile()) out[name] = createHash('sha256').update(readFileSync(path)).digest('hex');
  }
  return out;
}

const BRANDED = {
  templates: TEMPLATES_DIR,
  title: 'The Tuesday Ledger',
  subjectPrefix: 'Ledger',
  timeZone: 'America/New_York',
  publicUrl: 'https://ledger.example.org',
  postalAddress: 'Ledger Media Ltd\n10 Quay Street\nBristol BS1 4DJ',
  intro: 'Good morning: {{storyCount}} stories',
  brand: {
    logo: { url: 'https://ledger.example.org/logo.png', width: 120, height: 32 },
    accentColor: '#1a7f37',
  },
};

describe('a config in another folder brands the email without touching a template', () => {
  it('renders the project templates with the other folder’s name, logo, accent, address, intro and prefix', async () => {
    const before = snapshot(TEMPLATES_DIR);
    const cwd = tempDir('digest-brand-');
    writeFileSync(join(cwd, 'digest.config.json'), JSON.stringify(BRANDED));
    const { config } = loadConfig(cwd, {});
    const templates = await loadTemplates(resolve(cwd, config.templates));
    const out = await renderDigest(digest(3), templates, {
      ...CTX,
      title: config.title,
      brand: brandContext(config),
    });
    const $ = load(out.html);
    expect($('h1').text().trim()).toBe('The Tuesday Ledger');
    expect($('img[src="https://ledger.example.org/logo.png"]').attr('width')).toBe('120');
    expect(out.html).toContain('#1a7f37');
    expect(out.html).not.toContain('#0b57d0');
    expect($.text()).toContain('Ledger Media Ltd, 10 Quay Street, Bristol BS1 4DJ');
    expect(out.text).toContain('Ledger Media Ltd\n10 Quay Street\nBristol BS1 4DJ\n');
    expect($.text()).toContain('Good morning: 3 stories');
    expect(out.subject).toBe('Ledger: Story number 1 about the election');
    expect(snapshot(TEMPLATES_DIR)).toEqual(before);
  });

  // The build passes the brand to the render stage through renderContext (src/pipeline.ts).
  it('`digest build` in that folder writes the branded email', async () => {
    const cwd = tempDir('digest-brand-cli-');
    writeFileSync(join(cwd, 'digest.config.json'), JSON.stringify(BRANDED));
    const run = await runCli(
      ['build', '--content', join(CORPUS, 'election'), '--date', '2020-09-13', '--out', 'out'],
      {
        cwd,
      },
    );
    expect(run.code, run.stderr).toBe(0);
    const html = readFileSync(join(cwd, 'out', '2020-09-13', 'digest.html'), 'utf8');
    const $ = load(html);
    expect($('h1').text().trim()).toBe('The Tuesday Ledger');
    expect($('img[src="https://ledger.example.org/logo.png"]').length).toBe(1);
    expect(html).toContain('#1a7f37');
    expect($.text()).toContain('Bristol BS1 4DJ');
    expect(readFileSync(join(cwd, 'out', '2020-09-13', 'digest.txt'), 'utf8')).toContain('Bristol BS1 4DJ');
    expect(ROOT).toBeTruthy();
  });
});
