import matter from 'gray-matter';
import { describe, expect, it } from 'vitest';
import { formatProblem, MAX_ARTICLE_BYTES, parseArticle } from '../../src/content/index.js';
import type { Article, ContentProblem } from '../../src/types.js';

const REQUIRED = [
  'title: "A title"',
  'webUrl: "https://www.example.com/a"',
  'publishedDateTime: 2021-02-05T11:46:00Z',
];

/** A front-matter file from lines; a line overrides the required line with the same key. */
function doc(lines: string[], { keepRequired = true } = {}): Buffer {
  const keys = new Set(lines.map((l) => l.split(':')[0]));
  const base = keepRequired ? REQUIRED.filter((l) => !keys.has(l.split(':')[0])) : [];
  return Buffer.from(`---\n${[...base, ...lines].join('\n')}\n---\n\n`, 'utf8');
}

function article(bytes: Buffer, timeZone = 'UTC'): Article {
  const result = parseArticle('a.md', bytes, { timeZone });
  if ('problem' in result) throw new Error(formatProblem(result.problem));
  return result.article;
}

function problem(bytes: Buffer, timeZone = 'UTC'): ContentProblem {
  const result = parseArticle('a.md', bytes, { timeZone });
  if ('article' in result) throw new Error(`expected a problem, got ${result.article.title}`);
  return result.problem;
}

describe('publishedDateTime', () => {
  it.each([
    ['UTC', 'publishedDateTime: 2021-02-05T11:46:00Z', '2021-02-05T11:46:00.000Z'],
    ['UTC', 'publishedDateTime: "2021-02-05T11:46:00Z"', '2021-02-05T11:46:00.000Z'],
    ['UTC', 'publishedDateTime: 2021-02-05T11:46:00.123Z', '2021-02-05T11:46:00.123Z'],
    ['UTC', 'publishedDateTime: 2021-02-05T11:46:00-08:00', '2021-02-05T19:46:00.000Z'],
    ['UTC', "publishedDateTime: '2021-02-05T11:46:00+05:30'", '2021-02-05T06:16:00.000Z'],
    ['UTC', 'publishedDateTime: 2021-02-05T11:46:00+0100', '2021-02-05T10:46:00.000Z'],
    ['UTC', 'publishedDateTime: 2021-02-05 11:46:00 -5', '2021-02-05T16:46:00.000Z'],
    ['UTC', 'publishedDateTime: 2021-02-05t11:46Z', '2021-02-05T11:46:00.000Z'],
    // An explicit Z at midnight is an instant, not a date-only value (the ai corpus has these).
    ['America/New_York', 'publishedDateTime: 2021-03-09T00:00:00Z', '2021-03-09T00:00:00.000Z'],
    // Date-only: local midnight in the configured zone, winter and summer.
    ['UTC', 'publishedDateTime: 2021-02-05', '2021-02-05T00:00:00.000Z'],
    ['Europe/Berlin', 'publishedDateTime: 2021-02-05', '2021-02-04T23:00:00.000Z'],
    ['Europe/Berlin', 'publishedDateTime: "2021-07-05"', '2021-07-04T22:00:00.000Z'],
    ['Europe/Berlin', 'publishedDateTime: 2021-03-28', '2021-03-27T23:00:00.000Z'],
    ['America/New_York', 'publishedDateTime: 2021-02-05', '2021-02-05T05:00:00.000Z'],
    ['America/New_York', "publishedDateTime: '2021-07-05'", '2021-07-05T04:00:00.000Z'],
    ['America/New_York', 'publishedDateTime: 2021-11-07', '2021-11-07T04:00:00.000Z'],
    // No offset: wall-clock time in the configured zone.
    ['Europe/Berlin', 'publishedDateTime: 2021-02-05T11:46:00', '2021-02-05T10:46:00.000Z'],
    ['America/New_York', 'publishedDateTime: 2021-07-05 08:00', '2021-07-05T12:00:00.000Z'],
  ])('%s  %s  ->  %s', (timeZone, line, iso) => {
    expect(new Date(article(doc([line]), timeZone).publishedMs).toISOString()).toBe(iso);
  });

  it.each([
    ['publishedDateTime: "last Tuesday"', 'is not a date or date-time: "last Tuesday"'],
    ['publishedDateTime: 2021-02-30', 'is not a date or date-time: "2021-02-30"'],
    ['publishedDateTime: 2021-13-01T00:00:00Z', 'is not a date or date-time: "2021-13-01T00:00:00Z"'],
    ['publishedDateTime: 2021-02-05T25:00:00Z', 'is not a date or date-time: "2021-02-05T25:00:00Z"'],
    ['publishedDateTime: 1612501200', 'is not a date or date-time: "1612501200"'],
    ['publishedDateTime: ""', 'is missing'],
    ['publishedDateTime:', 'is missing'],
    ['other: 1', 'is missing'],
  ])('%s is reported', (line, message) => {
    const lines = line.startsWith('other') ? [REQUIRED[0] as string, REQUIRED[1] as string, line] : [line];
    const p = problem(doc(lines, { keepRequired: !line.startsWith('other') }));
    expect(p).toMatchObject({ path: 'a.md', field: 'publishedDateTime', message });
    expect(p.hint).toContain('2021-02-05T11:46:00Z');
  });
});

