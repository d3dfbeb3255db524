import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/_schema.js';
import { ROOT } from '../helpers/cli.js';

/** Every key of the config schema, dotted (`send.connections`), from valibot's object entries. */
function keysOf(schema: unknown, prefix = ''): string[] {
  let s = schema as { wrapped?: unknown; entries?: Record<string, unknown> };
  while (s.wrapped) s = s.wrapped as typeof s;
  if (!s.entries) return [];
  return Object.entries(s.entries).flatMap(([key, entry]) => {
    const nested = keysOf(entry, `${prefix}${key}.`);
    return nested.length && key !== 'logo' ? nested : [`${prefix}${key}`];
  });
}

const docs = ['docs/config.md', 'docs/schedule.md']
  .map((f) => readFileSync(join(ROOT, f), 'utf8'))
  .join('\n');

describe('docs/config.md', () => {
  it('the key list is read from the schema', () => {
    expect(keysOf(configSchema)).toEqual(
      expect.arrayContaining(['top', 'send.connections', 'schedule.time', 'brand.logo']),
    );
  });

  it.each(keysOf(configSchema))('documents %s', (key) => {
    // A table row `| \`key\` |`, or a row naming it beside a sibling (`serve.host` / `serve.port`).
    expect(docs).toMatch(new RegExp(`^\\| .*\`${key.replace(/\./g, '\\.')}\``, 'm'));
  });
});
