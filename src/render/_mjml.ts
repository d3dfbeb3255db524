import type { MJMLParsingOptions } from 'mjml-core';
import { DigestError } from '../errors.js';
import { type CompiledTemplate, renderMarked, type Templates } from './_templates.js';

type Mjml2Html = (input: string, options?: MJMLParsingOptions) => Promise<{ html: string }>;

/**
 * MJML options: strict validation; `mj-include` off (templates never read files); no web fonts
 * (the system font stack names Roboto, which MJML would otherwise fetch from Google Fonts); no
 * comments, which only add bytes.
 */
export const MJML_OPTIONS: MJMLParsingOptions = {
  validationLevel: 'strict',
  ignoreIncludes: true,
  keepComments: false,
  fonts: {},
  minify: false,
  beautify: false,
};

let mjmlModule: Promise<Mjml2Html> | undefined;

// mjml pulls in a large dependency tree; only commands that render pay for loading it.
function loadMjml(): Promise<Mjml2Html> {
  mjmlModule ??= import('mjml').then((m) => ((m as { default?: unknown }).default ?? m) as Mjml2Html);
  return mjmlModule;
}

/** Start loading MJML ahead of the first render (e.g. while a build reads its files). */
export function preloadMjml(): void {
  loadMjml().catch(() => {
    // A failed load is reported by the render that needs it.
  });
}

/** MJML source to HTML, with indentation removed. Throws MJML's own error. */
export async function mjmlToHtml(source: string): Promise<string> {
  const mjml2html = await loadMjml();
  const { html } = await mjml2html(source, MJML_OPTIONS);
  return leanHtml(html);
}

/**
 * MJML's output indents every line; HTML ignores that whitespace, and it is a fifth of the
 * bytes. Left alone when the HTML uses preformatted text, where whitespace shows.
 */
export function leanHtml(html: string): string {
  if (/<pre\b|<textarea\b|white-space:\s*pre/i.test(html)) return html;
  return html.replace(/^[ \t]+/gm, '').replace(/\n{2,}/g, '\n');
}

interface MjmlIssue {
  line?: number;
  tagName?: string;
  message?: string;
}

/**
 * An MJML failure as E_MJML naming the template at fault: the layout is rendered again with
 * comments around each partial's output, and the error's line in that source tells which
 * template produced it. Only runs when MJML has already failed.
 */
export async function mjmlError(error: unknown, templates: Templates, context: object): Promise<DigestError> {
  const issues = issuesOf(error);
  let template: CompiledTemplate = templates.layout;
  let issue = issues[0];
  if (issue?.line !== undefined) {
    const marked = renderMarked(templates, context);
    const markedIssue = issuesOf(
      await mjmlToHtml(marked).then(
        () => undefined,
        (e: unknown) => e,
      ),
    )[0];
    if (markedIssue?.line !== undefined) {
      issue = markedIssue;
      const name = partialAtLine(marked, markedIssue.line);
      template = (name && templates.partials[name]) || templates.layout;
    }
  }
  const detail = issue?.message ?? (error instanceof Error ? error.message : String(error));
  const others = issues
    .filter((i) => i.message && i.message !== detail)
    .map((i) => `${i.tagName ? `${i.tagName}: ` : ''}${i.message}`);
  const more = others.length ? `; also ${others.join('; ')}` : '';
  return new DigestError('E_MJML', `MJML rejected the ${template.name} template: ${detail}${more}`, {
    file: template.file,
    line: issue ? lineInTemplate(template.source, issue) : undefined,
    hint: 'fix the MJML markup in that file; see https://documentation.mjml.io for the valid tags and attributes',
    cause: error,
    quietCause: true,
  });
}

function issuesOf(error: unknown): MjmlIssue[] {
  const list = (error as { errors?: unknown } | undefined)?.errors;
  if (Array.isArray(list)) {
    // A partial rendered once per item repeats its error per item: report each mistake once.
    const seen = new Set<string>();
    return (list as MjmlIssue[]).filter((i) => {
      const key = `${i.tagName} ${i.message}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  }
  return error instanceof Error ? [{ message: error.message }] : [];
}

/** The innermost partial whose output contains `line` of the marked source, if any. */
export function partialAtLine(marked: string, line: number): string | undefined {
  const stack: string[] = [];
  const lines = marked.split('\n');
  const marker = /<!--(\/?)nd:([\w.-]+)-->/g;
  for (let i = 0; i < Math.min(line, lines.length); i++) {
    for (const m of (lines[i] ?? '').matchAll(marker)) {
      if (m[1]) stack.pop();
      else stack.push(m[2] as string);
    }
  }
  return stack.at(-1);
}

// The first line of the template that holds the offending tag (and attribute, when the error names one).
function lineInTemplate(source: string, issue: MjmlIssue): number | undefined {
  if (!issue.tagName) return undefined;
  const attribute = /Attribute (\S+) /.exec(issue.message ?? '')?.[1];
  const lines = source.split('\n');
  const tag = `<${issue.tagName}`;
  // Attributes may sit on their own lines under a multi-line tag.
  const attr = attribute ? new RegExp(`(^|\\s)${attribute.replace(/[^\w-]/g, '')}=`) : undefined;
  const withAttribute = attr ? lines.findIndex((l) => attr.test(l)) : -1;
  const index = withAttribute >= 0 ? withAttribute : lines.findIndex((l) => l.includes(tag));
  return index >= 0 ? index + 1 : undefined;
}
