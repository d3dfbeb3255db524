import { describe, expect, it } from 'vitest';
import { imageView } from '../../src/render/_context.js';
import { tidyText } from '../../src/render/_text.js';
import { host, safeUrl, singleLine, truncate, wrap } from '../../src/render/index.js';
import { defaultTemplates } from './_factory.js';

describe('safeUrl', () => {
  it.each([
    ['https://example.com/a?b=1&c=2', 'https://example.com/a?b=1&c=2'],
    ['http://example.com', 'http://example.com'],
    ['  HTTPS://Example.com/x  ', 'HTTPS://Example.com/x'],
    ['https://example.com/a b', 'https://example.com/a%20b'],
    ['javascript:alert(1)', '#'],
    ['JaVaScRiPt:alert(1)', '#'],
    ['java\tscript:alert(1)', '#'],
    ['data:text/html,<script>alert(1)</script>', '#'],
    ['vbscript:msgbox(1)', '#'],
    ['//evil.example.com/x', '#'],
    ['/relative/path', '#'],
    ['mailto:a@b.c', '#'],
    ['https://', '#'],
    ['', '#'],
  ])('%j -> %j', (input, expected) => {
    expect(safeUrl(input)).toBe(expected);
  });

  it.each([[undefined], [null], [42], [{}]])('non-string %j -> #', (input) => {
    expect(safeUrl(input)).toBe('#');
  });
});

describe('host', () => {
  it.each([
    ['https://www.nytimes.com/2020/09/13/x.html', 'nytimes.com'],
    ['http://rss.cnn.com/~r/x', 'rss.cnn.com'],
    ['https://WWW.Example.COM', 'example.com'],
    ['javascript:alert(1)', ''],
  ])('%j -> %j', (input, expected) => {
    expect(host(input)).toBe(expected);
  });
});

describe('truncate', () => {
  it.each([
    ['short', 10, 'short'],
    ['exactly ten', 11, 'exactly ten'],
    ['The quick brown fox jumps over the lazy dog', 20, 'The quick brown fox…'],
    ['The quick brown fox, jumps', 21, 'The quick brown fox…'],
    ['Supercalifragilisticexpialidocious', 10, 'Supercali…'],
    ['Ünïcödé wörds ärë fïnë hërë', 14, 'Ünïcödé wörds…'],
    ['😀😀😀😀😀😀', 4, '😀😀😀…'],
  ])('%j at %i -> %j', (input, max, expected) => {
    const out = truncate(input, max);
    expect(out).toBe(expected);
    expect(Array.from(out).length).toBeLessThanOrEqual(max);
  });
});

describe('wrap', () => {
  it.each([
    ['one two three four five six', 10, '', '', 'one two\nthree four\nfive six'],
    ['one two three four', 12, '  ', '1. ', '1. one two\n  three four'],
    [
      'see https://example.com/a/very/long/url/that/never/breaks now',
      20,
      '',
      '',
      'see\nhttps://example.com/a/very/long/url/that/never/breaks\nnow',
    ],
    ['line\nbreaks\r\nbecome spaces', 80, '', '', 'line breaks become spaces'],
    ['', 10, '  ', '  ', ''],
  ])('%j width %i', (input, width, indent, first, expected) => {
    expect(wrap(input, width, indent, first)).toBe(expected);
  });
});

describe('singleLine and tidyText', () => {
  it.each([
    ['a\r\nb', 'a b'],
    ['  lots   of \t space ', 'lots of space'],
    ['bell\u0007 and\u2028separator', 'bell and separator'],
  ])('singleLine %j -> %j', (input, expected) => {
    expect(singleLine(input)).toBe(expected);
  });

  it('tidyText trims trailing spaces, collapses blank lines and ends with one newline', () => {
    expect(tidyText('a  \r\n\n\n\nb\u0000\n\n')).toBe('a\n\nb\n');
  });
});

describe('imageView scales to the 552px content width', () => {
  it.each([
    [
      { url: 'https://i.example.com/a.jpg', width: 1100, height: 619 },
      { width: 552, height: 311 },
    ],
    [
      { url: 'https://i.example.com/a.jpg', width: 552, height: 300 },
      { width: 552, height: 300 },
    ],
    [
      { url: 'https://i.example.com/a.jpg', width: 400, height: 300 },
      { width: 400, height: 300 },
    ],
    [
      { url: 'https://i.example.com/a.jpg', width: 2000 },
      { width: 552, height: null },
    ],
    [{ url: 'https://i.example.com/a.jpg' }, { width: 552, height: null }],
  ])('%j -> %j', (image, expected) => {
    expect(imageView([image], 'alt')).toMatchObject({ url: image.url, alt: 'alt', ...expected });
  });

  it('skips unsafe and tiny images and uses the next one', () => {
    const view = imageView(
      [
        { url: 'javascript:alert(1)', width: 800, height: 600 },
        { url: 'https://i.example.com/logo.png', width: 50, height: 50 },
        { url: 'https://i.example.com/ok.jpg', width: 800, height: 600 },
      ],
      't',
    );
    expect(view).toEqual({ url: 'https://i.example.com/ok.jpg', alt: 't', width: 552, height: 414 });
  });

  it('is null without a usable image', () => {
    expect(imageView([], 't')).toBeNull();
    expect(imageView([{ url: 'data:image/png;base64,AAAA', width: 800 }], 't')).toBeNull();
  });
});

describe('template helpers on the isolated instance', () => {
  it.each([
    ['{{formatDate ms}}', 'Sep 13, 2020, 12:05 PM'],
    ['{{formatDate ms "h:mm a"}}', '12:05 PM'],
    ['{{formatDate ms "HH:mm" tz="Europe/Berlin"}}', '18:05'],
    ['{{formatDate missing}}', ''],
    ['{{host "https://www.example.com/x"}}', 'example.com'],
    ['{{safeUrl "javascript:alert(1)"}}', '#'],
    ['{{truncate "The quick brown fox jumps" 12}}', 'The quick…'],
    // Never inside a number or a word, even when the last space is early.
    ['{{truncate "It has 42 1,234,567,890,123 users" 20}}', 'It has 42…'],
    ['{{add 1 2}}', '3'],
    ['{{add 3 -1}}', '2'],
    ['{{#if (eq 1 1)}}yes{{/if}}', 'yes'],
    ['{{concat "a" 1 "b"}}', 'a1b'],
    ['{{join (slice list 1 3) " · "}}', 'b · c'],
    ['{{wrap "aa bb cc" width=5 indent="> "}}', '> aa\n> bb\n> cc'],
  ])('%s -> %j', async (source, expected) => {
    const templates = await defaultTemplates();
    const render = templates.compileLine(source, 'test');
    const ms = Date.UTC(2020, 8, 13, 16, 5);
    expect(
      render.render({ ms, missing: null, list: ['a', 'b', 'c', 'd'], timeZone: 'America/New_York' }),
    ).toBe(expected);
  });

  it('helpers do not leak into the global Handlebars instance', async () => {
    const Handlebars = (await import('handlebars')).default;
    await defaultTemplates();
    expect(Handlebars.helpers.formatDate).toBeUndefined();
    expect(Handlebars.partials.article).toBeUndefined();
  });
});
