import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type Handlebars from 'handlebars';
import { DigestError } from '../errors.js';
import { loadDateFormat } from './_date-format.js';
import { templateError } from './_errors.js';
import { registerHelpers } from './_helpers.js';

/** The template files every templates folder holds, relative to it. Partials live in `partials/`. */
export const TEMPLATE_FILES = {
  layout: 'layout.mjml.hbs',
  text: 'text.hbs',
  subject: 'subject.hbs',
  preheader: 'preheader.hbs',
} as const;

/** The folder of MJML partials, each used as `{{> name}}` (file `partials/<name>.mjml.hbs`). */
export const PARTIALS_DIR = 'partials';

/** One compiled template; `render` throws E_TEMPLATE naming `file` and the line. */
export interface CompiledTemplate {
  name: string;
  /** The path it was read from (or `config: subject` for the config override). */
  file: string;
  source: string;
  render(context: object, options?: Handlebars.RuntimeOptions): string;
}

/** A loaded templates folder, compiled on its own Handlebars instance. */
export interface Templates {
  dir: string;
  layout: CompiledTemplate;
  text: CompiledTemplate;
  subject: CompiledTemplate;
  preheader: CompiledTemplate;
  /** By partial name, e.g. `article`. */
  partials: Record<string, CompiledTemplate>;
  /** The isolated Handlebars instance, with the helpers and partials registered. */
  hb: typeof Handlebars;
  /** Compile a one-line template (the `subject` config override) on the same instance, cached. */
  compileLine(source: string, file: string): CompiledTemplate;
}

// Which loaded template set is rendering with partial boundary markers (only to locate an MJML error).
const marking = new WeakSet<Templates>();

/**
 * Read and compile the templates in `dir`: the layout and the partials as HTML-escaping
 * templates, the text, subject and preheader without HTML escaping. Every template is strict: a
 * misspelt variable is an error, not an empty string. Throws E_TEMPLATE naming the file and line
 * for a missing, unparsable or `mj-include`-using template, or a partial that does not exist.
 */
export async function loadTemplates(dir: string): Promise<Templates> {
  // Loaded here, not at import: a build whose email comes from the render cache never needs it.
  const hb = (await import('handlebars')).default.create();
  await loadDateFormat();
  registerHelpers(hb);
  await checkFolder(dir);
  const partialFiles = await listPartials(dir);
  // Read in parallel, but report the first problem in file order, so the same mistake gives the same message.
  const settled = await Promise.allSettled([
    ...Object.values(TEMPLATE_FILES).map((name) => readTemplate(hb, join(dir, name))),
    ...partialFiles.map((f) => readTemplate(hb, join(dir, PARTIALS_DIR, f))),
  ]);
  const sources = settled.map((r) => {
    if (r.status === 'rejected') throw r.reason;
    return r.value;
  });
  const [layout, text, subject, preheader] = sources;
  const partialSources = sources.slice(4);

  const lineCache = new Map<string, CompiledTemplate>();
  const templates: Templates = {
    dir,
    hb,
    layout: compile(hb, 'layout', layout as Source, false),
    text: compile(hb, 'text', text as Source, true),
    subject: compile(hb, 'subject', subject as Source, true),
    preheader: compile(hb, 'preheader', preheader as Source, true),
    partials: {},
    compileLine(source, file) {
      let compiled = lineCache.get(source);
      if (!compiled) {
        compiled = compile(hb, 'subject', { file, source, ast: parse(hb, file, source) }, true);
        lineCache.set(source, compiled);
      }
      return compiled;
    },
  };
  partialFiles.forEach((fileName, i) => {
    const name = fileName.replace(/(\.mjml)?\.hbs$/, '');
    const partial = compile(hb, name, partialSources[i] as Source, false);
    templates.partials[name] = partial;
    hb.registerPartial(name, (context: object, options?: Handlebars.RuntimeOptions) => {
      const out = partial.render(context, options);
      return marking.has(templates) ? `<!--nd:${name}-->${out}<!--/nd:${name}-->` : out;
    });
  });
  const mjmlSources = [layout as Source, ...(partialSources as Source[])];
  for (const t of mjmlSources) checkPartialsExist(t, templates.partials, dir);
  return templates;
}

