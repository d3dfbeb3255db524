import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as cheerio from 'cheerio';
import { describe, expect, it } from 'vitest';
import { DigestError } from '../../src/errors.js';
import { kb, localTime, longDay, shortDay } from '../../src/preview/_format.js';
import { whyTable } from '../../src/preview/_why.js';
import {
  describeError,
  emulateDarkScheme,
  escapeHtml,
  hasDarkStyles,
  html,
  parseHeaderBlock,
  safeHref,
} from '../../src/preview/index.js';
import type { Considered, DigestReport } from '../../src/types.js';

describe('escaping', () => {
  it.each([
    ['<script>alert(1)</script>', '&lt;script&gt;alert(1)&lt;/script&gt;'],
    ['"quoted" & \'single\'', '&quot;quoted&quot; &amp; &#39;single&#39;'],
    ['`tick`', '&#96;tick&#96;'],
    ['plain', 'plain'],
  ])('escapeHtml(%j)', (input, output) => {
    expect(escapeHtml(input)).toBe(output);
  });

  it('html`` escapes values, passes nested html through, and drops null/false', () => {
    const inner = html`<b>${'<i>'}</b>`;
    expect(html`<p title="${'"x"'}">${inner}${null}${false}${undefined}${3}${['a', '<']}</p>`.value).toBe(
      '<p title="&quot;x&quot;"><b>&lt;i&gt;</b>3a&lt;</p>',
    );
  });

  it.each([
    ['https://example.com/a?b=1', 'https://example.com/a?b=1'],
    ['http://example.com', 'http://example.com/'],
    ['javascript:alert(1)', undefined],
    [' JaVaScRiPt:alert(1)', undefined],
    ['data:text/html,<script>', undefined],
    ['vbscript:x', undefined],
    ['//evil.example/', undefined],
    ['/relative', undefined],
    ['', undefined],
    [undefined, undefined],
  ])('safeHref(%j)', (url, href) => {
    expect(safeHref(url)).toBe(href);
  });
});

describe('dark scheme emulation', () => {
  const email =
    '<html><head><meta name="color-scheme" content="light dark"><style>body{background:#fff}' +
    '@media (prefers-color-scheme: dark){body{background:#000}}' +
    '@media screen and (prefers-color-scheme:light){p{color:red}}</style></head><body></body></html>';

  it('makes dark queries match, light ones never, and darkens the canvas of an email that allows it', () => {
    const out = emulateDarkScheme(email);
    expect(out).toContain('@media (min-width: 0px){body{background:#000}}');
    expect(out).toContain('@media screen and (max-width: 0px){p{color:red}}');
    expect(out).toContain('<style>:root{color-scheme:dark}</style></head>');
    expect(out).not.toMatch(/prefers-color-scheme/);
  });

  it.each([
    [email, true],
    ['<style>@media (prefers-color-scheme: dark){}</style>', true],
    ['<style>:root{color-scheme: light dark}</style>', true],
    ['<meta name="supported-color-schemes" content="light dark">', true],
    ['<style>body{background:#fff}</style>', false],
    ['<style>@media (prefers-color-scheme: light){}</style>', false],
  ])('hasDarkStyles %#', (input, dark) => {
    expect(hasDarkStyles(input)).toBe(dark);
  });

  it('leaves an email without dark styles alone apart from the queries', () => {
    const plain = '<html><head><style>body{color:#111}</style></head><body>x</body></html>';
    expect(emulateDarkScheme(plain)).toBe(plain);
  });
});

describe('formatting', () => {
  it.each([
    [0, '0 KB'],
    [1536, '2 KB'],
    [61 * 1024, '61 KB'],
    [102400, '100 KB'],
  ])('kb(%i)', (bytes, text) => {
    expect(kb(bytes)).toBe(text);
  });

  it('names days without letting the machine zone move them', () => {
    expect(longDay('2020-09-13')).toBe('Sunday, September 13, 2020');
    expect(shortDay('2020-09-12')).toBe('Sat, Sep 12');
  });

  it.each([
    ['2020-09-13T22:14:00Z', 'America/New_York', '2020-09-13', '18:14'],
    ['2020-09-14T02:00:00Z', 'America/New_York', '2020-09-13', '22:00'],
    ['2020-09-14T05:00:00Z', 'America/New_York', '2020-09-13', 'Sep 14, 01:00'],
    ['2020-09-13T00:30:00Z', 'Europe/Berlin', '2020-09-13', '02:30'],
    [undefined, 'UTC', '2020-09-13', ''],
    ['not a date', 'UTC', '2020-09-13', ''],
  ])('localTime(%s, %s)', (iso, zone, date, text) => {
    expect(localTime(iso, zone, date)).toBe(text);
  });
});

function report(considered: Considered[]): DigestReport {
  const included = considered.filter((c) => c.status === 'included');
  return {
    window: {
      since: '2020-09-13T04:00:00.000Z',
      until: '2020-09-14T04:00:00.000Z',
      timeZone: 'America/New_York',
      date: '2020-09-13',
    },
    subject: 's',
    preheader: 'p',
    htmlBytes: 1000,
    textBytes: 100,
    sizeBudget: 102400,
    items: included.map((c) => ({
      title: c.title ?? '',
      webUrl: c.webUrl ?? '',
      quality: c.quality ?? 0,
      heat: c.heat ?? 0,
      publishedAt: c.publishedAt ?? '',
      provider: c.providerDomain ?? '',
      providerName: '',
      path: c.path,
      alsoCoveredBy: [],
      related: [],
    })),
    considered,
    trimmed: [],
    counts: {
      files: considered.length,
      inWindow: 0,
      items: included.length,
      merged: 0,
      overProviderCap: 0,
      belowTop: 0,
      invalid: 0,
      excludedByTopic: 0,
      trimmedForSize: 0,
    },
  };
}