describe('quality and heat', () => {
  it.each([
    [[], 0, 0],
    [['quality: 70'], 70, 0],
    [['heat: -1'], 0, -1],
    [['quality: 12.5', 'heat: 990'], 12.5, 990],
    [['quality: ~', 'heat:'], 0, 0],
  ])('%j -> quality %d, heat %d', (lines, quality, heat) => {
    expect(article(doc(lines))).toMatchObject({ quality, heat });
  });

  it.each([
    ['quality: "70"', 'quality', 'must be a number, got "70"'],
    ['quality: high', 'quality', 'must be a number, got "high"'],
    ['quality: [1]', 'quality', 'must be a number, got "1"'],
    ['heat: .inf', 'heat', 'must be a number, got "Infinity"'],
    ['heat: true', 'heat', 'must be a number, got "true"'],
  ])('%s is reported', (line, field, message) => {
    expect(problem(doc([line]))).toMatchObject({ field, message });
  });
});

describe('title and excerpt cleanup', () => {
  it.each([
    ['excerpt: "One line.\\n    \\n"', 'One line.'],
    ["excerpt: 'Literal escapes.\\n    \\n'", 'Literal escapes.'],
    ['excerpt: "before\\\\nafter"', 'before after'],
    ['excerpt: "  spaced    out\\tand tabbed  "', 'spaced out and tabbed'],
    ['excerpt: "zero\\u200Bwidth"', 'zerowidth'],
    ['excerpt: "Curly “quotes” — and café"', 'Curly “quotes” — and café'],
    ['excerpt: ""', ''],
    ['excerpt: 42', ''],
    ['other: x', ''],
  ])('%s -> %j', (line, excerpt) => {
    expect(article(doc([line])).excerpt).toBe(excerpt);
  });

  it.each([
    ['title: "  Two\\nlines  "', 'Two lines'],
    ["title: 'Literal\\n escape'", 'Literal escape'],
    ['title: <script>alert(1)</script>', '<script>alert(1)</script>'],
    ['title: "아크로팬 소식"', '아크로팬 소식'],
  ])('%s -> %j', (line, title) => {
    expect(article(doc([line])).title).toBe(title);
  });

  it.each([
    ['title: ""', 'is empty'],
    ['title: "  \\n  "', 'is empty'],
    ['title: 1984', 'must be text, got "1984"'],
    ['title: [a, b]', 'must be text, got "a,b"'],
    ['title: ~', 'is missing'],
  ])('%s is reported', (line, message) => {
    expect(problem(doc([line]))).toMatchObject({ field: 'title', message });
  });
});

describe('webUrl', () => {
  it.each([
    ['webUrl: "javascript:alert(1)"', 'must be an http or https URL, got "javascript:alert(1)"'],
    ['webUrl: "data:text/html,hi"', 'must be an http or https URL, got "data:text/html,hi"'],
    ['webUrl: "ftp://example.com/a"', 'must be an http or https URL, got "ftp://example.com/a"'],
    ['webUrl: "https:example.com/a"', 'must be an http or https URL, got "https:example.com/a"'],
    ['webUrl: "/relative/path"', 'must be an http or https URL, got "/relative/path"'],
    ['webUrl: 7', 'must be an http or https URL, got "7"'],
    ['webUrl: ""', 'must be an http or https URL, got ""'],
    ['webUrl:', 'is missing'],
  ])('%s is reported', (line, message) => {
    expect(problem(doc([line]))).toMatchObject({ field: 'webUrl', message });
  });

  it.each([
    ['webUrl: "HTTP://Example.com/Path?q=1"', 'HTTP://Example.com/Path?q=1'],
    ['webUrl: "  https://example.com/a  "', 'https://example.com/a'],
  ])('%s is kept as written, trimmed', (line, webUrl) => {
    expect(article(doc([line])).webUrl).toBe(webUrl);
  });

  it('keeps an http(s) ampWebUrl and drops any other', () => {
    expect(article(doc(['ampWebUrl: "https://example.com/a/amp/"'])).ampWebUrl).toBe(
      'https://example.com/a/amp/',
    );
    expect(article(doc(['ampWebUrl: "javascript:x"']))).not.toHaveProperty('ampWebUrl');
  });
});

