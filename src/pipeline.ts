import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BuildCache, openBuildCache, renderKey } from './cache/index.js';
import type { Config } from './config/index.js';
import { allTime, type ContentSource, type LoadResult, plainSource } from './content/index.js';
import { indexedSource } from './content-index/index.js';
import { DigestError } from './errors.js';
import {
  brandContext,
  fitToBudget,
  genericRecipient,
  loadTemplates,
  personalize,
  preloadMjml,
  type RenderContext,
} from './render/index.js';
import { buildReport, reportText as reportFileText, writeReportFile } from './report/index.js';
import { dayWindow, localDate, previousDay, rangeWindow, selectDigest, trimOneStep } from './select/index.js';
import type { ContentProblem, DigestReport, DigestWindow, RenderedDigest, Selection } from './types.js';

/** What to build: the resolved config plus the window flags. */
export interface BuildRequest {
  config: Config;
  /** Folders in config are relative to this. */
  cwd: string;
  /** The clock: "yesterday" is computed from it. */
  now: Date;
  /** `YYYY-MM-DD`, or `latest` for the newest day with articles; default: the day before `now`. */
  date?: string;
  /** Explicit window start (ISO instant), with `until`. */
  since?: string;
  until?: string;
  /** Any invalid article file is fatal. */
  strict?: boolean;
  /** SQLite file that holds the content index (`--db`); without it every article file is read. */
  db?: string;
  /** Use the content index without writing to it (a dry run leaves the database untouched). */
  dbReadonly?: boolean;
  /**
   * A topic or weekly edition (src/editions): its ledger key (`digestKey`, or the window's key plus
   * `keySuffix`), and the date and archive path it goes by (default the window's date).
   */
  edition?: { digestKey?: string; keySuffix?: string; date?: string; archivePath?: string };
}

export interface BuildResult {
  window: DigestWindow;
  /** Stable identity of this digest: the ledger and the run table key on it. */
  digestKey: string;
  selection: Selection;
  /** Undefined when the window holds no articles. */
  rendered?: RenderedDigest;
  /** The account of the build (a Report: its `considered` entries are made only when read). */
  report: DigestReport;
  problems: ContentProblem[];
  /** Notes for stderr, e.g. that the content index was unavailable or rebuilt. */
  notes: string[];
}

/**
 * Build one digest. The steps, in order:
 * 1. resolve the window (a local day, `latest`, or an explicit range);
 * 2. load the articles of the window, reporting and skipping invalid files (through the content
 *    index in `req.db` when there is one: unchanged files are only statted);
 * 3. select: filter topics, rank, merge same-story coverage, cap providers, take the top N, pick related links;
 * 4. render the templates through Handlebars and MJML, trimming until the HTML fits the size budget
 *    (or take that rendering from the render cache when nothing it depends on changed);
 * 5. account for every file in the report.
 */
export async function buildDigest(req: BuildRequest): Promise<BuildResult> {
  const { config } = req;
  const contentDir = resolve(req.cwd, config.content);
  // Build caches in the --db database: the content index makes warm builds stat-only, the
  // render cache spares an unchanged digest its MJML run. Without a database, no caches.
  const cache = req.db === undefined ? undefined : openBuildCache(req.db, { readonly: req.dbReadonly });
  try {
    return await buildWith(req, contentDir, cache);
  } finally {
    cache?.close();
  }
}

async function buildWith(req: BuildRequest, contentDir: string, cache?: BuildCache): Promise<BuildResult> {
  const source = contentSource(cache);
  try {
    const { window, notes } = await resolveWindow(req, contentDir, source);
    const loaded = await source.load(contentDir, window);
    const result = await digestOf(req, window, loaded, cache);
    result.notes.unshift(...notes);
    return result;
  } finally {
    // The content index is written while this thread selects and renders.
    await source.flush();
  }
}

/**
 * Where the articles come from, as a factory picks a transport: without a database every file
 * is read (the plain source); with one, through the content index (only changed files are read).
 */
function contentSource(cache: BuildCache | undefined): ContentSource {
  if (!cache) return plainSource;
  return indexedSource(cache.index, {
    threads: SCAN_THREADS,
    // A build that must read most files will render too (no cached email can match): with scan
    // workers reading, load MJML now on this thread instead of after the scan.
    onScanStart: ({ files, toRead, threads }) => {
      if (threads > 0 && toRead > files / 2) preloadMjml();
    },
  });
}

