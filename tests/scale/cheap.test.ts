import { describe, expect, it } from 'vitest';
import { cheapPublished, parseArticle } from '../../src/content/index.js';

const HEAD = 'title: "T"\nwebUrl: "https://example.com/t"\n';
const doc = (front: string) => `---\n${front}---\n`;

/**
 * The cheap first look on literal front matter: what it reads, or undefined ("parse in full").
 * Every case where it gives a date is also checked against the full parse below.
 */
describe('cheapPublished', () => {
  it.each([
    ['plain Z', `${HEAD}publishedDateTime: 2021-02-05T11:46:00Z\n`, '2021-02-05T11:46:00Z'],
    ['offset', `${HEAD}publishedDateTime: 2021-02-05T11:46:00-08:00\n`, '2021-02-05T11:46:00-08:00'],
    ['double quotes', `${HEAD}publishedDateTime: "2021-02-05T11:46:00Z"\n`, '2021-02-05T11:46:00Z'],
    ['single quotes', `${HEAD}publishedDateTime: '2021-02-05T11:46:00Z'\n`, '2021-02-05T11:46:00Z'],
    ['date only', `${HEAD}publishedDateTime: 2021-02-05\n`, '2021-02-05'],
    ['space form', `${HEAD}publishedDateTime: 2021-02-05 11:46:00 -08:00\n`, '2021-02-05 11:46:00 -08:00'],
    ['no offset', `${HEAD}publishedDateTime: 2021-02-05T11:46:00\n`, '2021-02-05T11:46:00'],
    ['comment', `${HEAD}publishedDateTime: 2021-02-05T11:46:00Z # UTC\n`, '2021-02-05T11:46:00Z'],
    ['comment after quotes', `${HEAD}publishedDateTime: "2021-02-05" # day\n`, '2021-02-05'],
    ['tab after colon', `${HEAD}publishedDateTime:\t2021-02-05\n`, '2021-02-05'],
    ['first key', 'publishedDateTime: 2021-02-05\ntitle: "T"\n', '2021-02-05'],
    [
      'after related',
      `${HEAD}related:\n  - publishedDateTime: 2020-01-01\npublishedDateTime: 2021-02-05\n`,
      '2021-02-05',
    ],
    // YAML refuses the file (a duplicate key); it is parsed, and reported, only when this date is in the window.
    ['twice', `${HEAD}publishedDateTime: 2021-02-05\npublishedDateTime: 2021-02-06\n`, '2021-02-05'],
    ['CRLF', `${HEAD}publishedDateTime: 2021-02-05\r\nx: 1\r\n`.replace(/\n/g, '\r\n'), '2021-02-05'],
    ['trailing blank lines', `${HEAD}publishedDateTime: 2021-02-05\n\n\nx: 1\n`, '2021-02-05'],
    // Full parse needed:
    ['no key', HEAD, undefined],
    ['nested only', `${HEAD}related:\n  - publishedDateTime: 2021-02-05\n`, undefined],
    ['indented (block scalar)', `${HEAD}excerpt: |\n  publishedDateTime: 2021-02-05\n`, undefined],
    ['quoted key', `${HEAD}"publishedDateTime": 2021-02-05\n`, undefined],
    ['space before colon', `${HEAD}publishedDateTime : 2021-02-05\n`, undefined],

    ['value on next line', `${HEAD}publishedDateTime:\n  2021-02-05\n`, undefined],
    ['plain scalar continues', `${HEAD}publishedDateTime: 2021-02-05\n  T10:00:00Z\n`, undefined],
    ['continues after blank line', `${HEAD}publishedDateTime: 2021-02-05\n\n  more\n`, undefined],
    ['escape in quotes', `${HEAD}publishedDateTime: "2021-02-0\\x35"\n`, undefined],
    ['doubled single quote', `${HEAD}publishedDateTime: '2021-02-05''x'\n`, undefined],
    ['unclosed quote', `${HEAD}publishedDateTime: "2021-02-05\n  "\n`, undefined],
    ['text after quote', `${HEAD}publishedDateTime: "2021-02-05" x\n`, undefined],
    ['hash without space', `${HEAD}publishedDateTime: 2021-02-05#x\n`, undefined],
    ['anchor', `${HEAD}publishedDateTime: &a 2021-02-05\n`, undefined],
    ['tag', `${HEAD}publishedDateTime: !!str 2021-02-05\n`, undefined],
    ['not a date', `${HEAD}publishedDateTime: yesterday\n`, undefined],
    ['impossible date', `${HEAD}publishedDateTime: 2021-02-30\n`, undefined],
    ['no space after colon', `${HEAD}publishedDateTime:2021-02-05\n`, undefined],
  ] as const)('%s', (_name, front, expected) => {
    const found = cheapPublished(Buffer.from(doc(front)), 'America/New_York');
    expect(found?.text).toBe(expected);
  });

  it.each([
    ['no front matter', 'publishedDateTime: 2021-02-05\n'],
    ['after the closing line', '---\ntitle: "T"\n---\npublishedDateTime: 2021-02-05\n'],
    ['four dashes', '----\npublishedDateTime: 2021-02-05\n---\n'],
    ['empty', ''],
  ])('finds nothing outside the front matter: %s', (_name, text) => {
    expect(cheapPublished(Buffer.from(text), 'UTC')).toBeUndefined();
  });

  it('reads through a byte order mark, as the full parse does', () => {
    const text = `\uFEFF${doc(`${HEAD}publishedDateTime: 2021-02-05T11:46:00Z\n`)}`;
    expect(cheapPublished(Buffer.from(text), 'UTC')?.ms).toBe(Date.parse('2021-02-05T11:46:00Z'));
  });

  it.each([
    ['2021-02-05', true],
    ['2021-02-05T11:46:00', true],
    ['2021-02-05 11:46', true],
    ['2021-02-05T11:46:00Z', false],
    ['2021-02-05T11:46:00-08:00', false],
    ['2021-02-05 11:46:00 +0530', false],
  ])('%s depends on the zone: %s', (value, zoned) => {
    expect(cheapPublished(Buffer.from(doc(`${HEAD}publishedDateTime: ${value}\n`)), 'UTC')?.zoned).toBe(
      zoned,
    );
  });

  it.each(['UTC', 'America/New_York', 'Europe/Berlin', 'Asia/Kolkata'])(
    'gives the full parse its own instant whenever it gives one (%s)',
    (timeZone) => {
      const values = [
        '2021-02-05T11:46:00Z',
        '"2021-03-28T02:30:00"',
        "'2021-11-07 01:30'",
        '2021-02-05',
        '2021-02-05T11:46:00.123+05:30',
        '2021-02-05t11:46:00z # lower case',
        '2021-2-5 9:05',
      ];
      for (const value of values) {
        const text = doc(`${HEAD}publishedDateTime: ${value}\n`);
        const cheap = cheapPublished(Buffer.from(text), timeZone);
        const full = parseArticle('a.md', Buffer.from(text), { timeZone });
        expect(cheap, value).toBeDefined();
        expect('article' in full && full.article.publishedMs, value).toBe(cheap?.ms);
      }
    },
  );
});
