import { describe, expect, it } from 'vitest';
import { isCalendarDate, isLoopbackHost, parseRequest } from '../../src/preview/index.js';

describe('parseRequest: the routes', () => {
  it.each([
    ['/', { kind: 'index' }],
    ['/digest/2020-09-13', { kind: 'digest', date: '2020-09-13' }],
    ['/digest/2020-09-13.html', { kind: 'raw', date: '2020-09-13', format: 'html' }],
    ['/digest/2020-09-13.txt', { kind: 'raw', date: '2020-09-13', format: 'txt' }],
    ['/digest/2020-09-13.json', { kind: 'raw', date: '2020-09-13', format: 'json' }],
    ['/digest/2024-02-29', { kind: 'digest', date: '2024-02-29' }],
    ['/assets/preview.css', { kind: 'asset', name: 'preview.css' }],
    ['/assets/preview.js', { kind: 'asset', name: 'preview.js' }],
    ['/events', { kind: 'events' }],
    ['/favicon.ico', { kind: 'favicon' }],
  ])('GET %s', (target, route) => {
    const parsed = parseRequest('GET', target);
    expect(parsed).toMatchObject({ ok: true, route });
  });

  it.each([
    ['/?tz=America%2FNew_York', { tz: 'America/New_York', dark: false }],
    ['/digest/2020-09-13?tz=UTC&top=5', { tz: 'UTC', top: 5, dark: false }],
    ['/digest/2020-09-13.html?scheme=dark', { dark: true }],
    ['/digest/2020-09-13?tz=&top=', { dark: false }],
    ['/digest/2020-09-13?unknown=1', { dark: false }],
  ])('query of %s', (target, query) => {
    const parsed = parseRequest('GET', target);
    expect(parsed.ok && parsed.query).toEqual(query);
  });
});

describe('parseRequest: refusals', () => {
  it.each([
    // Traversal, raw and encoded, checked after decoding.
    ['/../etc/passwd', 400],
    ['/digest/../../etc/passwd', 400],
    ['/digest/2020-09-13.html/../../../package.json', 400],
    ['/./', 400],
    ['/%2e%2e/%2e%2e/etc/passwd', 400],
    ['/%2E%2E/package.json', 400],
    ['/digest/..%2f..%2fpackage.json', 400],
    ['/assets/%2e%2e%2f%2e%2e%2fpackage.json', 400],
    ['/assets%2fpreview.css', 400],
    ['/digest/2020%2d09%2d13', 400],
    ['/digest/%252e%252e/package.json', 400],
    ['/digest/2020-09-13.html%00.txt', 400],
    ['/%00', 400],
    ['/\u0000', 400],
    ['/..\\..\\windows\\win.ini', 400],
    ['/%5c..%5cpackage.json', 400],
    ['//etc/passwd', 400],
    ['/%zz', 400],
    ['/?tz=%E0%A4%A', 400],
    ['/?tz=a%00b', 400],
    // Not a path at all.
    ['http://127.0.0.1/', 400],
    ['*', 400],
    ['', 400],
    [`/${'a'.repeat(3000)}`, 400],
    // Checked values.
    ['/?tz=Nowhere/City', 400],
    ['/digest/2020-09-13?top=0', 400],
    ['/digest/2020-09-13?top=abc', 400],
    ['/digest/2020-09-13?top=201', 400],
    // Unknown paths and impossible days.
    ['/package.json', 404],
    ['/content/2020-09-13-x.md', 404],
    ['/templates/layout.mjml.hbs', 404],
    ['/assets/preview.css.map', 404],
    ['/digest/2020-09-13/', 404],
    ['/digest/2020-02-30', 404],
    ['/digest/2021-02-29.html', 404],
    ['/digest/2020-13-01', 404],
    ['/digest/2020-9-13', 404],
    ['/digest/2020-09-13.mjml', 404],
    ['/digest', 404],
  ])('GET %j is %i', (target, status) => {
    expect(parseRequest('GET', target)).toMatchObject({ ok: false, status });
  });

  it.each(['POST', 'PUT', 'DELETE', 'OPTIONS', 'CONNECT', 'TRACE'])('%s is 405', (method) => {
    expect(parseRequest(method, '/')).toMatchObject({ ok: false, status: 405 });
  });

  it('HEAD is answered like GET', () => {
    expect(parseRequest('HEAD', '/digest/2020-09-13.txt')).toMatchObject({ ok: true });
  });
});

describe('small checks', () => {
  it.each([
    ['2020-09-13', true],
    ['2024-02-29', true],
    ['2023-02-29', false],
    ['2020-04-31', false],
    ['2020-00-10', false],
    ['2020-12-00', false],
    ['20-09-13', false],
    ['2020-09-13T00:00', false],
  ])('isCalendarDate(%s) is %s', (date, ok) => {
    expect(isCalendarDate(date)).toBe(ok);
  });

  it.each([
    ['127.0.0.1:4000', true],
    ['127.0.0.1', true],
    ['localhost:4000', true],
    ['[::1]:4000', true],
    ['127.1.2.3:80', true],
    ['evil.example', false],
    ['evil.example:4000', false],
    ['127.0.0.1.evil.example', false],
    ['localhost.evil.example:4000', false],
    ['', false],
    [undefined, false],
  ])('isLoopbackHost(%j) is %s', (host, ok) => {
    expect(isLoopbackHost(host)).toBe(ok);
  });
});