describe('the why table', () => {
  const considered: Considered[] = [
    {
      path: 'a.md',
      status: 'belowTop',
      reason: 'rank 12 of 12',
      title: 'Low',
      quality: 10,
      heat: 1,
      webUrl: 'https://a.example/',
      publishedAt: '2020-09-13T15:00:00Z',
      providerDomain: 'a.example',
    },
    {
      path: 'b.md',
      status: 'included',
      reason: 'item 2',
      title: 'Second',
      quality: 90,
      heat: 5,
      webUrl: 'https://b.example/',
      publishedAt: '2020-09-13T16:00:00Z',
      providerDomain: 'b.example',
    },
    {
      path: 'c.md',
      status: 'included',
      reason: 'item 1',
      title: '<script>alert(1)</script>First',
      quality: 100,
      heat: 5,
      webUrl: 'javascript:alert(1)',
      publishedAt: '2020-09-13T17:00:00Z',
    },
    {
      path: 'd.md',
      status: 'merged',
      reason: 'same story',
      title: 'Copy <img src=x onerror=alert(2)>',
      quality: 80,
      webUrl: 'https://d.example/',
      mergedInto: 'https://b.example/',
    },
    { path: 'e.md', status: 'invalid', reason: 'publishedDateTime: missing' },
    { path: 'f.md', status: 'outOfWindow', reason: 'published 2020-09-12', title: 'Old', quality: 100 },
  ];
  // The report lists items in digest order: c (item 1) then b (item 2).
  const r = report(considered);
  r.items.reverse();
  const $ = cheerio.load(whyTable(r).value);

  it('groups by status with included items in digest order, and folds away other days', () => {
    const main = $('table.why-table').first();
    const rows = main.find('tbody tr');
    expect(rows.map((_, tr) => $(tr).attr('data-status')).get()).toEqual([
      'included',
      'included',
      'merged',
      'belowTop',
      'invalid',
    ]);
    expect(rows.first().find('td').first().text()).toBe('1');
    expect($('details.outside summary').text()).toBe('1 other file outside this day');
    expect($('details.outside tbody tr').length).toBe(1);
    expect(
      $('.chips .badge')
        .map((_, b) => $(b).text())
        .get(),
    ).toEqual(['Included 2', 'Merged 1', 'Below top N 1', 'Invalid 1', 'Out of window 1']);
  });

  it('shows article markup as text, links only http(s), and names what an article merged into', () => {
    expect($('script').length).toBe(0);
    expect($('[onerror]').length).toBe(0);
    expect($('a[href^="javascript"]').length).toBe(0);
    const first = $('tbody tr').first();
    expect(first.find('.article > span').text()).toBe('<script>alert(1)</script>First');
    expect(first.find('a').length).toBe(0);
    const merged = $('tr[data-status="merged"]');
    expect(merged.find('a').attr('href')).toBe('https://d.example/');
    expect(merged.find('.reason .sub').text()).toBe('into “Second”');
    expect($('tr[data-status="included"]').eq(1).find('.score').text()).toBe('90 · 5');
    expect($('tr[data-status="included"]').eq(1).find('.when').text()).toBe('12:00');
  });
});

describe('parseHeaderBlock', () => {
  it('reads the header section only, joining folded lines', () => {
    const message =
      'From: "News" <d@example.com>\r\nList-Unsubscribe: <https://x/u?t=1>,\r\n <mailto:u@x>\r\n' +
      'Subject: =?UTF-8?Q?Caf=C3=A9?=\r\n\r\nX-Not-A-Header: body\r\n';
    expect(parseHeaderBlock(message)).toEqual([
      ['From', '"News" <d@example.com>'],
      ['List-Unsubscribe', '<https://x/u?t=1>, <mailto:u@x>'],
      ['Subject', '=?UTF-8?Q?Caf=C3=A9?='],
    ]);
  });
});

describe('describeError', () => {
  it('names the file relative to the working folder, the line, and quotes the lines around it', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'digest-preview-err-'));
    writeFileSync(join(cwd, 'layout.hbs'), 'one\ntwo\nthree {{#each}}\nfour\nfive\nsix\n');
    const error = new DigestError('E_TEMPLATE', 'Cannot parse the template: the block is never closed', {
      file: join(cwd, 'layout.hbs'),
      line: 3,
      hint: 'add {{/each}}',
      cause: new Error('Parse error on line 7'),
    });
    const view = describeError(new Error('build failed', { cause: error }), cwd);
    expect(view).toEqual({
      title: 'Template error',
      file: 'layout.hbs',
      line: 3,
      hint: 'add {{/each}}',
      messages: [
        'build failed',
        'Cannot parse the template: the block is never closed',
        'Parse error on line 7',
      ],
      excerpt: { first: 1, lines: ['one', 'two', 'three {{#each}}', 'four', 'five'] },
    });
  });

  it('copes with errors that are not DigestErrors and files that cannot be read', () => {
    expect(describeError(new Error('boom'), '/')).toEqual({
      title: 'Build failed',
      messages: ['boom'],
      hint: undefined,
    });
    const view = describeError(
      new DigestError('E_MJML', 'bad tag', { file: '/nonexistent/x.mjml', line: 9 }),
      '/tmp',
    );
    expect(view.file).toBe('/nonexistent/x.mjml');
    expect(view.excerpt).toBeUndefined();
    expect(view.title).toBe('MJML error');
  });
});
