import { resolve } from 'node:path';
import type { Config } from '../config/index.js';
import { DigestError } from '../errors.js';
import {
  type FeedReport,
  type FeedSource,
  type FetchReport,
  fetchFeeds,
  HTTP_DEFAULTS,
} from '../fetch/index.js';
import { connectStore, fetchStateFor } from '../store/index.js';
import { BUILD_OPTIONS, configFrom } from './_build-options.js';
import { type CliContext, type Command, type OptionSpec, type OptionValues, stringFlag } from './_command.js';
import { plural, red } from './_output.js';
import { DB_OPTION, storeTarget } from './_store-target.js';

const VERSION = '0.1.0';
/** Sent with every feed request, so a publisher can see who fetches and how to reach the project. */
export const USER_AGENT = `news-digest/${VERSION} (feed fetcher; digest fetch)`;

const NOTES = `
Writes one article file per new item: <content>/<feed-slug>/<date>-<slug>.md, in the format the
build reads (docs/content.md); an item is never written twice (its guid, else its link, is kept in
--db). Requests are conditional (ETag / Last-Modified), follow at most 5 redirects (a permanent one
is remembered), and honour 429/503 Retry-After. One failing feed is reported and the others go on;
exit 1 only when every feed failed. Run it from cron before \`digest run\`, or set
schedule.fetchBefore. See docs/feeds.md.`;

/** `digest fetch`: read RSS, Atom and JSON feeds into the content folder. */
export const fetchCommand: Command = {
  name: 'fetch',
  summary: 'Write each new item of the RSS/Atom/JSON feeds in config (or --feed URL) as an article file',
  options: {
    feed: {
      type: 'string',
      valueName: 'URL',
      multiple: true,
      description: 'A feed to read, instead of config feeds (repeatable)',
    },
    content: BUILD_OPTIONS.content as OptionSpec,
    tz: {
      type: 'string',
      valueName: 'zone',
      description: 'IANA time zone of the <date> in file names (default: config timeZone, UTC)',
    },
    db: DB_OPTION,
    timeout: {
      type: 'string',
      valueName: 'S',
      description: `Seconds one feed may take, redirects and body included (default ${HTTP_DEFAULTS.timeoutMs / 1000})`,
    },
    'max-size': {
      type: 'string',
      valueName: 'MB',
      description: `Largest feed read, in MB (default ${HTTP_DEFAULTS.maxBytes / 1024 / 1024})`,
    },
    json: {
      type: 'boolean',
      description: 'Print the report {feeds: [...], written, failed} as JSON on stdout',
    },
  },
  notes: NOTES,
  async run({ values }, ctx) {
    const config = configFrom(values, ctx, { db: stringFlag(values, 'db') });
    const sources = sourcesFrom(values, config);
    const started = performance.now();
    const report = await runFetch(config, sources, ctx, {
      timeoutMs: secondsFlag(values, 'timeout', HTTP_DEFAULTS.timeoutMs / 1000) * 1000,
      maxBytes: Math.round(
        secondsFlag(values, 'max-size', HTTP_DEFAULTS.maxBytes / 1024 / 1024) * 1024 * 1024,
      ),
    });
    for (const feed of report.feeds) ctx.stderr.write(`${feedLine(feed, ctx)}\n`);
    ctx.stderr.write(`${fetchSummary(report, performance.now() - started)}\n`);
    if (values.json) ctx.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    return report.feeds.length > 0 && report.failed === report.feeds.length ? 1 : 0;
  },
};

/**
 * Fetch `sources` into the configured content folder with the state in the configured database;
 * what `digest fetch` and the scheduler's `fetchBefore` run.
 */
export async function runFetch(
  config: Config,
  sources: FeedSource[],
  ctx: Pick<CliContext, 'cwd' | 'env' | 'now'>,
  http: { timeoutMs?: number; maxBytes?: number } = {},
): Promise<FetchReport> {
  const store = await connectStore(storeTarget(ctx.cwd, config.db, ctx.env));
  try {
    return await fetchFeeds({
      sources,
      contentDir: resolve(ctx.cwd, config.content),
      timeZone: config.timeZone,
      now: ctx.now,
      state: fetchStateFor(store.backend),
      http: {
        timeoutMs: http.timeoutMs ?? HTTP_DEFAULTS.timeoutMs,
        maxBytes: http.maxBytes ?? HTTP_DEFAULTS.maxBytes,
        userAgent: USER_AGENT,
      },
    });
  } finally {
    await store.close();
  }
}

