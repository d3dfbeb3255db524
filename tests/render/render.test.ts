import { type CheerioAPI, load } from 'cheerio';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_BRAND,
  genericRecipient,
  PLACEHOLDERS,
  personalize,
  renderDigest,
  SUBJECT_MAX,
  type Templates,
} from '../../src/render/index.js';
import type { RenderedDigest } from '../../src/types.js';
import { article, CTX, defaultTemplates, digest, item, relatedLink, selection } from './_factory.js';

let templates: Templates;
beforeAll(async () => {
  templates = await defaultTemplates();
});

const MARKERS = Object.values(PLACEHOLDERS);

/** Every href/src is http(s), a recipient placeholder, or `#`. */
function expectSafeLinks($: CheerioAPI): void {
  $('[href]').each((_, el) => {
    const href = $(el).attr('href') ?? '';
    const inPage = /^#story-\d+$/.test(href) && $(href).length === 1;
    expect(/^https?:\/\//.test(href) || MARKERS.includes(href as never) || href === '#' || inPage, href).toBe(
      true,
    );
  });
  $('img').each((_, el) => {
    expect($(el).attr('src')).toMatch(/^https?:\/\//);
    // Pictures illustrate the headline beside them: alt="" (present, empty), never the headline again.
    expect($(el).attr('alt')).toBe('');
  });
}

/** The article titles (h2) in document order. */
function titles($: CheerioAPI): string[] {
  return $('h2')
    .map((_, el) => $(el).text().trim())
    .get();
}

describe('renderDigest with the default templates', () => {
  let out: RenderedDigest;
  let $: CheerioAPI;
  beforeAll(async () => {
    out = await renderDigest(digest(4), templates, CTX);
    $ = load(out.html);
  });

  it('subject: the title as prefix, then the top headline', () => {
    expect(out.subject).toBe('Morning Brief: Story number 1 about the election');
  });

  it('preheader: the next headlines joined, hidden without a text colour', () => {
    expect(out.preheader).toBe(
      'Story number 2 about the election · Story number 3 about the election · Story number 4 about the election',
    );
    const hidden = $('.nd-preheader');
    expect(hidden.length).toBe(1);
    expect(hidden.attr('style')).toContain('display:none');
    expect(hidden.attr('style')).not.toMatch(/color|opacity/);
    expect(hidden.text().replace(/[\u034f\u200c\u00a0]/g, '')).toBe(out.preheader);
    // It comes before anything visible.
    expect(out.html.indexOf('nd-preheader')).toBeLessThan(out.html.indexOf('<h1'));
  });

  it('one h1 (the newsletter), the stories as h2 in rank order, one link per headline', () => {
    expect($('h1').length).toBe(1);
    expect($('h1').text().trim()).toBe('Morning Brief');
    expect(titles($)).toEqual([1, 2, 3, 4].map((n) => `Story number ${n} about the election`));
    for (const n of [1, 2, 3, 4]) {
      const h2 = $(`h2#story-${n}`);
      expect(h2.find('a').length).toBe(1);
      expect(h2.find('a').attr('href')).toBe(`https://outlet${n}.example.com/news/story-${n}`);
      // No other link a screen reader or keyboard reaches goes to the same page.
      const same = $(`a[href="https://outlet${n}.example.com/news/story-${n}"]`).filter(
        (_, el) => $(el).attr('aria-hidden') !== 'true',
      );
      expect(same.length).toBe(1);
    }
    expect($('html').attr('lang')).toBe('en');
  });

  it('the intro with the counts, and "In this issue" linking to each story', () => {
    // 4 leads and 4 other outlets' copies: 8 outlets.
    expect($.text()).toContain('4 stories from 8 outlets');
    const toc = $('ol.nd-toc li a');
    expect(toc.map((_, a) => $(a).attr('href')).get()).toEqual([
      '#story-1',
      '#story-2',
      '#story-3',
      '#story-4',
    ]);
    expect(toc.first().text()).toBe('Story number 1 about the election');
  });

  it('the outlet and local publish time above each title', () => {
    const kicker = $('h2').first().prev('p').text();
    expect(kicker).toContain('Outlet 1');
    expect(kicker).toContain('Sep 13, 12:06 PM');
  });

  it('the top story has the picture across the column, alt="", out of the tab order', () => {
    const first = $('img[src="https://img.example.com/1.jpg"]');
    expect(first.attr('alt')).toBe('');
    expect(first.attr('width')).toBe('552');
    expect(first.attr('height')).toBe('311');
    const link = first.closest('a');
    expect(link.attr('href')).toBe('https://outlet1.example.com/news/story-1');
    expect(link.attr('aria-hidden')).toBe('true');
    expect(link.attr('tabindex')).toBe('-1');
  });

  it('the other stories have a small fixed-size thumbnail, not linked, alt=""', () => {
    for (const n of [2, 3, 4]) {
      const thumb = $(`img[src="https://img.example.com/${n}.jpg"]`);
      expect(thumb.attr('alt')).toBe('');
      expect(thumb.attr('width')).toBe('96');
      // 1100 x 619 scaled to 96 wide.
      expect(thumb.attr('height')).toBe('54');
      expect(thumb.closest('a').length).toBe(0);
    }
  });

  it('"Covered by N outlets" names the others, and the related links, each linked', () => {
    const also = $('p:contains("Covered by 2 outlets")').first();
    expect(also.find('a').attr('href')).toBe('https://outlet100.example.com/news/story-100');
    expect(also.find('a').text()).toBe('Outlet 100');
    for (const k of [1, 2, 3]) {
      const a = $(`a[href="https://related.example.org/1/${k}"]`);
      expect(a.text()).toBe(`Related ${k} of story 1`);
      expect(a.parent().text()).toContain(`Related Outlet ${k}`);
    }
  });

  it('header and footer: name, date, view in browser, manage subscription and unsubscribe', () => {
    expect($.text()).toContain('Sunday, September 13, 2020');
    expect($('a:contains("View in browser")').attr('href')).toBe(CTX.archiveUrl);
    expect($('a:contains("Manage subscription")').attr('href')).toBe(PLACEHOLDERS.manageUrl);
    expect($('a:contains("Unsubscribe")').attr('href')).toBe(PLACEHOLDERS.unsubscribeUrl);
    expect($.text()).toContain('You receive Morning Brief because you subscribed to it.');
  });

  it('all links and images are safe; dark mode for Apple Mail and Outlook.com; no web fonts', () => {
    expectSafeLinks($);
    expect($('meta[name="color-scheme"]').attr('content')).toBe('light dark');
    expect($('meta[name="format-detection"]').attr('content')).toContain('address=no');
    expect($('meta[name="x-apple-disable-message-reformatting"]').length).toBe(1);
    expect(out.html).not.toContain('fonts.googleapis.com');
    expect(out.html).toContain('prefers-color-scheme: dark');
    expect(out.html).toContain('[data-ogsc] .nd-card a');
    expect(out.html).toContain('[data-ogsb] .nd-card');
  });

  it('keeps the MJML source, with placeholders, and no indentation bloat in the HTML', () => {
    expect(out.mjml).toMatch(/^<mjml/m);
    expect(out.mjml).toContain(PLACEHOLDERS.unsubscribeUrl);
    expect(out.html).not.toMatch(/^ {2,}</m);
  });

  it('plain text: the intro, numbered stories with outlet and time, numbered link references', () => {
    const text = out.text;
    expect(text.startsWith('Morning Brief — Sunday, September 13, 2020\n\n4 stories from 8 outlets\n')).toBe(
      true,
    );
    // Each story: lead [r], the other outlet [r+1], three related [r+2..r+4], then the references.
    for (const n of [1, 2, 3, 4]) {
      const r = (n - 1) * 5 + 1;
      expect(text).toContain(`\n${n}. Story number ${n} about the election\n`);
      expect(text).toContain(`   Outlet ${n} · Sep 13, 12:0${5 + n} PM · covered by 2 outlets [${r}]\n`);
      expect(text).toContain(`   Also: Outlet ${99 + n} [${r + 1}]\n`);
      expect(text).toContain(`   - Related 1 of story ${n} (Related Outlet 1) [${r + 2}]\n`);
      expect(text).toContain(
        `   [${r}] https://outlet${n}.example.com/news/story-${n}\n   [${r + 1}] https://outlet${99 + n}.example.com/news/story-${99 + n}\n   [${r + 2}] https://related.example.org/${n}/1\n`,
      );
    }
    expect(text).toContain(`View in browser: ${CTX.archiveUrl}`);
    expect(text).toContain(`Manage your subscription: ${PLACEHOLDERS.manageUrl}`);
    expect(text).toContain(`Unsubscribe: ${PLACEHOLDERS.unsubscribeUrl}`);
    expect(text).not.toMatch(/<\/?[a-z][^>]*>/i);
    expect(text).not.toMatch(/&(amp|lt|gt|quot|#\d+|#x[0-9a-f]+);/i);
    for (const line of text.split('\n')) {
      if (!/https?:\/\//.test(line)) expect(line.length, line).toBeLessThanOrEqual(72);
    }
  });
});

describe('items without an image, and other shapes', () => {
  it('an item without an image has no <img> and still its outlet, title and excerpt', async () => {
    const sel = selection([item(article(1, { images: [] })), item(article(2))]);
    const out = await renderDigest(sel, templates, CTX);
    const $ = load(out.html);
    expect($('img').length).toBe(1);
    expect($('img').attr('alt')).toBe('');
    expect($('img').attr('width')).toBe('96');
    const first = $('h2').first();
    expect(first.text().trim()).toBe('Story number 1 about the election');
    expect(first.prev('p').text()).toContain('Outlet 1');
    expect(first.next('p').text()).toContain('Excerpt of story 1');
  });

  it('an image of unknown size gets the column width and an automatic height', async () => {
    const sel = selection([item(article(1, { images: [{ url: 'https://img.example.com/x.jpg' }] }))]);
    const $ = load((await renderDigest(sel, templates, CTX)).html);
    expect($('img').attr('width')).toBe('552');
    expect($('img').attr('height')).toBeUndefined();
    expect($('img').attr('style')).toContain('height:auto');
  });

  it('a single item: the preheader is its excerpt; empty excerpt and no related are fine', async () => {
    const one = await renderDigest(selection([item(article(1))]), templates, CTX);
    expect(one.preheader).toBe('Excerpt of story 1: what happened, and why it matters.');
    const bare = await renderDigest(selection([item(article(1, { excerpt: '' }))]), templates, CTX);
    expect(bare.preheader).toBe('Story number 1 about the election');
    expect(bare.text).not.toContain('Related:');
  });

  it('a long top headline is cut at a word and the subject stays one short line', async () => {
    const title = `${'Senate '.repeat(30)}vote`;
    const out = await renderDigest(selection([item(article(1, { title }))]), templates, CTX);
    expect(Array.from(out.subject).length).toBeLessThanOrEqual(SUBJECT_MAX);
    expect(out.subject).toMatch(/^Morning Brief: Senate .*Senate…$/);
  });

  it.each([
    // The only space before the cut is early on: still cut there, never inside the long word.
    ['Budget', `Budget ${'x'.repeat(120)}`, 'Morning Brief: Budget…'],
    [
      'Numbers',
      `Spending rises to 1,234,567,890,123,456 dollars ${'in-the-fiscal-year-2021-2022-budget-'.repeat(3)}`,
      'Morning Brief: Spending rises to 1,234,567,890,123,456 dollars…',
    ],
  ])('the subject is never cut mid-word (%s)', async (_name, title, expected) => {
    const out = await renderDigest(selection([item(article(1, { title }))]), templates, CTX);
    expect(out.subject).toBe(expected);
  });

  it.each([
    [undefined, 'Morning Brief: Story number 1 about the election'],
    ['', 'Story number 1 about the election'],
    ['Daily · AI', 'Daily · AI: Story number 1 about the election'],
  ])('the subject prefix %j (config subjectPrefix) leads to %j', async (subjectPrefix, expected) => {
    const brand = { ...DEFAULT_BRAND, ...(subjectPrefix === undefined ? {} : { subjectPrefix }) };
    const out = await renderDigest(digest(2), templates, { ...CTX, brand });
    expect(out.subject).toBe(expected);
  });

  it('subject and preheader are single lines without control characters', async () => {
    const sel = selection([
      item(article(1, { title: 'Top\r\nBcc: victim@example.com\u0007 story' })),
      item(article(2, { title: 'Second\nline\u0000 here' })),
    ]);
    const out = await renderDigest(sel, templates, CTX);
    expect(out.subject).toBe('Morning Brief: Top Bcc: victim@example.com story');
    expect(out.preheader).toBe('Second line here');
    // biome-ignore lint/suspicious/noControlCharactersInRegex: asserting their absence
    expect(`${out.subject}${out.preheader}`).not.toMatch(/[\u0000-\u001f\u007f]/);
  });

  it('the subject template from config overrides subject.hbs, on the same helpers', async () => {
    const out = await renderDigest(digest(2), templates, {
      ...CTX,
      subjectTemplate: '{{itemCount}} stories · {{formatDate since "EEE d MMM"}}\n{{topHeadline}}',
    });
    expect(out.subject).toBe('2 stories · Sun 13 Sep Story number 1 about the election');
  });

  it('an empty selection still renders (header and footer only)', async () => {
    const out = await renderDigest(selection([]), templates, CTX);
    expect(load(out.html)('h2').length).toBe(0);
    expect(load(out.html)('h1').length).toBe(1);
    expect(out.preheader).toBe('');
  });

  it('non-ASCII outlet names and titles pass through unchanged', async () => {
    const a = article(1, {
      title: 'Élection: „Zitat“ — 選挙',
      provider: { name: 'Süddeutsche Zeitung', domain: 'sz.de' },
    });
    const out = await renderDigest(selection([item(a)]), templates, CTX);
    const $ = load(out.html);
    expect($('h2').text().trim()).toBe('Élection: „Zitat“ — 選挙');
    expect(out.text).toContain('1. Élection: „Zitat“ — 選挙');
    expect(out.text).toContain('Süddeutsche Zeitung ·');
  });
});

describe('hostile content', () => {
  const hostile = selection([
    item(
      article(1, {
        title: '<script>alert(1)</script>',
        excerpt: '"><img src=x onerror=alert(1)>',
        webUrl: 'javascript:alert(1)',
        images: [{ url: 'javascript:alert(2)', width: 800, height: 600 }],
      }),
      {
        alsoCoveredBy: [article(2, { webUrl: 'data:text/html,<script>alert(3)</script>', title: 'Other' })],
        related: [
          relatedLink(1, 1, { webUrl: 'vbscript:msgbox(1)', title: '<b onmouseover=alert(4)>hover</b>' }),
          relatedLink(1, 2, { webUrl: 'https://evil.example.com/?q=%%recipient.email%%' }),
        ],
      },
    ),
    item(
      article(3, {
        title: 'Hi {{recipient.email}} {{#each items}}x{{/each}} %%recipient.email%% & co',
        excerpt: 'recipient.name%% and %%recipient.unsubscribeUrl%%',
        provider: { name: '%%recipient.name%%', domain: 'x.example.com' },
      }),
    ),
  ]);
  let out: RenderedDigest;
  let filled: { html: string; text: string };
  const reader = {
    name: 'Reader Name',
    email: 'reader@example.com',
    unsubscribeUrl: 'https://news.example.com/u/tok',
  };
  beforeAll(async () => {
    out = await renderDigest(hostile, templates, CTX);
    filled = personalize(out, reader);
  });

  it('no script, no event handler attributes, no unsafe links', () => {
    const $ = load(out.html);
    expect($('script').length).toBe(0);
    $('*').each((_, el) => {
      for (const name of Object.keys((el as { attribs?: Record<string, string> }).attribs ?? {})) {
        expect(name.startsWith('on'), name).toBe(false);
      }
    });
    expectSafeLinks($);
    expect(out.html).not.toMatch(/(href|src)\s*=\s*["']?\s*(javascript|data|vbscript):/i);
    // Only the second story's thumbnail: the javascript: picture is dropped.
    expect(
      $('img')
        .map((_, el) => $(el).attr('src'))
        .get(),
    ).toEqual(['https://img.example.com/3.jpg']);
  });

  it('the markup-looking title and excerpt are shown as text', () => {
    const $ = load(out.html);
    expect($('h2').first().text().trim()).toBe('<script>alert(1)</script>');
    expect(out.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect($.text()).toContain('"><img src=x onerror=alert(1)>');
    expect($('a:contains("hover")').text()).toBe('<b onmouseover=alert(4)>hover</b>');
    expect(out.subject).toContain('<script>alert(1)</script>');
  });

  it('Handlebars syntax in data is never evaluated', () => {
    const $ = load(out.html);
    expect($('h2').eq(1).text()).toContain('Hi {{recipient.email}} {{#each items}}x{{/each}}');
    expect(out.text).toContain('{{recipient.email}} {{#each items}}x{{/each}}');
  });

  it('placeholder look-alikes in content are never filled with the reader’s data', () => {
    const $ = load(filled.html);
    const title = $('h2').eq(1).text();
    expect(title).toContain('recipient.email%% & co');
    expect(title).not.toContain(reader.email);
    expect($.text()).not.toContain(reader.name);
    expect($.text()).not.toContain(reader.email);
    expect(filled.text).not.toContain(reader.name);
    expect(filled.text).not.toContain(reader.email);
    expect(filled.text.replace(/\s+/g, ' ')).toContain('recipient.email%% & co');
    // The look-alike in a URL is percent-encoded, so no link carries the address.
    expect($('a[href^="https://evil.example.com"]').attr('href')).toBe(
      'https://evil.example.com/?q=%%25recipient.email%%',
    );
    // ...while the real unsubscribe link is filled.
    expect($('a:contains("Unsubscribe")').attr('href')).toBe(reader.unsubscribeUrl);
    expect(filled.text).toContain(`Unsubscribe: ${reader.unsubscribeUrl}`);
  });

  it('the unsafe lead link becomes "#", in the text too', () => {
    expect(load(out.html)('h2 a').first().attr('href')).toBe('#');
    expect(out.text).not.toMatch(/javascript:|data:text|vbscript:/);
  });
});

describe('personalize', () => {
  const rendered = {
    html: `<p title="${PLACEHOLDERS.name}">Hi ${PLACEHOLDERS.name} (${PLACEHOLDERS.email})</p><a href="${PLACEHOLDERS.unsubscribeUrl}">u</a>${PLACEHOLDERS.name}`,
    text: `Hi ${PLACEHOLDERS.name} <${PLACEHOLDERS.email}>\nUnsubscribe: ${PLACEHOLDERS.unsubscribeUrl}\n`,
  };

  it('fills html escaped (attribute-safe) and text raw', () => {
    const out = personalize(rendered, {
      name: `<b>&"'`,
      email: 'a+b@example.com',
      unsubscribeUrl: 'https://x.example.com/u?t=1&s=2',
    });
    expect(out.html).toBe(
      '<p title="&lt;b&gt;&amp;&quot;&#39;">Hi &lt;b&gt;&amp;&quot;&#39; (a+b@example.com)</p>' +
        '<a href="https://x.example.com/u?t&#61;1&amp;s&#61;2">u</a>&lt;b&gt;&amp;&quot;&#39;',
    );
    const $ = load(out.html);
    expect($('p').attr('title')).toBe(`<b>&"'`);
    expect($('a').attr('href')).toBe('https://x.example.com/u?t=1&s=2');
    expect(out.text).toBe(`Hi <b>&"' <a+b@example.com>\nUnsubscribe: https://x.example.com/u?t=1&s=2\n`);
  });

  it('keeps values on one line and refuses a non-http unsubscribe link', () => {
    const out = personalize(rendered, {
      name: 'A\r\nBcc: x',
      email: 'e',
      unsubscribeUrl: 'javascript:alert(1)',
    });
    expect(out.text).toContain('Hi A Bcc: x <e>');
    expect(out.html).toContain('href="#"');
  });

  it('the generic recipient of the web copy', () => {
    expect(genericRecipient('https://news.example.com/')).toEqual({
      name: '',
      email: '',
      unsubscribeUrl: 'https://news.example.com/unsubscribe',
      manageUrl: 'https://news.example.com/preferences',
    });
    const out = personalize(rendered, genericRecipient('https://news.example.com'));
    expect(out.html).not.toContain('%%');
    expect(out.text).toContain('Unsubscribe: https://news.example.com/unsubscribe');
  });

  it('leaves no marker behind in a rendered digest', async () => {
    const out = personalize(await renderDigest(digest(3), templates, CTX), genericRecipient(CTX.publicUrl));
    expect(out.html).not.toMatch(/%%recipient\./);
    expect(out.text).not.toMatch(/%%recipient\./);
  });
});
