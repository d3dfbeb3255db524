import { describe, expect, it } from 'vitest';
import { canonicalUrl, isHttpUrl } from '../../src/select/index.js';

describe('canonicalUrl', () => {
  it.each([
    ['https://example.com/a/b', 'https://example.com/a/b'],
    ['http://example.com/a/b', 'https://example.com/a/b'],
    ['https://WWW.Example.COM/a/B', 'https://example.com/a/B'],
    ['https://example.com/a/b/', 'https://example.com/a/b'],
    ['https://example.com/', 'https://example.com'],
    ['https://example.com/a#comments', 'https://example.com/a'],
    ['https://example.com/a?utm_source=tw&utm_Medium=social&id=7', 'https://example.com/a?id=7'],
    ['https://example.com/a?fbclid=XYZ&gclid=1&ocid=msn', 'https://example.com/a'],
    ['https://example.com/a?b=2&a=1&a=0', 'https://example.com/a?a=0&a=1&b=2'],
    ['https://www.washingtonpost.com/outlook/x/?outputType=amp', 'https://washingtonpost.com/outlook/x'],
    ['https://time.com/5889556/latino-voters/?amp=true', 'https://time.com/5889556/latino-voters'],
    ['https://example.com/a?amp', 'https://example.com/a'],
    ['https://example.com/a?amp=1&page=2', 'https://example.com/a?page=2'],
    ['https://globalnews.ca/news/7315970/trump/amp/', 'https://globalnews.ca/news/7315970/trump'],
    ['https://example.com/amp/news/123', 'https://example.com/news/123'],
    ['https://example.com/news/story.amp', 'https://example.com/news/story'],
    ['https://example.com/news/story.amp.html', 'https://example.com/news/story.html'],
    ['https://amp.example.com/news/1', 'https://example.com/news/1'],
    ['https://m.example.co.uk/news/1', 'https://example.co.uk/news/1'],
    [
      'https://globalnews-ca.cdn.ampproject.org/c/s/globalnews.ca/news/7315970/trump/amp/',
      'https://globalnews.ca/news/7315970/trump',
    ],
    ['https://example-com.cdn.ampproject.org/c/example.com/a?amp=1', 'https://example.com/a'],
    ['https://example.com:443/a', 'https://example.com/a'],
    ['https://example.com:8080/a', 'https://example.com:8080/a'],
    ['  https://example.com/a  ', 'https://example.com/a'],
    // Not a host prefix: `m.` alone would leave a bare TLD, and `amp` inside a word is not AMP.
    ['https://m.com/a', 'https://m.com/a'],
    ['https://example.com/ampere/campaign', 'https://example.com/ampere/campaign'],
    ['javascript:alert(1)', 'javascript:alert(1)'],
    ['not a url', 'not a url'],
  ])('%s -> %s', (input, want) => {
    expect(canonicalUrl(input)).toBe(want);
  });

  it('gives one key for the web, AMP and AMP-cache URLs of one real article', () => {
    const urls = [
      'https://globalnews.ca/news/7315970/donald-trump-suckers-losers-american-soldiers/',
      'https://globalnews.ca/news/7315970/donald-trump-suckers-losers-american-soldiers/amp/',
      'https://globalnews-ca.cdn.ampproject.org/c/s/globalnews.ca/news/7315970/donald-trump-suckers-losers-american-soldiers/amp/',
    ];
    expect(new Set(urls.map(canonicalUrl)).size).toBe(1);
  });
});

describe('isHttpUrl', () => {
  it.each([
    ['https://example.com/a', true],
    ['http://example.com', true],
    ['HTTPS://EXAMPLE.COM', true],
    ['javascript:alert(1)', false],
    [' javascript:alert(1)', false],
    ['data:text/html,<b>x</b>', false],
    ['mailto:a@example.com', false],
    ['ftp://example.com/f', false],
    ['//example.com/a', false],
    ['/relative', false],
    ['', false],
  ])('%j -> %s', (url, want) => {
    expect(isHttpUrl(url)).toBe(want);
  });
});
