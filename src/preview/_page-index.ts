import { type ErrorView, errorPanel } from './_error-view.js';
import { dayParts, plural } from './_format.js';
import { html } from './_html.js';
import { pageShell } from './_layout.js';
import { type EditionLink, editionNav } from './_page-digest.js';

/** One day on the index. `items` and `headline` are missing when that day's build failed. */
export interface IndexRow {
  date: string;
  articles: number;
  items?: number;
  headline?: string;
  /** Not built yet at this version: the page fills it in when the background build is done. */
  pending?: boolean;
}

export interface IndexPageData {
  rows: IndexRow[];
  timeZone: string;
  brand: string;
  version: number;
  /** `?tz=...&top=...` as requested, carried into the day links. */
  search: string;
  /** The folders being watched, as the user gave them. */
  content: string;
  templates: string;
  /** The first build error, if any day failed (they usually fail for the same reason). */
  error?: ErrorView;
  /** The editions of the newest day (docs/editions.md). */
  editions?: EditionLink[];
}

/** The index: every day with articles, newest first, with what its digest would hold. */
export function indexPage(data: IndexPageData): string {
  const total = data.rows.reduce((n, r) => n + r.articles, 0);
  return pageShell({
    title: `${data.brand} · preview`,
    page: 'index',
    version: data.version,
    brand: data.brand,
    body: html`<div class="index-head">
  <h1>Digests</h1>
  <p class="muted">${plural(data.rows.length, 'day')} · ${plural(total, 'article')} · days in <span class="pill">${data.timeZone}</span></p>
  <p class="sources muted">Content <code>${data.content}</code> · Templates <code>${data.templates}</code></p>
  ${data.editions?.length ? html`<p class="muted">Editions of the newest day:</p>${editionNav(data.editions)}` : ''}
</div>
${data.error ? errorPanel(data.error) : ''}
${
  data.rows.length === 0
    ? html`<section class="card empty-day"><h2>No articles yet</h2><p>Add Markdown files with front matter to <code>${data.content}</code>; this page updates as soon as they appear.</p></section>`
    : html`<ol class="days">${data.rows.map((row) => {
        const d = dayParts(row.date);
        return html`<li><a class="day${row.pending ? ' is-pending' : ''}" href="/digest/${row.date}${data.search}" data-date="${row.date}">
  <span class="cal" aria-hidden="true"><span class="cal-m">${d.month}</span><span class="cal-d">${d.day}</span><span class="cal-w">${d.weekday}</span></span>
  <span class="day-main">
    <span class="day-date">${row.date}</span>
    ${row.pending ? html`<span class="headline pending">Building…</span>` : html`<span class="headline">${row.headline ?? (row.items === 0 ? 'No items' : '—')}</span>`}
    <span class="day-meta">${plural(row.articles, 'article')}${row.pending ? '' : row.items === undefined ? ' · build failed' : ` · ${plural(row.items, 'item')} in the digest`}</span>
  </span>
  <span class="chev" aria-hidden="true">›</span>
</a></li>`;
      })}</ol>`
}`,
  });
}