/** The layout rendered with `<!--nd:name-->` comments around each partial's output. */
export function renderMarked(templates: Templates, context: object): string {
  marking.add(templates);
  try {
    return templates.layout.render(context);
  } finally {
    marking.delete(templates);
  }
}

interface Source {
  file: string;
  source: string;
  ast: hbs.AST.Program;
}

async function readTemplate(hb: typeof Handlebars, file: string): Promise<Source> {
  let source: string;
  try {
    source = await readFile(file, 'utf8');
  } catch (error) {
    throw new DigestError('E_TEMPLATE', 'Cannot read the template file', {
      file,
      hint: 'every templates folder needs layout.mjml.hbs, text.hbs, subject.hbs, preheader.hbs; copy the missing one from the default templates/ folder',
      cause: error,
    });
  }
  const include = /<mj-include\b/i.exec(source);
  if (include) {
    throw new DigestError('E_TEMPLATE', 'mj-include is not allowed: templates cannot read files from disk', {
      file,
      line: lineAt(source, include.index),
      hint: 'put the markup in a partial (partials/<name>.mjml.hbs) and use {{> name}}',
    });
  }
  return { file, source, ast: parse(hb, file, source) };
}

function parse(hb: typeof Handlebars, file: string, source: string): hbs.AST.Program {
  try {
    return hb.parse(source);
  } catch (error) {
    throw templateError(error, file, source, 'parse');
  }
}

async function checkFolder(dir: string): Promise<void> {
  try {
    if ((await stat(dir)).isDirectory()) return;
  } catch {
    // reported below
  }
  throw new DigestError('E_TEMPLATE', 'The templates folder does not exist', {
    file: dir,
    field: 'templates',
    hint: 'set `templates` in digest.config.json or pass --templates DIR; copy the default templates/ folder to start',
  });
}

async function listPartials(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(join(dir, PARTIALS_DIR), { withFileTypes: true });
    return entries
      .filter((e) => e.isFile() && e.name.endsWith('.hbs'))
      .map((e) => e.name)
      .sort();
  } catch {
    // No partials folder: fine unless a template uses a partial, which checkPartialsExist reports.
    return [];
  }
}

function compile(hb: typeof Handlebars, name: string, src: Source, plainText: boolean): CompiledTemplate {
  const fn = hb.compile(src.source, { strict: true, noEscape: plainText });
  return {
    name,
    file: src.file,
    source: src.source,
    render(context: object, options?: Handlebars.RuntimeOptions) {
      try {
        return fn(context, options);
      } catch (error) {
        throw templateError(error, src.file, src.source, 'render', context);
      }
    },
  };
}

// A `{{> name}}` whose file is missing otherwise fails only at render time, with no file to fix.
function checkPartialsExist(src: Source, partials: Record<string, CompiledTemplate>, dir: string): void {
  const seen = new Set<object>();
  const visit = (node: unknown, depth: number): void => {
    if (typeof node !== 'object' || node === null || seen.has(node) || depth > 200) return;
    seen.add(node);
    const n = node as {
      type?: string;
      name?: { type?: string; original?: unknown };
      loc?: hbs.AST.SourceLocation;
    };
    if (
      (n.type === 'PartialStatement' || n.type === 'PartialBlockStatement') &&
      n.name?.type === 'PathExpression'
    ) {
      const name = String(n.name.original);
      if (!(name in partials)) {
        throw new DigestError('E_TEMPLATE', `The template uses the partial "${name}", which does not exist`, {
          file: src.file,
          line: n.loc?.start.line,
          hint: `create ${join(dir, PARTIALS_DIR, `${name}.mjml.hbs`)} or remove {{> ${name}}}`,
        });
      }
    }
    for (const value of Object.values(node)) visit(value, depth + 1);
  };
  visit(src.ast, 0);
}

function lineAt(source: string, index: number): number {
  return source.slice(0, index).split('\n').length;
}