/** Steps 2-4 and the report, from the loaded articles. */
async function digestOf(
  req: BuildRequest,
  window: DigestWindow,
  loaded: LoadResult,
  cache: BuildCache | undefined,
): Promise<BuildResult> {
  const { config } = req;
  if (req.strict && loaded.problems.length > 0) throw strictError(loaded.problems);
  // An edition is named by its own date (a weekly: its last day), whatever window it covers.
  if (req.edition?.date) window = { ...window, date: req.edition.date };

  let selection = selectDigest(loaded.articles, window, {
    top: config.top,
    perProvider: config.perProvider,
    relatedPerItem: config.relatedPerItem,
    storySimilarity: config.storySimilarity,
    pressWires: config.pressWires,
    includeTopics: config.includeTopics,
    excludeTopics: config.excludeTopics,
    cluster: cache?.stories?.cluster,
  });
  let rendered: RenderedDigest | undefined;
  let trimmed: string[] = [];
  if (selection.items.length > 0) {
    ({ selection, rendered, trimmed } = await renderFitted(selection, req, window, cache));
  }
  const report = buildReport({
    window,
    selection,
    rendered,
    trimmed,
    outside: loaded.outside,
    invalid: loaded.invalid,
    files: loaded.files,
    sizeBudget: config.sizeBudget,
  });
  return {
    window,
    digestKey: req.edition?.digestKey ?? `${digestKey(window, req)}${req.edition?.keySuffix ?? ''}`,
    selection,
    rendered,
    report,
    problems: [...loaded.problems, ...(selection.problems ?? [])],
    notes: loaded.notes,
  };
}

/**
 * Step 4: render and fit the size budget, or take the same rendering from the render cache
 * (keyed by everything rendering reads). A hit replays the recorded trim steps on the selection,
 * so the report's statuses are the same as after a real fit.
 */
async function renderFitted(
  selection: Selection,
  req: BuildRequest,
  window: DigestWindow,
  cache: BuildCache | undefined,
): Promise<{ selection: Selection; rendered: RenderedDigest; trimmed: string[] }> {
  const { config } = req;
  const dir = templatesDir(config, req.cwd);
  const ctx = renderContext(config, window, req.edition?.archivePath);
  const key = cache?.render && (await renderKey(selection, dir, ctx, config.sizeBudget));
  const hit = key ? cache?.render?.get(key) : undefined;
  if (hit) {
    let replayed: Selection | undefined = selection;
    for (const dropped of hit.trimmed) {
      const step: ReturnType<typeof trimOneStep> = replayed ? trimOneStep(replayed) : undefined;
      replayed = step?.dropped === dropped ? step.selection : undefined;
    }
    if (replayed) return { selection: replayed, rendered: hit.rendered, trimmed: hit.trimmed };
  }
  const templates = await loadTemplates(dir);
  const fitted = await fitToBudget(selection, templates, ctx, config.sizeBudget, trimOneStep);
  if (key) cache?.render?.put(key, { rendered: fitted.rendered, trimmed: fitted.trimmed });
  return fitted;
}

// Scan worker threads of a build besides the main one (none on a 1-CPU machine, see scanThreads):
// reading or statting a large folder is system calls that a second core halves. One, not more:
// each worker costs memory, and a build's peak memory has a target (docs/bench.md).
const SCAN_THREADS = 1;

/** The templates shipped with the package, used when the default `templates/` folder is absent. */
export const BUNDLED_TEMPLATES = [
  fileURLToPath(new URL('../templates', import.meta.url)), // running from src/
  fileURLToPath(new URL('../../templates', import.meta.url)), // running from dist/src/
].find((dir) => existsSync(join(dir, 'layout.mjml.hbs'))) as string;

/** The templates folder: the configured one, or the bundled templates when the default folder is absent. */
export function templatesDir(config: Config, cwd: string): string {
  const configured = resolve(cwd, config.templates);
  return config.templates === 'templates' && !existsSync(configured) ? BUNDLED_TEMPLATES : configured;
}

/** The render context of a digest: newsletter name, zone and public links (`archivePath`: default the window's date). */
export function renderContext(
  config: Config,
  window: DigestWindow,
  archivePath: string = window.date,
): RenderContext {
  const publicUrl = config.publicUrl.replace(/\/+$/, '');
  return {
    title: config.title,
    brand: brandContext(config),
    timeZone: window.timeZone,
    publicUrl,
    archiveUrl: `${publicUrl}/archive/${archivePath}`,
    subjectTemplate: config.subject || undefined,
  };
}

async function resolveWindow(
  req: BuildRequest,
  contentDir: string,
  source: ContentSource,
): Promise<{ window: DigestWindow; notes: string[] }> {
  const tz = req.config.timeZone;
  if (req.since !== undefined && req.until !== undefined) {
    return { window: rangeWindow(req.since, req.until, tz), notes: [] };
  }
  if (req.date === 'latest') {
    const newest = await newestDay(contentDir, tz, req.now, source);
    const notes: string[] = [];
    if (newest.later > 0) {
      const n = newest.later === 1 ? '1 article is' : `${newest.later} articles are`;
      notes.push(
        `--date latest: ${n} dated after now (the newest on ${newest.laterDay}) and not counted; pass --date ${newest.laterDay} to build that day`,
      );
    }
    return { window: dayWindow(newest.date, tz), notes };
  }
  return { window: dayWindow(req.date ?? previousDay(req.now, tz), tz), notes: [] };
}

