import { DigestError } from '../errors.js';
import type { RenderedDigest, Selection } from '../types.js';
import { buildContext, type RenderContext, type TemplateContext } from './_context.js';
import { mjmlError, mjmlToHtml } from './_mjml.js';
import { PLACEHOLDERS } from './_placeholders.js';
import type { Templates } from './_templates.js';
import { singleLine, tidyText, truncate } from './_text.js';

/** Longest subject line; longer ones are cut at a word. Most clients show 40-90 characters. */
export const SUBJECT_MAX = 100;
/** Longest preheader; inboxes show roughly the first 90-140 characters. */
export const PREHEADER_MAX = 140;

const NOBODY = { name: '', email: '', unsubscribeUrl: '' };

/**
 * Render a selection into the email. The steps, in order:
 * 1. build the template context (content cleaned to single lines, links made http(s)-only);
 * 2. the intro (config `intro`, when set), the subject (`ctx.subjectTemplate` or subject.hbs, cut
 *    at a word) and the preheader, as single lines;
 * 3. the layout with its partials into MJML, recipient parts as placeholder markers;
 * 4. MJML (strict validation) into HTML;
 * 5. the plain text (text.hbs).
 * Throws E_TEMPLATE (file, line) for a template error and E_MJML naming the template MJML rejected.
 */
export async function renderDigest(
  selection: Selection,
  templates: Templates,
  ctx: RenderContext,
): Promise<RenderedDigest> {
  const lines = buildContext(selection, ctx, NOBODY);
  const intro = ctx.brand?.intro;
  if (intro) lines.intro = singleLine(templates.compileLine(intro, 'config: intro').render(lines));
  const subjectTemplate = ctx.subjectTemplate
    ? templates.compileLine(ctx.subjectTemplate, 'config: subject')
    : templates.subject;
  const subject = truncate(singleLine(subjectTemplate.render(lines)), SUBJECT_MAX, { atWord: true });
  const preheader = truncate(
    singleLine(templates.preheader.render(lines)) || fallbackPreheader(lines),
    PREHEADER_MAX,
  );

  const context: TemplateContext = { ...lines, subject, preheader, recipient: { ...PLACEHOLDERS } };
  const mjml = templates.layout.render(context);
  if (/<mj-include\b/i.test(mjml)) {
    // Content is escaped, so only a template can produce this; loadTemplates rejects it in the files.
    throw new DigestError('E_TEMPLATE', 'mj-include is not allowed: templates cannot read files from disk', {
      file: templates.layout.file,
    });
  }
  let html: string;
  try {
    html = await mjmlToHtml(mjml);
  } catch (error) {
    throw await mjmlError(error, templates, context);
  }
  const text = tidyText(templates.text.render(context));
  return { subject, preheader, html, text, mjml };
}

// A preheader is never empty when there is content: else clients show the first body text instead.
function fallbackPreheader(context: TemplateContext): string {
  const first = context.items[0];
  return first ? first.lead.excerpt || first.lead.title : '';
}
