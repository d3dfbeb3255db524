import { describe, expect, it } from 'vitest';
import { normalizeEmail, normalizeName, parseTopics } from '../../src/store/index.js';

describe('normalizeEmail', () => {
  it.each([
    ['ann@example.com', 'ann@example.com'],
    ['  Ann.Lee@Example.COM ', 'Ann.Lee@example.com'],
    ['o+tag@sub.example.org', 'o+tag@sub.example.org'],
    ["o'brien@example.ie", "o'brien@example.ie"],
    ['user@bücher.de', 'user@xn--bcher-kva.de'],
  ])('%j is stored as %j', (raw, email) => {
    expect(normalizeEmail(raw)).toEqual({ ok: true, email });
  });

  it.each([
    ['', 'empty'],
    ['plainaddress', 'name@domain'],
    ['@example.com', 'name@domain'],
    ['ann@', 'name@domain'],
    ['ann@localhost', 'domain'],
    ['ann@example.c0m', 'top-level'],
    ['ann@-bad.com', 'domain'],
    ['a b@example.com', 'space'],
    ['ann..lee@example.com', 'before @'],
    ['"quoted"@example.com', 'before @'],
    ['ann@example.com\r\nBcc: x@evil.com', 'control'],
    ['ann@exa\u0000mple.com', 'control'],
    ['ann\u2028@example.com', 'control'],
    [`${'a'.repeat(65)}@example.com`, '64'],
  ])('%j is refused (%s)', (raw, reason) => {
    const result = normalizeEmail(raw);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toContain(reason);
  });
});

describe('normalizeName', () => {
  it.each([
    ['  Ann   Lee ', { ok: true, value: 'Ann Lee' }],
    ['Zoë Ñúñez', { ok: true, value: 'Zoë Ñúñez' }],
    ['', { ok: true, value: '' }],
  ])('%j -> %j', (raw, expected) => {
    expect(normalizeName(raw)).toEqual(expected);
  });

  it.each(['Ann\r\nBcc: x@evil.com', 'Ann\nLee', 'Ann\u0007', 'x'.repeat(201)])('%j is refused', (raw) => {
    expect(normalizeName(raw).ok).toBe(false);
  });
});

describe('parseTopics', () => {
  it.each([
    ['', []],
    ['ai; politics ;ai;;', ['ai', 'politics']],
  ])('%j -> %j', (raw, topics) => {
    expect(parseTopics(raw)).toEqual({ ok: true, topics });
  });

  it('refuses control characters', () => {
    expect(parseTopics('ai\npolitics').ok).toBe(false);
  });
});
