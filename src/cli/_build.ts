import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { formatProblem } from '../content/index.js';
import { articleDays, type BuildResult, buildDigest, reportText, writeDigest } from '../pipeline.js';
import type { ContentProblem } from '../types.js';
import { BUILD_OPTIONS, buildRequestFrom } from './_build-options.js';
import type { CliContext, Command } from './_command.js';
import { plural } from './_output.js';
import { withLine } from './_problem-line.js';

export const buildCommand: Command = {
  name: 'build',
  summary: 'Build the digest of one day (or window) into OUT/<date>/digest.{html,txt,mjml,json}',
  options: BUILD_OPTIONS,
  notes: 'An empty window is not an error: the command says so, writes no email files and exits 0.',
  async run({ values }, ctx) {
    const started = performance.now();
    const request = buildRequestFrom(values, ctx);
    const result = await buildDigest(request);
    reportProblems(result, ctx, resolve(ctx.cwd, request.config.content));
    if (!result.rendered) {
      if (values.json) ctx.stdout.write(reportText(result));
      const contentDir = resolve(ctx.cwd, request.config.content);
      const days = await articleDays(contentDir, request.config.timeZone);
      const defaulted = request.date === undefined && request.since === undefined;
      ctx.stderr.write(`${emptyWindowText(result, defaulted, days[0], request.config.content)}\n`);
      return 0;
    }
    const files = await writeDigest(result, resolve(ctx.cwd, request.config.out), request.config.publicUrl);
    if (values.json) ctx.stdout.write(reportText(result));
    else
      ctx.stderr.write(
        `Wrote ${files.html}\n      ${files.text}\n      ${files.mjml}\n      ${files.json}\n`,
      );
    ctx.stderr.write(`${summaryLine(result, performance.now() - started)}\n`);
    return 0;
  },
};

/** Print each skipped file as `path: line N: field: message` (the line when `contentDir` is given and it is known). */
export function reportProblems(result: BuildResult, ctx: CliContext, contentDir?: string): void {
  for (const problem of result.problems) ctx.stderr.write(`skipped ${problemText(problem, contentDir)}\n`);
  for (const note of result.notes) ctx.stderr.write(`note: ${note}\n`);
}

/** `path: line N: field: message (hint)`, or without the line when it is not known. */
export function problemText(problem: ContentProblem, contentDir?: string): string {
  const line = contentDir === undefined ? undefined : withLine(contentDir, problem).line;
  return formatProblem(line === undefined ? problem : { ...problem, path: `${problem.path}: line ${line}` });
}

/**
 * What an empty window says: the day, whether it was the default one, and the newest day that
 * has articles with the command that builds it (or that the folder has none).
 */
export function emptyWindowText(
  result: Pick<BuildResult, 'window'> & { report: Pick<BuildResult['report'], 'window'> },
  defaulted: boolean,
  newest: { date: string; articles: number } | undefined,
  contentDir: string,
): string {
  const which = defaulted ? ` (yesterday in ${result.window.timeZone}, the default day)` : '';
  const first = `No articles on ${result.window.date}${which}: no email built (window ${windowText(result)}).`;
  if (!newest)
    return `${first}\nThere are no valid articles in ${contentDir} at all: add .md files (see docs/content.md), or give --content DIR.`;
  if (newest.date === result.window.date) return first;
  return `${first}\nThe newest day with articles is ${newest.date} (${plural(newest.articles, 'article')}): run \`digest build --date ${newest.date}\`, or \`digest build --date latest\` for the newest day.`;
}

function windowText(
  result: Pick<BuildResult, 'window'> & { report: Pick<BuildResult['report'], 'window'> },
): string {
  return `${result.report.window.since} .. ${result.report.window.until}, ${result.window.timeZone}`;
}

/** One line that ends every build, e.g. `Built digest 2021-06-07: 10 items from 31 articles (...)`. */
export function summaryLine(result: BuildResult, elapsedMs: number): string {
  const { counts, htmlBytes, sizeBudget } = result.report;
  const notes = [
    counts.merged && `${counts.merged} merged`,
    counts.overProviderCap && `${counts.overProviderCap} over provider cap`,
    counts.belowTop && `${counts.belowTop} below top`,
    counts.trimmedForSize && `${counts.trimmedForSize} trimmed for size`,
    counts.excludedByTopic && `${counts.excludedByTopic} excluded by topic`,
    counts.invalid && `${counts.invalid} invalid file${counts.invalid === 1 ? '' : 's'} skipped`,
  ].filter(Boolean);
  const kb = (n: number) => `${Math.round(n / 1024)} KB`;
  return (
    `Built digest ${result.window.date}: ${plural(counts.items, 'item')} from ${plural(counts.inWindow, 'article')}` +
    `${notes.length ? ` (${notes.join(', ')})` : ''}, ${kb(htmlBytes)} of ${kb(sizeBudget)} html, ` +
    `in ${(elapsedMs / 1000).toFixed(1)} s`
  );
}
