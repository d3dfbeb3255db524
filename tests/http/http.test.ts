import { describe, expect, it } from 'vitest';
import { checkTarget, isLoopbackBind, MAX_TARGET, rawBadRequest, urlHost } from '../../src/http/index.js';

describe('checkTarget: what both servers refuse before routing', () => {
  it.each([
    ['/', '/', {}],
    ['/archive/2020-09-13?x=1&y=', '/archive/2020-09-13', { x: '1', y: '' }],
    ['/a?tz=America%2FNew_York', '/a', { tz: 'America/New_York' }],
    ['/a?q=a+b', '/a', { q: 'a b' }],
  ])('%j is path %j with query %j', (target, path, query) => {
    const checked = checkTarget(target);
    expect(checked.ok && checked.path).toBe(path);
    expect(checked.ok && Object.fromEntries(checked.params)).toEqual(query);
  });

  it.each([
    [undefined, 'the request target must be a path'],
    ['', 'the request target must be a path'],
    ['*', 'the request target must be a path'],
    ['/%zz', 'malformed percent-encoding in the path'],
    ['/a\u0001b', 'control characters in the path'],
    ['/%00', 'control characters in the path'],
    ['/a\\b', 'backslash in the path'],
    ['/%5c', 'backslash in the path'],
    ['/a/../b', 'dot segments in the path'],
    ['/%2e%2e/b', 'dot segments in the path'],
    ['//b', 'empty segment in the path'],
    ['/a%2fb', 'encoded characters are not allowed in paths'],
    ['/?a=%E0%A4%A', 'malformed percent-encoding in the query'],
    ['/?a=x%00y', 'control characters in the query'],
  ])('%j is refused: %s', (target, reason) => {
    expect(checkTarget(target)).toEqual({ ok: false, reason, tooLong: false });
  });

  it('marks an over-long target so each server can pick its status', () => {
    expect(checkTarget(`/${'a'.repeat(MAX_TARGET - 1)}`).ok).toBe(true);
    expect(checkTarget(`/${'a'.repeat(MAX_TARGET)}`)).toMatchObject({ ok: false, tooLong: true });
  });
});

describe('server helpers', () => {
  it.each([
    ['127.0.0.1', '127.0.0.1'],
    ['0.0.0.0', '127.0.0.1'],
    ['::', '[::1]'],
    ['::1', '[::1]'],
    ['localhost', 'localhost'],
  ])('urlHost(%j) is %j', (host, shown) => {
    expect(urlHost(host)).toBe(shown);
  });

  it('rawBadRequest is a complete HTTP/1.1 answer with the given headers and a 12-byte body', () => {
    const raw = rawBadRequest({ 'X-Content-Type-Options': 'nosniff', 'X-Frame-Options': 'DENY' });
    const [head, body] = raw.split('\r\n\r\n');
    expect(head?.split('\r\n')).toEqual([
      'HTTP/1.1 400 Bad Request',
      'Content-Type: text/plain; charset=utf-8',
      'X-Content-Type-Options: nosniff',
      'X-Frame-Options: DENY',
      'Content-Length: 12',
      'Connection: close',
    ]);
    expect(Buffer.byteLength(body ?? '')).toBe(12);
  });
});

describe('isLoopbackBind', () => {
  it.each([
    ['127.0.0.1', true],
    ['127.1.2.3', true],
    ['localhost', true],
    ['::1', true],
    ['0.0.0.0', false],
    ['::', false],
    ['192.168.1.10', false],
  ])('%j is %s', (host, loopback) => {
    expect(isLoopbackBind(host)).toBe(loopback);
  });
});
