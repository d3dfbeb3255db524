import { readFileSync, statSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import { causeChain, displayPath, locatedError } from '../errors.js';
import { html, type SafeHtml } from './_html.js';

/** A build error as the error panel shows it. */
export interface ErrorView {
  title: string;
  /** `templates/digest.mjml.hbs`, relative to the working folder when inside it. */
  file?: string;
  line?: number;
  /** The cause chain, outermost first. */
  messages: string[];
  hint?: string;
  /** A few lines of the file around `line`, when it can be read. */
  excerpt?: { first: number; lines: string[] };
}

const TITLES: Record<string, string> = {
  E_TEMPLATE: 'Template error',
  E_MJML: 'MJML error',
  E_CONTENT: 'Content error',
  E_BUDGET: 'Size budget error',
  E_CONFIG: 'Configuration error',
  E_IO: 'File error',
};

/** Turn any thrown value into an ErrorView; reads a few lines of the named file for context. */
export function describeError(error: unknown, cwd: string): ErrorView {
  const located = locatedError(error);
  const title = located ? (TITLES[located.code] ?? 'Build failed') : 'Build failed';
  // The same lines as the CLI prints; the panel names the file and line above the list, so they
  // are not repeated on the line that has them.
  const prefix = located?.file
    ? `${displayPath(located.file, cwd)}: ${located.line ? `line ${located.line}: ` : ''}`
    : undefined;
  const messages = causeChain(error, { cwd })
    .filter((line) => !line.startsWith('   hint:'))
    .map((line) => (prefix && line.startsWith(prefix) ? line.slice(prefix.length) : line));
  const view: ErrorView = { title, messages, hint: located?.hint };
  if (located?.file) {
    const absolute = resolve(cwd, located.file);
    const rel = relative(cwd, absolute);
    view.file = rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : absolute;
    view.line = located.line;
    if (located.line) view.excerpt = excerpt(absolute, located.line);
  }
  return view;
}

function excerpt(path: string, line: number): ErrorView['excerpt'] {
  try {
    // A template is small; anything large is not worth reading for five lines of context.
    if (statSync(path).size > 1_000_000) return undefined;
    const all = readFileSync(path, 'utf8').split(/\r?\n/);
    if (line < 1 || line > all.length) return undefined;
    const first = Math.max(1, line - 2);
    return { first, lines: all.slice(first - 1, Math.min(all.length, line + 2)) };
  } catch {
    return undefined;
  }
}

/** The red panel naming the file and line; the next good save replaces it. */
export function errorPanel(view: ErrorView): SafeHtml {
  const where = view.file ? `${view.file}${view.line ? `, line ${view.line}` : ''}` : undefined;
  return html`<section class="error-panel" id="error-panel" role="alert">
  <h2><span class="error-icon" aria-hidden="true">!</span>${view.title}</h2>
  ${where ? html`<p class="error-where"><code data-file="${view.file ?? ''}" data-line="${view.line ?? ''}">${where}</code></p>` : ''}
  <ol class="error-chain">${view.messages.map((m) => html`<li>${m}</li>`)}</ol>
  ${view.excerpt ? excerptBlock(view.excerpt, view.line ?? 0) : ''}
  ${view.hint ? html`<p class="error-hint"><b>Hint:</b> ${view.hint}</p>` : ''}
  <p class="error-foot">The server keeps running: save a fix and this page updates by itself.</p>
</section>`;
}

function excerptBlock(ex: NonNullable<ErrorView['excerpt']>, line: number): SafeHtml {
  return html`<pre class="error-excerpt">${ex.lines.map((text, i) => {
    const n = ex.first + i;
    return html`<span class="${n === line ? 'hl' : ''}"><span class="ln">${n}</span>${text}
</span>`;
  })}</pre>`;
}
