import type { ContentProblem } from '../types.js';
import type { DayOutcome } from './_builds.js';
import { hasDarkStyles } from './_dark.js';
import { type ErrorView, errorPanel } from './_error-view.js';
import { kb, longDay, plural, shortDay } from './_format.js';
import { html, type SafeHtml } from './_html.js';
import { pageShell } from './_layout.js';
import { whyTable } from './_why.js';

/** Everything the digest page of one day shows. */
export interface DigestPageData {
  date: string;
  timeZone: string;
  brand: string;
  version: number;
  /** `?tz=...&top=...` as requested, carried into every link of the page. */
  search: string;
  prev?: string;
  next?: string;
  outcome: DayOutcome;
  /** Set when the build failed. */
  error?: ErrorView;
  /** The message headers `send` would write for a sample reader. */
  headers?: [string, string][];
  /** Why `send` would refuse this digest (e.g. no unsubscribe link), when it would. */
  sendError?: ErrorView;
  /** The editions of this day the page links to, the one shown marked (docs/editions.md). */
  editions?: EditionLink[];
}

/** A link to one edition of the day. */
export interface EditionLink {
  label: string;
  href: string;
  current: boolean;
}

/** The editions of the day as a row of links, the one shown marked with aria-current. */
export function editionNav(editions: EditionLink[] | undefined): SafeHtml | string {
  if (!editions?.length) return '';
  return html`<nav class="day-nav editions" aria-label="Editions">${editions.map((e) =>
    e.current
      ? html`<span class="btn" aria-current="page">${e.label}</span>`
      : html`<a class="btn" data-edition href="${e.href}">${e.label}</a>`,
  )}</nav>`;
}

/** The digest page: summary, the email in a sandboxed frame, the text part, and the why table. */
export function digestPage(data: DigestPageData): string {
  const build = data.outcome.ok ? data.outcome.build : undefined;
  const subject = build?.result.rendered?.subject;
  return pageShell({
    title: `${shortDay(data.date)}${subject ? ` · ${subject}` : ''} · preview`,
    page: 'digest',
    version: data.version,
    brand: data.brand,
    body: html`<div class="crumbs"><a href="/${data.search}">← All days</a></div>
<div class="day-head">
  <div>
    <h1>${longDay(data.date)}</h1>
    <p class="muted">Local day in <span class="pill">${data.timeZone}</span></p>
  </div>
  ${dayNav(data)}
</div>
${editionNav(data.editions)}
${data.error ? errorPanel(data.error) : ''}
${build ? built(data, build) : ''}`,
  });
}

function dayNav(data: DigestPageData): SafeHtml {
  const link = (date: string | undefined, rel: 'prev' | 'next') => {
    const label = rel === 'prev' ? '← ' : '';
    const tail = rel === 'next' ? ' →' : '';
    if (!date)
      return html`<span class="btn disabled" aria-disabled="true">${rel === 'prev' ? '← Older' : 'Newer →'}</span>`;
    return html`<a class="btn" rel="${rel}" data-nav="${rel}" href="/digest/${date}${data.search}">${label}${shortDay(date)}${tail}</a>`;
  };
  return html`<nav class="day-nav" aria-label="Other days">${link(data.prev, 'prev')}${link(data.next, 'next')}</nav>`;
}

function built(data: DigestPageData, build: NonNullable<DigestPageDataBuild>): SafeHtml {
  const { result, web } = build;
  const problems = problemList(result.problems);
  if (!result.rendered || !web) {
    return html`${problems}<section class="card empty-day">
  <h2>No digest for this day</h2>
  <p>No article in the content folder was published on ${longDay(data.date)} (${data.timeZone}), so nothing would be sent.</p>
</section>
${whyTable(result.report)}`;
  }
  return html`${summary(data, build)}
${problems}
${viewer(data, build)}
${whyTable(result.report)}`;
}

type DigestPageDataBuild = Extract<DayOutcome, { ok: true }>['build'];

