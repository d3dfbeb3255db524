import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DigestError } from '../../src/errors.js';
import { loadTemplates, renderDigest } from '../../src/render/index.js';
import { CTX, digest, templatesCopy } from './_factory.js';

const dirs: string[] = [];
function copy(): string {
  const dir = templatesCopy();
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Replace `from` by `to` in one template file of `dir` (the text must be there). */
function edit(dir: string, file: string, from: string | RegExp, to: string): void {
  const path = join(dir, file);
  const before = readFileSync(path, 'utf8');
  const after = before.replace(from, to);
  expect(after, `${file} should contain ${from}`).not.toBe(before);
  writeFileSync(path, after);
}

async function failure(run: () => Promise<unknown>): Promise<DigestError> {
  try {
    await run();
  } catch (error) {
    expect(error).toBeInstanceOf(DigestError);
    return error as DigestError;
  }
  throw new Error('expected a DigestError');
}

describe('loadTemplates', () => {
  it('loads the default templates with their partials', async () => {
    const t = await loadTemplates(copy());
    expect(Object.keys(t.partials).sort()).toEqual([
      'coverage',
      'footer',
      'header',
      'lead',
      'meta',
      'related',
      'section',
      'story',
    ]);
  });

  it('a missing templates folder is one clear error', async () => {
    const dir = join(copy(), 'nope');
    const e = await failure(() => loadTemplates(dir));
    expect(e).toMatchObject({ code: 'E_TEMPLATE', file: dir, field: 'templates' });
  });

  it('several broken files: the first in file order is reported, every time', async () => {
    const dir = copy();
    rmSync(join(dir, 'preheader.hbs'));
    rmSync(join(dir, 'layout.mjml.hbs'));
    for (let i = 0; i < 3; i++) {
      expect((await failure(() => loadTemplates(dir))).file).toBe(join(dir, 'layout.mjml.hbs'));
    }
  });

  it('names a missing template file', async () => {
    const dir = copy();
    rmSync(join(dir, 'text.hbs'));
    const e = await failure(() => loadTemplates(dir));
    expect(e.code).toBe('E_TEMPLATE');
    expect(e.file).toBe(join(dir, 'text.hbs'));
  });

  it('reports an unclosed {{#each}} with the file and the line it opens on', async () => {
    const dir = copy();
    const file = join(dir, 'partials', 'related.mjml.hbs');
    const lines = readFileSync(file, 'utf8').split('\n');
    const eachLine = lines.findIndex((l) => l.includes('{{#each related}}')) + 1;
    writeFileSync(file, lines.filter((l) => !l.includes('{{/each}}')).join('\n'));
    const e = await failure(() => loadTemplates(dir));
    expect(e.code).toBe('E_TEMPLATE');
    expect(e.file).toBe(file);
    expect(e.line).toBe(eachLine);
    expect(e.message).toContain('{{#each}} is never closed');
  });

  it('reports a syntax error with its line', async () => {
    const dir = copy();
    writeFileSync(join(dir, 'subject.hbs'), 'Line one\nLine two {{title\n');
    const e = await failure(() => loadTemplates(dir));
    expect(e).toMatchObject({ code: 'E_TEMPLATE', file: join(dir, 'subject.hbs'), line: 2 });
    expect(e.message).toMatch(/unexpected end of file near ".*\{\{title"/);
  });

  it('reports mismatched block ends with their line', async () => {
    const dir = copy();
    writeFileSync(join(dir, 'preheader.hbs'), 'a\n\n{{#if items}}\n{{/each}}\n');
    const e = await failure(() => loadTemplates(dir));
    expect(e).toMatchObject({ code: 'E_TEMPLATE', file: join(dir, 'preheader.hbs'), line: 3 });
  });

  it('rejects <mj-include> in any template', async () => {
    const dir = copy();
    edit(dir, 'partials/footer.mjml.hbs', '<mj-column>', '<mj-column>\n<mj-include path="/etc/passwd" />');
    const e = await failure(() => loadTemplates(dir));
    expect(e.code).toBe('E_TEMPLATE');
    expect(e.file).toBe(join(dir, 'partials', 'footer.mjml.hbs'));
    expect(e.message).toMatch(/mj-include is not allowed/);
    expect(e.line).toBeGreaterThan(1);
  });

  it('names a partial that does not exist, and where it is used', async () => {
    const dir = copy();
    rmSync(join(dir, 'partials', 'related.mjml.hbs'));
    const e = await failure(() => loadTemplates(dir));
    expect(e.code).toBe('E_TEMPLATE');
    // The first file (layout, then partials by name) that uses it.
    expect(e.file).toBe(join(dir, 'partials', 'lead.mjml.hbs'));
    expect(e.message).toContain('"related"');
    expect(e.hint).toContain(join('partials', 'related.mjml.hbs'));
  });
});

describe('render-time template errors', () => {
  it('a misspelt variable in a partial names that partial and line (templates are strict)', async () => {
    const dir = copy();
    edit(dir, 'partials/story.mjml.hbs', '{{lead.title}}</a>', '{{lead.titel}}</a>');
    const t = await loadTemplates(dir);
    const e = await failure(() => renderDigest(digest(2), t, CTX));
    expect(e.code).toBe('E_TEMPLATE');
    expect(e.file).toBe(join(dir, 'partials', 'story.mjml.hbs'));
    const expectedLine =
      readFileSync(join(dir, 'partials', 'story.mjml.hbs'), 'utf8')
        .split('\n')
        .findIndex((l) => l.includes('lead.titel')) + 1;
    expect(e.line).toBe(expectedLine);
    expect(e.message).toBe('Cannot render the template: "titel" not defined (did you mean "title"?)');
  });

  it('an unknown helper is an E_TEMPLATE error in the text template', async () => {
    const dir = copy();
    edit(dir, 'text.hbs', '{{title}} — {{dateLabel}}', '{{shout title}}');
    const t = await loadTemplates(dir);
    const e = await failure(() => renderDigest(digest(1), t, CTX));
    expect(e).toMatchObject({ code: 'E_TEMPLATE', file: join(dir, 'text.hbs') });
  });

  it('a broken subject override from config is reported as the config subject', async () => {
    const t = await loadTemplates(copy());
    const e = await failure(() => renderDigest(digest(1), t, { ...CTX, subjectTemplate: '{{#if title}}x' }));
    expect(e).toMatchObject({ code: 'E_TEMPLATE', file: 'config: subject' });
  });
});

describe('MJML errors name the template', () => {
  it.each([
    ['partials/story.mjml.hbs', '<mj-text>', '<mj-text colr="red">', 'story', /Attribute colr is illegal/],
    ['partials/footer.mjml.hbs', '<mj-column>', '<mj-column>\n<mj-foo>x</mj-foo>', 'footer', /mj-foo/],
    ['partials/lead.mjml.hbs', '<mj-column>', '<mj-column bogus="1">', 'lead', /bogus/],
    ['layout.mjml.hbs', '<mj-body width="600px"', '<mj-body width="600px" href="x"', 'layout', /href/],
  ])('%s', async (file, from, to, name, detail) => {
    const dir = copy();
    edit(dir, file, from, to);
    const t = await loadTemplates(dir);
    const e = await failure(() => renderDigest(digest(2), t, CTX));
    expect(e.code).toBe('E_MJML');
    expect(e.file).toBe(join(dir, file));
    expect(e.message).toContain(`the ${name} template`);
    expect(e.message).toMatch(detail);
    // The partial renders once per item; the one mistake is reported once.
    expect(e.message).not.toContain('more)');
    const lines = readFileSync(join(dir, file), 'utf8').split('\n');
    expect(lines[(e.line ?? 0) - 1]).toContain(to.split('\n').at(-1)?.slice(0, 8));
  });
});
