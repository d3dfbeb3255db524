import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, parseConfig } from '../../src/config/index.js';
import { DigestError } from '../../src/errors.js';

function errorOf(input: Record<string, unknown>): DigestError {
  try {
    parseConfig(input, 'digest.config.json');
  } catch (error) {
    if (error instanceof DigestError) return error;
    throw error;
  }
  throw new Error('no error');
}

describe('config', () => {
  it('fills every default, nested sections included', () => {
    const config = parseConfig({});
    expect(config).toMatchObject({
      content: 'content',
      timeZone: 'UTC',
      top: 10,
      sizeBudget: 102_400,
      publicUrl: 'http://127.0.0.1:8080',
      send: { connections: 5, rateLimit: 0, maxAttempts: 3 },
      serve: { host: '127.0.0.1', port: 8080 },
      schedule: { time: '07:00', window: 'previous-day', catchUpUntil: '12:00', minItems: 1 },
    });
    expect(config.schedule.timeZone).toBeUndefined();
    // Defaults are fresh values, not one shared array.
    expect(parseConfig({}).includeTopics).not.toBe(config.includeTopics);
  });

  it('keeps given values and fills the rest of a section', () => {
    const config = parseConfig({ top: 4, send: { connections: 2 }, schedule: { timeZone: 'Europe/Berlin' } });
    expect(config.top).toBe(4);
    expect(config.send).toMatchObject({ connections: 2, maxAttempts: 3 });
    expect(config.schedule).toMatchObject({ timeZone: 'Europe/Berlin', time: '07:00' });
  });

  it.each([
    [{ top: 'many' }, 'top', /number/],
    [{ topp: 1 }, 'topp', /unknown key/],
    [{ send: { conections: 3 } }, 'send.conections', /unknown key/],
    [{ send: { connections: 0 } }, 'send.connections', />=1/],
    [{ top: 2.5 }, 'top', /integer/],
    [{ storySimilarity: 2 }, 'storySimilarity', /<=1/],
    [{ timeZone: 'Mars/Base' }, 'timeZone', /IANA time zone/],
    [{ schedule: { time: '24:00' } }, 'schedule.time', /HH:MM/],
    [{ schedule: { catchUpUntil: '7.30' } }, 'schedule.catchUpUntil', /HH:MM/],
    [{ schedule: { window: 'weekly' } }, 'schedule.window', /previous-day/],
    [{ publicUrl: 'not a url' }, 'publicUrl', /URL/],
    [{ send: { rateLimit: Number.POSITIVE_INFINITY } }, 'send.rateLimit', /finite/i],
    [{ includeTopics: [1] }, 'includeTopics.0', /string/],
  ])('%j is refused, naming %s', (input, field, message) => {
    const error = errorOf(input);
    expect(error.code).toBe('E_CONFIG');
    expect(error.field).toBe(field);
    expect(error.file).toBe('digest.config.json');
    expect(error.message).toMatch(message);
  });

  it.each([
    ['7:00', '07:00'],
    ['07:00', '07:00'],
    [' 9:05 ', '09:05'],
    ['23:59', '23:59'],
  ])('the time %j is read as %s', (time, expected) => {
    expect(parseConfig({ schedule: { time, catchUpUntil: time } }).schedule).toMatchObject({
      time: expected,
      catchUpUntil: expected,
    });
  });

  it('names every bad key at once', () => {
    const error = errorOf({ top: 0, perProvider: 0 });
    expect(error.field).toBe('top');
    expect(error.message).toMatch(/^Invalid value: .*; also perProvider: Invalid value/);
  });

  it('reads a YAML config file, and names a YAML syntax error', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'digest-config-'));
    writeFileSync(join(cwd, 'digest.config.yaml'), 'top: 4\nsend:\n  connections: 2\n');
    expect(loadConfig(cwd, {}).config).toMatchObject({ top: 4, send: { connections: 2, maxAttempts: 3 } });
    writeFileSync(join(cwd, 'digest.config.yaml'), 'top: [4\n');
    expect(() => loadConfig(cwd, {})).toThrow(
      expect.objectContaining({ code: 'E_CONFIG', line: 2, message: 'deficient indentation (column 1)' }),
    );
  });

  it('layers file < environment < flags', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'digest-config-'));
    writeFileSync(
      join(cwd, 'digest.config.json'),
      JSON.stringify({ top: 3, timeZone: 'Asia/Tokyo', title: 'File' }),
    );
    const { config, file } = loadConfig(
      cwd,
      { DIGEST_TZ: 'Europe/Paris' },
      { title: 'Flag', top: undefined },
    );
    expect(file).toBe(join(cwd, 'digest.config.json'));
    expect(config).toMatchObject({ top: 3, timeZone: 'Europe/Paris', title: 'Flag' });
  });
});