describe('provider', () => {
  it.each([
    [['provider:', '  name: CNN', '  domain: cnn.com'], { name: 'CNN', domain: 'cnn.com' }],
    [['webUrl: "https://www.Example.COM/a"'], { name: 'example.com', domain: 'example.com' }],
    [
      ['webUrl: "https://www.acrofan.com/x"', 'provider:', '  name: 아크로팬'],
      { name: '아크로팬', domain: 'acrofan.com' },
    ],
    [['provider:', '  name: Salon', '  domain: WWW.Salon.com'], { name: 'Salon', domain: 'salon.com' }],
    [['provider:', '  domain: https://www.cnn.com/'], { name: 'cnn.com', domain: 'cnn.com' }],
    [['provider: Plain Name'], { name: 'Plain Name', domain: 'example.com' }],
    [
      [
        'provider:',
        '  name: Logo',
        '  images:',
        '    - url: "data:image/png;base64,AA"',
        '    - url: "https://x.example/l.png"',
      ],
      { name: 'Logo', domain: 'example.com', imageUrl: 'https://x.example/l.png' },
    ],
  ])('%j -> %j', (lines, provider) => {
    expect(article(doc(lines)).provider).toEqual(provider);
  });
});

describe('optional lists', () => {
  it('keeps only http(s) images, with numeric width/height', () => {
    const a = article(
      doc([
        'images:',
        '  - url: "data:image/png;base64,AA"',
        '  - url: "https://img.example/a.jpg"',
        '    width: 640',
        '    height: 360',
        '    isCached: true',
        '  - url: "http://img.example/b.jpg"',
        '    width: "640"',
        '  - "https://img.example/c.jpg"',
        '  - url: "javascript:alert(1)"',
      ]),
    );
    expect(a.images).toEqual([
      { url: 'https://img.example/a.jpg', width: 640, height: 360 },
      { url: 'http://img.example/b.jpg' },
      { url: 'https://img.example/c.jpg' },
    ]);
  });

  it.each([
    [
      ['topics:', '  - AI', '  - 42', '  - " Machine Learning "', '  - ""'],
      ['AI', 'Machine Learning'],
    ],
    [['topics: Election'], ['Election']],
    [[], []],
  ])('topics %j -> %j', (lines, topics) => {
    expect(article(doc(lines)).topics).toEqual(topics);
  });

  it.each([
    [[], 'article'],
    [['type: video'], 'video'],
    [['type: 3'], 'article'],
  ])('type %j -> %s', (lines, type) => {
    expect(article(doc(lines)).type).toBe(type);
  });

  it('keeps related entries with a title and an http(s) webUrl, and drops the rest quietly', () => {
    const a = article(
      doc(
        [
          'related:',
          '  - title: "Kept, full"',
          '    excerpt: "Two\\n lines"',
          '    publishedDateTime: 2021-02-06T10:00:00Z',
          '    webUrl: "https://www.other.example/full"',
          '    provider:',
          '      name: Other',
          '      domain: other.example',
          '    quality: 140',
          '    images:',
          '      - url: "ftp://img.example/x.jpg"',
          '      - url: "https://img.example/r.jpg"',
          '        width: 980',
          '        height: 551',
          '  - title: "Kept, bare, date-only"',
          '    webUrl: "http://bare.example/b"',
          '    publishedDateTime: 2021-02-07',
          '    quality: "high"',
          '  - title: "Dropped: javascript link"',
          '    webUrl: "javascript:alert(1)"',
          '  - title: ""',
          '    webUrl: "https://x.example/empty-title"',
          '  - webUrl: "https://x.example/no-title"',
          '  - "just a string"',
          '  - title: "Kept, bad date"',
          '    webUrl: "https://x.example/bad-date"',
          '    publishedDateTime: "soon"',
        ],
        {},
      ),
      'Europe/Berlin',
    );
    expect(a.related).toEqual([
      {
        title: 'Kept, full',
        excerpt: 'Two lines',
        webUrl: 'https://www.other.example/full',
        provider: { name: 'Other', domain: 'other.example' },
        quality: 140,
        publishedMs: Date.parse('2021-02-06T10:00:00Z'),
        image: { url: 'https://img.example/r.jpg', width: 980, height: 551 },
      },
      {
        title: 'Kept, bare, date-only',
        excerpt: '',
        webUrl: 'http://bare.example/b',
        provider: { name: 'bare.example', domain: 'bare.example' },
        quality: 0,
        publishedMs: Date.parse('2021-02-06T23:00:00Z'),
      },
      {
        title: 'Kept, bad date',
        excerpt: '',
        webUrl: 'https://x.example/bad-date',
        provider: { name: 'x.example', domain: 'x.example' },
        quality: 0,
      },
    ]);
  });

  it('ignores unknown fields, `published` included', () => {
    const a = article(doc(['published: false', 'secured: "abc=="', 'category: news', 'whatever: [1, 2]']));
    expect(a.title).toBe('A title');
  });
});