function summary(data: DigestPageData, build: DigestPageDataBuild): SafeHtml {
  const { report } = build.result;
  const { counts } = report;
  const ratio = report.htmlBytes / report.sizeBudget;
  const level = ratio > 1 ? 'over' : ratio > 0.85 ? 'near' : 'ok';
  const stats: [string, number][] = [
    [counts.items === 1 ? 'item' : 'items', counts.items],
    [counts.inWindow === 1 ? 'article that day' : 'articles that day', counts.inWindow],
    ['merged', counts.merged],
    ['over provider cap', counts.overProviderCap],
    ['below top N', counts.belowTop],
    ['trimmed for size', counts.trimmedForSize],
    ['excluded by topic', counts.excludedByTopic],
    [counts.invalid === 1 ? 'invalid file' : 'invalid files', counts.invalid],
  ];
  return html`<section class="card summary">
  <dl class="envelope">
    <div><dt>Subject</dt><dd class="subject" id="subject">${report.subject}</dd></div>
    <div><dt>Preheader</dt><dd class="preheader" id="preheader">${report.preheader || html`<span class="muted">(none)</span>`}</dd></div>
  </dl>
  <div class="size" data-level="${level}">
    <div class="size-label"><span>HTML size</span><b id="size">${kb(report.htmlBytes)} of ${kb(report.sizeBudget)}</b></div>
    <meter min="0" max="${report.sizeBudget}" low="${Math.round(report.sizeBudget * 0.85)}" high="${report.sizeBudget}" optimum="0" value="${report.htmlBytes}">${Math.round(ratio * 100)}%</meter>
    <div class="size-foot muted">${Math.round(ratio * 100)}% of the budget · text part ${kb(report.textBytes)}${report.trimmed.length ? ` · trimmed: ${report.trimmed.join(', ')}` : ''}</div>
  </div>
  <ul class="stats">${stats
    .filter(([, n], i) => n > 0 || i < 2)
    .map(([label, n]) => html`<li><b>${n}</b> ${label}</li>`)}</ul>
  ${data.headers?.length ? headerList(data.headers) : ''}
  ${data.sendError ? sendWarning(data.sendError) : ''}
</section>`;
}

function headerList(headers: [string, string][]): SafeHtml {
  return html`<details class="headers" id="headers"><summary>Message headers that would be sent <span class="muted">(for a sample reader)</span></summary>
  <dl>${headers.map(([name, value]) => html`<div><dt>${name}</dt><dd>${value}</dd></div>`)}</dl>
</details>`;
}

function sendWarning(view: ErrorView): SafeHtml {
  return html`<div class="send-warning" id="send-warning" role="alert"><b>Sending would fail:</b> ${view.messages.join(' — ')}${view.hint ? html` <span class="muted">(${view.hint})</span>` : ''}</div>`;
}

function viewer(data: DigestPageData, build: DigestPageDataBuild): SafeHtml {
  const raw = `/digest/${data.date}`;
  const sep = data.search ? '&' : '?';
  const light = `${raw}.html${data.search}`;
  const dark = `${raw}.html${data.search}${sep}scheme=dark`;
  const darkReady = hasDarkStyles(build.web?.html ?? '');
  return html`<section class="viewer" id="viewer">
  <div class="toolbar">
    <div class="seg" role="tablist" aria-label="Part">
      <button type="button" role="tab" data-tab="email" aria-selected="true">Email</button>
      <button type="button" role="tab" data-tab="text" aria-selected="false">Plain text</button>
    </div>
    <div class="seg" aria-label="Width">
      <button type="button" data-view="desktop" aria-pressed="true">Desktop</button>
      <button type="button" data-view="mobile" aria-pressed="false">Mobile · 375 px</button>
    </div>
    <button type="button" class="toggle" data-dark aria-pressed="false"><span class="toggle-knob" aria-hidden="true"></span>Dark</button>
    <span class="raw-links">Raw <a href="${light}" target="_blank">HTML</a><a href="${raw}.txt${data.search}" target="_blank">Text</a><a href="${raw}.json${data.search}" target="_blank">JSON</a></span>
  </div>
  ${darkReady ? '' : html`<p class="dark-note">This email has no dark-mode styles: dark-mode clients show it as is, and some invert its colours.</p>`}
  <div class="panel" role="tabpanel" data-panel="email">
    <div class="device">
      <iframe id="email-frame" title="The email as it will arrive" sandbox="" referrerpolicy="no-referrer" src="${light}" data-src-light="${light}" data-src-dark="${dark}"></iframe>
    </div>
  </div>
  <div class="panel" role="tabpanel" data-panel="text" hidden>
    <pre class="text-part" id="text-part">${build.web?.text ?? ''}</pre>
  </div>
</section>`;
}

function problemList(problems: ContentProblem[]): SafeHtml | string {
  if (problems.length === 0) return '';
  return html`<details class="card problems" id="problems"><summary>${plural(problems.length, 'file')} skipped: invalid front matter</summary>
  <ul>${problems.map(
    (p) =>
      html`<li><code>${p.path}</code>: <b>${p.field}</b>: ${p.message}${p.hint ? html` <span class="muted">(${p.hint})</span>` : ''}</li>`,
  )}</ul>
</details>`;
}