/** The feeds of `--feed` (each a URL), else of config `feeds`; a usage error when there are none. */
function sourcesFrom(values: OptionValues, config: Config): FeedSource[] {
  const flags = Array.isArray(values.feed) ? values.feed : [];
  for (const url of flags) {
    if (!/^https?:\/\/[^/\s]+/i.test(url)) {
      throw new DigestError('E_USAGE', `--feed "${url}" is not an http or https address`, {
        field: '--feed',
        hint: 'give the full address of the feed, e.g. --feed https://example.com/feed.xml',
      });
    }
  }
  if (flags.length > 0) return flags.map((url) => ({ url }));
  if (config.feeds.length === 0) {
    throw new DigestError('E_USAGE', 'no feeds to fetch', {
      field: 'feeds',
      hint: 'add `"feeds": [{ "url": "https://example.com/feed.xml" }]` to digest.config.json, or pass --feed URL',
    });
  }
  return configSources(config);
}

/** The feeds of config `feeds`. */
export function configSources(config: Config): FeedSource[] {
  return config.feeds.map((f) => ({
    url: f.url,
    ...(f.name === undefined ? {} : { name: f.name }),
    topics: f.topics,
    ...(f.quality === undefined ? {} : { quality: f.quality }),
  }));
}

/**
 * `schedule.fetchBefore`: fetch the configured feeds before a scheduled send builds its digest.
 * Never throws: a failing fetch is logged and the send goes on with the content already there.
 */
export async function fetchBeforeSend(
  config: Config,
  ctx: Pick<CliContext, 'cwd' | 'env' | 'now' | 'color'>,
  log: (line: string) => void,
): Promise<void> {
  if (!config.schedule.fetchBefore) return;
  if (config.feeds.length === 0) {
    log('schedule.fetchBefore is set but config feeds is empty: nothing fetched');
    return;
  }
  const started = performance.now();
  try {
    const report = await runFetch(config, configSources(config), ctx);
    for (const feed of report.feeds) log(`fetch: ${feedLine(feed, { color: false })}`);
    log(`fetch: ${fetchSummary(report, performance.now() - started)}`);
  } catch (error) {
    log(
      `fetch failed, sending with the content already there: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

/** A positive number flag (`--timeout 2.5`), or `fallback`. */
function secondsFlag(values: OptionValues, name: string, fallback: number): number {
  const raw = stringFlag(values, name);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!/^\d+(\.\d+)?$/.test(raw) || !(n > 0)) {
    throw new DigestError('E_USAGE', `--${name} must be a positive number (got "${raw}")`, {
      field: `--${name}`,
    });
  }
  return n;
}

/** One line per feed on stderr: what it gave, or why it failed. */
export function feedLine(r: FeedReport, ctx: Pick<CliContext, 'color'>): string {
  const moved = r.movedTo ? `; moved permanently to ${r.movedTo}` : '';
  const skipped = r.skipped.length > 0 ? `, ${r.skipped.length} skipped (${r.skipped.join('; ')})` : '';
  const repeated = r.repeated > 0 ? `, ${r.repeated} repeated in the feed` : '';
  const undated = r.undated > 0 ? `, ${r.undated} without a date (fetch time used)` : '';
  switch (r.outcome) {
    case 'written':
    case 'unchanged':
      return `${r.url}: ${plural(r.written.length, 'new article')}, ${r.seen} already fetched${repeated}${skipped}${undated}${moved}`;
    case 'not-modified':
      return `${r.url}: not modified (304)${moved}`;
    case 'waiting':
      return `${r.url}: skipped, ${r.error}`;
    case 'failed':
      return `${red(ctx, 'Error:')} ${r.url}: ${r.error}`;
  }
}

/** The line that ends every fetch, e.g. `Fetched 7 feeds: 15 new articles, 1 not modified, 1 failed, in 0.4 s`. */
export function fetchSummary(report: FetchReport, elapsedMs: number): string {
  const count = (o: FeedReport['outcome']) => report.feeds.filter((f) => f.outcome === o).length;
  const parts = [plural(report.written, 'new article')];
  if (count('not-modified') > 0) parts.push(`${count('not-modified')} not modified`);
  if (count('waiting') > 0) parts.push(`${count('waiting')} waiting (Retry-After)`);
  if (report.failed > 0) parts.push(`${report.failed} failed`);
  return `Fetched ${plural(report.feeds.length, 'feed')}: ${parts.join(', ')}, in ${(elapsedMs / 1000).toFixed(1)} s`;
}
