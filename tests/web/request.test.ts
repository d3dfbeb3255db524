import { afterEach, describe, expect, it } from 'vitest';
import { parseRequest, RateLimiter } from '../../src/web/index.js';
import { rawRequest, runCleanups, serve, statusLine, workspace } from './helpers.js';

afterEach(runCleanups);

describe('parseRequest', () => {
  it.each([
    ['GET', '/', { kind: 'home' }],
    ['GET', '/archive', { kind: 'archive' }],
    ['HEAD', '/archive', { kind: 'archive' }],
    ['GET', '/archive/2026-11-24', { kind: 'archive-day', date: '2026-11-24' }],
    ['GET', '/archive/2024-02-29', { kind: 'archive-day', date: '2024-02-29' }],
    ['GET', '/unsubscribe', { kind: 'unsubscribe' }],
    ['GET', '/unsubscribe?token=abc.def', { kind: 'unsubscribe', token: 'abc.def' }],
    ['POST', '/unsubscribe?token=abc.def', { kind: 'unsubscribe', token: 'abc.def' }],
    ['POST', '/unsubscribe?token=a&token=b', { kind: 'unsubscribe', token: '' }],
    ['POST', '/resubscribe?token=x', { kind: 'resubscribe', token: 'x' }],
    ['GET', '/healthz', { kind: 'healthz' }],
    ['GET', '/healthz?probe=1', { kind: 'healthz' }],
    ['GET', '/assets/site.css', { kind: 'stylesheet' }],
  ])('%s %s is %o', (method, target, route) => {
    expect(parseRequest(method, target)).toEqual({ ok: true, route, method });
  });

  it.each([
    ['/archive/../etc/passwd', 400],
    ['/archive/%2e%2e/etc/passwd', 400],
    ['/archive/%2E%2E%2Fetc%2Fpasswd', 400],
    ['/%2e%2e/%2e%2e/etc/passwd', 400],
    ['/archive/..%2f..%2fetc%2fpasswd', 400],
    ['/archive/%252e%252e/x', 400],
    ['/archive%2f2026-11-24', 400],
    ['/arch%69ve', 400],
    ['/archive/./2026-11-24', 400],
    ['/archive//2026-11-24', 400],
    ['//archive', 400],
    ['/archive/2026-11-24%00.html', 400],
    ['/unsubscribe%00', 400],
    ['/archive\\..\\x', 400],
    ['/archive/%5c..%5cx', 400],
    ['/archive/%', 400],
    ['/archive/%e0%a4%a', 400],
    ['/unsubscribe?token=%zz', 400],
    ['/unsubscribe?token=a%00b', 400],
    ['/unsubscribe?token=a%0d%0aSet-Cookie:x', 400],
    ['archive', 400],
    ['http://evil.example/archive', 400],
    ['*', 400],
    [`/archive?${'x'.repeat(3000)}`, 414],
    ['/archive/2026-02-30', 404],
    ['/archive/2026-13-01', 404],
    ['/archive/26-11-24', 404],
    ['/archive/2026-11-24.html', 404],
    ['/archive/', 404],
    ['/etc/passwd', 404],
    ['/assets/../../package.json', 400],
    ['/assets/package.json', 404],
    ['/src/web/_server.ts', 404],
    ['/.env', 404],
    ['/data/digest.db', 404],
  ])('GET %s is refused with %i', (target, status) => {
    const parsed = parseRequest('GET', target);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.status).toBe(status);
  });

  it.each([
    ['POST', '/archive', 'GET, HEAD'],
    ['DELETE', '/unsubscribe', 'GET, HEAD, POST'],
    ['PUT', '/healthz', 'GET, HEAD'],
    ['OPTIONS', '/', 'GET, HEAD'],
  ])('%s %s is 405 with Allow: %s', (method, target, allow) => {
    expect(parseRequest(method, target)).toMatchObject({ ok: false, status: 405, allow });
  });
});

describe('RateLimiter', () => {
  it('allows a burst, refuses with a wait, and refills over time', () => {
    const limiter = new RateLimiter({ burst: 2, perMinute: 60 });
    expect(limiter.take('a', 0)).toEqual({ ok: true });
    expect(limiter.take('a', 0)).toEqual({ ok: true });
    expect(limiter.take('a', 0)).toEqual({ ok: false, retryAfterSeconds: 1 });
    expect(limiter.take('b', 0)).toEqual({ ok: true });
    expect(limiter.take('a', 999)).toMatchObject({ ok: false });
    expect(limiter.take('a', 2000)).toEqual({ ok: true });
  });

  it('remembers at most maxClients addresses, forgetting the least recently seen', () => {
    const limiter = new RateLimiter({ burst: 1, perMinute: 1, maxClients: 3 });
    for (const client of ['a', 'b', 'c', 'd']) limiter.take(client, 0);
    expect(limiter.size).toBe(3);
    // 'a' was forgotten: it starts with a full bucket; 'd' was not.
    expect(limiter.take('a', 0)).toEqual({ ok: true });
    expect(limiter.take('d', 0)).toMatchObject({ ok: false });
  });
});

describe('raw requests (bytes written on the socket)', () => {
  const targets = [
    '/archive/../../../../etc/passwd',
    '/archive/..%2F..%2F..%2Fetc%2Fpasswd',
    '/%2e%2e/%2e%2e/%2e%2e/etc/passwd',
    '/archive/%2e%2e%2f%2e%2e%2fpackage.json',
    '/..%5c..%5cpackage.json',
    '/archive/2026-11-24%00',
    '/assets/..%2f..%2fpackage.json',
    '/assets/site.css/../../../package.json',
    '/unsubscribe/..%2f..%2fdata%2fdigest.db',
    '/./archive',
  ];

  it.each(targets)('GET %s gets 400 or 404 and no file contents', async (target) => {
    const { db } = await workspace(['ada@example.com']);
    const { server } = await serve(db);
    const answer = await rawRequest(
      server.port,
      `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`,
    );
    expect([400, 404]).toContain(statusLine(answer));
    expect(answer).not.toContain('"name": "news-digest"');
    expect(answer).not.toContain('root:');
    expect(answer).not.toContain('SQLite format');
  });

  it.each([
    [
      'a NUL byte in the target',
      Buffer.from('GET /archive/\u0000 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', 'latin1'),
    ],
    ['a space in the target', 'GET /archive/a b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'],
    [
      'an absolute-form target',
      'GET http://127.0.0.1/../../etc/passwd HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    ],
    ['no request line', '\r\n\r\n\r\nnonsense\r\n\r\n'],
  ])('%s gets a plain 400', async (_label, bytes) => {
    const { db } = await workspace(['ada@example.com']);
    const { server } = await serve(db);
    const answer = await rawRequest(server.port, bytes);
    expect(statusLine(answer)).toBe(400);
    expect(answer).toMatch(/X-Content-Type-Options: nosniff/i);
  });

  it('refuses a declared Content-Length over the limit before reading the body', async () => {
    const { db } = await workspace(['ada@example.com']);
    const { server } = await serve(db);
    const answer = await rawRequest(
      server.port,
      'POST /unsubscribe?token=x HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n' +
        'Content-Length: 10000000\r\n\r\nList-Unsubscribe=One-Click',
    );
    expect(statusLine(answer)).toBe(413);
    expect(answer).toMatch(/\r\nConnection: close\r\n/i);
  });
});
