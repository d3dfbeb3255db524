import type { Considered, ConsideredStatus, DigestReport } from '../types.js';
import { localTime } from './_format.js';
import { html, type SafeHtml, safeHref } from './_html.js';

/** Label and badge colour of each status, in the order the table groups them. */
const STATUS: Record<ConsideredStatus, { label: string; tone: string }> = {
  included: { label: 'Included', tone: 'good' },
  merged: { label: 'Merged', tone: 'info' },
  trimmedForSize: { label: 'Trimmed for size', tone: 'warn' },
  overProviderCap: { label: 'Over provider cap', tone: 'muted' },
  belowTop: { label: 'Below top N', tone: 'muted' },
  excludedByTopic: { label: 'Excluded by topic', tone: 'muted' },
  invalid: { label: 'Invalid', tone: 'bad' },
  outOfWindow: { label: 'Out of window', tone: 'muted' },
};
const ORDER = Object.keys(STATUS) as ConsideredStatus[];

/** The label of a status, e.g. `Over provider cap`. */
export function statusLabel(status: ConsideredStatus): string {
  return STATUS[status]?.label ?? status;
}

/**
 * Every file the build looked at and what became of it, grouped by status: included items in
 * digest order first, then the rest best score first. Files outside the day fold away.
 * All article text is escaped by `html`; links are written only when they are http(s).
 */
export function whyTable(report: DigestReport): SafeHtml {
  const rank = new Map(report.items.map((item, i) => [item.path, i + 1]));
  const titleByUrl = new Map(report.items.map((item) => [item.webUrl, item.title]));
  const sorted = [...report.considered].sort(
    (a, b) =>
      ORDER.indexOf(a.status) - ORDER.indexOf(b.status) ||
      (rank.get(a.path) ?? 0) - (rank.get(b.path) ?? 0) ||
      (b.quality ?? 0) - (a.quality ?? 0) ||
      (b.heat ?? 0) - (a.heat ?? 0) ||
      (a.path < b.path ? -1 : 1),
  );
  const inDay = sorted.filter((c) => c.status !== 'outOfWindow');
  const outside = sorted.filter((c) => c.status === 'outOfWindow');
  const { timeZone, date } = report.window;
  const row = (c: Considered) => whyRow(c, rank.get(c.path), titleByUrl, timeZone, date);
  const counts = ORDER.map((s) => [s, sorted.filter((c) => c.status === s).length] as const).filter(
    ([, n]) => n > 0,
  );
  return html`<section class="why" id="why">
  <h2>Why these articles</h2>
  <p class="chips">${counts.map(([s, n]) => html`<span class="badge tone-${STATUS[s].tone}">${STATUS[s].label} <b>${n}</b></span>`)}</p>
  ${
    inDay.length > 0
      ? html`<div class="table-wrap"><table class="why-table">
    ${tableHead()}
    <tbody>${inDay.map(row)}</tbody>
  </table></div>`
      : html`<p class="empty">No article files fall on this day.</p>`
  }
  ${
    outside.length > 0
      ? html`<details class="outside"><summary>${outside.length} other file${outside.length === 1 ? '' : 's'} outside this day</summary>
    <div class="table-wrap"><table class="why-table">${tableHead()}<tbody>${outside.map(row)}</tbody></table></div>
  </details>`
      : ''
  }
</section>`;
}

function tableHead(): SafeHtml {
  return html`<thead><tr><th class="num">#</th><th class="num" title="quality · heat">Score</th><th>Article</th><th>Published</th><th>Status</th><th>Reason</th></tr></thead>`;
}

function whyRow(
  c: Considered,
  rank: number | undefined,
  titleByUrl: Map<string, string>,
  timeZone: string,
  date: string,
): SafeHtml {
  const href = safeHref(c.webUrl);
  const title = c.title || c.path;
  const status = STATUS[c.status] ?? { label: c.status, tone: 'muted' };
  const into = c.mergedInto ? (titleByUrl.get(c.mergedInto) ?? c.mergedInto) : undefined;
  const score = c.quality === undefined && c.heat === undefined ? '' : `${c.quality ?? 0} · ${c.heat ?? 0}`;
  return html`<tr data-status="${c.status}">
  <td class="num">${rank ?? ''}</td>
  <td class="num score">${score}</td>
  <td class="article">${href ? html`<a href="${href}" target="_blank" rel="noopener noreferrer">${title}</a>` : html`<span>${title}</span>`}
    <div class="sub">${c.providerDomain ? html`<span>${c.providerDomain}</span> · ` : ''}<code>${c.path}</code></div></td>
  <td class="when">${localTime(c.publishedAt, timeZone, date)}</td>
  <td><span class="badge tone-${status.tone}">${status.label}</span></td>
  <td class="reason">${c.reason}${into ? html`<div class="sub">into “${into}”</div>` : ''}</td>
</tr>`;
}