describe('whole-file problems', () => {
  it.each([
    ['an empty file', Buffer.alloc(0), '(file)', 'is empty'],
    ['only whitespace', Buffer.from(' \n\n'), '(file)', 'is empty'],
    [
      'Latin-1 bytes',
      Buffer.from('---\ntitle: "Caf\xe9"\n---\n', 'latin1'),
      '(file)',
      'is not valid UTF-8 text',
    ],
    ['no front matter', Buffer.from('# Just markdown\n'), '(front matter)', 'no YAML front matter'],
    [
      '`---js` front matter',
      Buffer.from('---js\n{ title: "x" }\n---\n'),
      '(front matter)',
      'no YAML front matter',
    ],
    [
      'a YAML list',
      Buffer.from('---\n- a\n- b\n---\n'),
      '(front matter)',
      'front matter must be `key: value` lines',
    ],
    [
      'a YAML scalar',
      Buffer.from('---\njust text\n---\n'),
      '(front matter)',
      'front matter must be `key: value` lines',
    ],
    [
      'bad indentation',
      Buffer.from('---\ntitle: x\nprovider:\n    name: A\n  domain: a.com\n---\n'),
      '(front matter)',
      'line 5: bad indentation of a mapping entry',
    ],
    [
      'a duplicated key',
      Buffer.from('---\ntitle: x\ntitle: y\n---\n'),
      '(front matter)',
      'line 3: duplicated mapping key',
    ],
    ['an empty front matter', Buffer.from('---\n---\n'), 'title', 'is missing'],
  ])('%s', (_name, bytes, field, message) => {
    const p = problem(bytes);
    expect(p.field).toBe(field);
    expect(p.message.startsWith(message)).toBe(true);
  });

  it('strips a UTF-8 byte order mark', () => {
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), doc([])]);
    expect(article(bytes).title).toBe('A title');
  });

  it('accepts CRLF line endings', () => {
    expect(article(Buffer.from(doc([]).toString().replace(/\n/g, '\r\n'))).title).toBe('A title');
  });

  it('refuses more than 1 MB without decoding it', () => {
    const big = Buffer.alloc(MAX_ARTICLE_BYTES + 1, 0xff);
    expect(problem(big)).toMatchObject({
      field: '(file)',
      message: expect.stringContaining('1048577 bytes'),
    });
    const atLimit = Buffer.concat([doc([]), Buffer.alloc(MAX_ARTICLE_BYTES - doc([]).length, 0x0a)]);
    expect(article(atLimit).title).toBe('A title');
  });
});

describe('gray-matter cache trap', () => {
  const body =
    'title: "Same body"\nwebUrl: "https://example.com/s"\npublishedDateTime: 2021-02-05T11:46:00Z\n';
  const good = Buffer.from(`---\n${body}---\n`);
  const broken = Buffer.from(`---\n${body}  oops: [\n---\n`);

  it('reports a broken file every time, even after a good file with the same body', () => {
    expect(article(good).title).toBe('Same body');
    const first = problem(broken);
    expect(first.field).toBe('(front matter)');
    expect(problem(broken)).toEqual(first);
    expect(article(good).title).toBe('Same body');
  });

  it('is not fooled by a cache entry that an options-less call left behind', () => {
    // Without options gray-matter stores the file object before parsing; the throw leaves it
    // half-filled, and the next options-less call returns it as if the YAML were fine.
    expect(() => matter(broken.toString())).toThrow();
    expect(() => matter(broken.toString())).not.toThrow();
    expect(problem(broken).field).toBe('(front matter)');
  });
});

describe('formatProblem', () => {
  it.each([
    [{ path: 'a/b.md', field: 'title', message: 'is missing' }, 'a/b.md: title: is missing'],
    [
      { path: 'b.md', field: 'quality', message: 'must be a number, got "70"', hint: 'write 70' },
      'b.md: quality: must be a number, got "70" (write 70)',
    ],
  ])('%j -> %s', (p, line) => {
    expect(formatProblem(p)).toBe(line);
  });
});
