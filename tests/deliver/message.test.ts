import { load } from 'cheerio';
import { describe, expect, it } from 'vitest';
import { messageIdFor, prepareDigestMessage, qpSegment } from '../../src/deliver/index.js';
import { DigestError } from '../../src/errors.js';
import { PLACEHOLDERS, personalize } from '../../src/render/index.js';
import { headerCount, parse, sampleRendered } from './helpers.js';

const settings = {
  from: '"News Digest" <digest@example.com>',
  listId: '',
  unsubscribeMailto: 'unsubscribe@example.com',
  date: new Date('2020-09-14T07:00:00Z'),
};
const recipient = {
  email: 'zoe@example.com',
  name: 'Zoë O’Brien, Jr. <&"\'=>',
  messageId: messageIdFor('day:2020-09-13@UTC', 7, 'example.com'),
  unsubscribeUrl: 'https://news.example.com/unsubscribe?token=abc.def',
};

describe('prepareDigestMessage', () => {
  it('builds a message that parses back to the same subject, addresses, headers and parts', async () => {
    const rendered = sampleRendered();
    const raw = prepareDigestMessage(rendered, settings).build(recipient);
    const mail = await parse(raw);
    expect(mail.subject).toBe(rendered.subject);
    expect(mail.from?.value).toEqual([{ name: 'News Digest', address: 'digest@example.com' }]);
    const to = Array.isArray(mail.to) ? mail.to[0] : mail.to;
    expect(to?.value).toEqual([{ name: recipient.name, address: 'zoe@example.com' }]);
    expect(mail.messageId).toBe(recipient.messageId);
    expect(mail.date?.toISOString()).toBe('2020-09-14T07:00:00.000Z');
    expect(mail.headers.get('list')).toEqual({
      id: { name: 'News Digest', id: 'digest.example.com' },
      unsubscribe: { url: recipient.unsubscribeUrl, mail: 'unsubscribe@example.com?subject=unsubscribe' },
      'unsubscribe-post': { name: 'List-Unsubscribe=One-Click' },
    });
    const expected = personalize(rendered, recipient);
    expect(mail.text?.replace(/\r\n/g, '\n')).toBe(expected.text);
    expect(mail.html).toBe(expected.html.replace(/\r?\n/g, '\n'));
    expect(mail.html).toContain('Zoë O’Brien, Jr. &lt;&amp;&quot;&#39;&#61;&gt;');
    const $ = load(mail.html || '');
    expect($('a:contains("Unsubscribe")').attr('href')).toBe(recipient.unsubscribeUrl);
  });

  it('is 7-bit, CRLF only, with every line within 78 characters except the unsubscribe URL', () => {
    const raw = prepareDigestMessage(sampleRendered(), settings).build(recipient);
    expect([...raw].every((byte) => byte < 128)).toBe(true);
    const text = raw.toString('latin1');
    expect(text.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
    const long = text.split('\r\n').filter((line) => line.length > 78);
    expect(long.every((line) => line.startsWith('List-Unsubscribe: <https://'))).toBe(true);
    const body = text.slice(text.indexOf('\r\n\r\n'));
    expect(Math.max(...body.split('\r\n').map((l) => l.length))).toBeLessThanOrEqual(76);
    expect(text).toContain('Content-Transfer-Encoding: quoted-printable');
  });

  it('keeps CR/LF in the subject and the name from adding headers', async () => {
    const rendered = sampleRendered({ subject: 'Hello\r\nBcc: evil@example.com\r\n\r\nbody' });
    const raw = prepareDigestMessage(rendered, settings).build({
      ...recipient,
      name: 'Eve\r\nBcc: evil@example.com\nX-Evil: 1',
    });
    expect(headerCount(raw, 'Subject')).toBe(1);
    expect(headerCount(raw, 'To')).toBe(1);
    expect(headerCount(raw, 'Bcc')).toBe(0);
    expect(headerCount(raw, 'X-Evil')).toBe(0);
    const mail = await parse(raw);
    expect(mail.bcc).toBeUndefined();
    expect(mail.subject).toBe('Hello Bcc: evil@example.com body');
  });

  it('gives every recipient exactly what personalize gives, wherever the markers are', async () => {
    const rendered = sampleRendered({
      html: `${PLACEHOLDERS.name}<a href="${PLACEHOLDERS.unsubscribeUrl}">u</a>${PLACEHOLDERS.email}${PLACEHOLDERS.name}`,
      text: `${PLACEHOLDERS.email}\n${PLACEHOLDERS.name} ${PLACEHOLDERS.unsubscribeUrl}`,
    });
    const message = prepareDigestMessage(rendered, settings);
    for (const name of ['', 'Ann', '=?utf-8?q?x?=', ' trailing space ', 'tab\there', 'Łukasz 😀 = "x"']) {
      const parts = { ...recipient, name };
      const mail = await parse(message.build(parts));
      const expected = personalize(rendered, parts);
      expect(mail.html).toBe(expected.html);
      expect(mail.text?.replace(/\r\n/g, '\n')).toBe(expected.text);
    }
  });

  it('adds an unsubscribe line to a text part without one, and refuses HTML without one', async () => {
    const noText = sampleRendered({ text: 'Just text.' });
    const mail = await parse(prepareDigestMessage(noText, settings).build(recipient));
    expect(mail.text).toContain(`Unsubscribe: ${recipient.unsubscribeUrl}`);
    const noHtml = sampleRendered({ html: '<p>no link</p>' });
    expect(() => prepareDigestMessage(noHtml, settings)).toThrow(DigestError);
  });

  it.each([
    ['"News" <digest@example.com>\r\nBcc: evil@example.com', /control character/],
    ['a@example.com, b@example.com', /exactly one address/],
    ['not an address', /exactly one address|address/],
  ])('refuses from %j', (from, message) => {
    expect(() => prepareDigestMessage(sampleRendered(), { ...settings, from })).toThrow(message);
  });

  it.each([
    ['', 'News Digest <digest.example.com>'],
    ['daily.news.example.com', '<daily.news.example.com>'],
    ['Daily News <daily.news.example.com>', 'Daily News <daily.news.example.com>'],
  ])('List-Id from %j', async (listId, expected) => {
    const raw = prepareDigestMessage(sampleRendered(), { ...settings, listId }).build(recipient);
    const line = raw
      .toString()
      .split('\r\n')
      .find((l) => l.startsWith('List-Id:'));
    expect(line).toBe(`List-Id: ${expected}`);
  });

  it('omits the mailto when none is configured, and the Message-ID is stable per digest and subscriber', async () => {
    const raw = prepareDigestMessage(sampleRendered(), { ...settings, unsubscribeMailto: '' }).build(
      recipient,
    );
    expect((await parse(raw)).headers.get('list')).toMatchObject({
      unsubscribe: { url: recipient.unsubscribeUrl },
    });
    expect(raw.toString()).not.toContain('mailto:');
    expect(messageIdFor('k', 1, 'example.com')).toBe(messageIdFor('k', 1, 'example.com'));
    expect(messageIdFor('k', 1, 'example.com')).not.toBe(messageIdFor('k', 2, 'example.com'));
    expect(messageIdFor('k', 1, 'example.com')).toMatch(/^<[0-9a-f]{32}\.digest@example\.com>$/);
  });
});

describe('qpSegment', () => {
  it.each([
    ['', ''],
    ['abc', 'abc=\r\n'],
    ['a=b', 'a=3Db=\r\n'],
    ['line\r\n', 'line\r\n'],
    ['end space ', 'end space=20=\r\n'],
    ['é', '=C3=A9=\r\n'],
  ])('%j -> %j', (input, output) => {
    expect(qpSegment(input)).toBe(output);
  });

  it('wraps long lines at 75 so the joining "=" fits in 76', () => {
    const lines = qpSegment('y'.repeat(500)).split('\r\n');
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThanOrEqual(76);
  });
});

describe('qpSegment fast path', () => {
  it.each([
    '='.repeat(60),
    `https://news.example.com/unsubscribe?token=${'a'.repeat(150)}.${'b'.repeat(43)}`,
    'plain words ',
  ])('encodes %j like the general encoder', async (value) => {
    const lines = qpSegment(value).split('\r\n');
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThanOrEqual(76);
    const decoded = qpSegment(value)
      .replace(/=\r\n/g, '')
      .replace(/=([0-9A-F]{2})/g, (_m, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
    expect(decoded).toBe(value);
  });
});