/**
 * The newest local day that has at least one valid article published by `now` (an article dated
 * in the future is a mistake or an embargo, not the latest news); the day of `now` when there is none.
 */
export async function latestDay(contentDir: string, timeZone: string, now: Date): Promise<string> {
  return (await newestDay(contentDir, timeZone, now, plainSource)).date;
}

/** latestDay, with how many articles are dated after `now` and the newest day among them. */
async function newestDay(
  contentDir: string,
  timeZone: string,
  now: Date,
  source: ContentSource,
): Promise<{ date: string; later: number; laterDay?: string }> {
  const all = await source.load(contentDir, allTime(timeZone));
  let newest = Number.NEGATIVE_INFINITY;
  let latest = Number.NEGATIVE_INFINITY;
  let later = 0;
  for (const a of all.articles) {
    if (a.publishedMs > now.getTime()) {
      later++;
      latest = Math.max(latest, a.publishedMs);
    } else newest = Math.max(newest, a.publishedMs);
  }
  const date = localDate(Number.isFinite(newest) ? newest : now.getTime(), timeZone);
  return later === 0 ? { date, later } : { date, later, laterDay: localDate(latest, timeZone) };
}

/** Every local day with valid articles, newest first, with the number of articles. */
export async function articleDays(
  contentDir: string,
  timeZone: string,
): Promise<{ date: string; articles: number }[]> {
  const all = await plainSource.load(contentDir, allTime(timeZone));
  const counts = new Map<string, number>();
  for (const article of all.articles) {
    const day = localDate(article.publishedMs, timeZone);
    counts.set(day, (counts.get(day) ?? 0) + 1);
  }
  return [...counts]
    .map(([date, articles]) => ({ date, articles }))
    .sort((a, b) => (a.date < b.date ? 1 : -1));
}

/** `day:2020-09-13@America/New_York` for a calendar day, `range:<since>..<until>` otherwise. */
function digestKey(window: DigestWindow, req: BuildRequest): string {
  if (req.since !== undefined) {
    return `range:${new Date(window.since).toISOString()}..${new Date(window.until).toISOString()}`;
  }
  return `day:${window.date}@${window.timeZone}`;
}

function strictError(problems: ContentProblem[]): DigestError {
  const first = problems[0] as ContentProblem;
  return new DigestError(
    'E_CONTENT',
    `${problems.length} invalid article file(s); --strict makes that fatal`,
    {
      file: first.path,
      field: first.field,
      hint: 'fix the files listed, or run without --strict to skip them',
      cause: new Error(problems.map((p) => `${p.path}: ${p.field}: ${p.message}`).join('\n')),
    },
  );
}

/** The files `writeDigest` produces, by kind. */
export interface WrittenDigest {
  dir: string;
  html: string;
  text: string;
  mjml: string;
  json: string;
}

/**
 * Write `OUT/<date>/digest.{html,txt,mjml,json}`. The HTML and text are the web copy: recipient
 * parts are filled with the generic values. Each file is written to a temporary name and renamed,
 * so a reader (the preview, a web server) never sees half a file.
 */
export async function writeDigest(
  result: BuildResult,
  outDir: string,
  publicUrl: string,
): Promise<WrittenDigest> {
  const dir = join(outDir, result.window.date);
  await mkdir(dir, { recursive: true });
  const files: WrittenDigest = {
    dir,
    html: join(dir, 'digest.html'),
    text: join(dir, 'digest.txt'),
    mjml: join(dir, 'digest.mjml'),
    json: join(dir, 'digest.json'),
  };
  const writes: [string, string][] = [];
  if (result.rendered) {
    const web = personalize(result.rendered, genericRecipient(publicUrl));
    writes.push([files.html, web.html], [files.text, web.text], [files.mjml, result.rendered.mjml]);
  }
  // A temp name of this process's own: several senders (--workers, or two machines sharing a
  // folder) build the same day into the same folder at once, and each rename must find its file.
  const temp = (path: string) => `${path}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
  await Promise.all([
    ...writes.map(async ([path, data]) => {
      const tmp = temp(path);
      await writeFile(tmp, data);
      await rename(tmp, path);
    }),
    // In chunks: in a large folder `considered` makes this report tens of MB (see writeReportFile).
    (async () => {
      const tmp = temp(files.json);
      writeReportFile(tmp, result.report);
      await rename(tmp, files.json);
    })(),
  ]);
  return files;
}

/** The report in its file layout (digest.json, `--json`). */
export function reportText(result: Pick<BuildResult, 'report'>): string {
  return reportFileText(result.report);
}
