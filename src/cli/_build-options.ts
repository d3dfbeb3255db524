import { type Config, isTimeZone, loadConfig } from '../config/index.js';
import { timeZoneSuggestion } from '../did-you-mean.js';
import { DigestError } from '../errors.js';
import type { BuildRequest } from '../pipeline.js';
import { type CliContext, intFlag, type OptionSpec, type OptionValues, stringFlag } from './_command.js';
import { cacheDbFile, DB_OPTION } from './_store-target.js';

/** The flags that choose and shape a digest; shared by build, send, run and schedule. */
export const BUILD_OPTIONS: Record<string, OptionSpec> = {
  date: {
    type: 'string',
    valueName: 'YYYY-MM-DD',
    description: 'Local calendar day of the digest, or "latest" (default: yesterday in --tz)',
  },
  tz: {
    type: 'string',
    valueName: 'zone',
    description: 'IANA time zone of the day (default: config timeZone, UTC)',
  },
  since: {
    type: 'string',
    valueName: 'ISO',
    description: 'Start of an explicit window (inclusive), with --until',
  },
  until: {
    type: 'string',
    valueName: 'ISO',
    description: 'End of an explicit window (exclusive), with --since',
  },
  top: { type: 'string', valueName: 'N', description: 'Most items in the digest (default 10)' },
  content: {
    type: 'string',
    valueName: 'DIR',
    description: 'Folder of article .md files (default content/)',
  },
  templates: { type: 'string', valueName: 'DIR', description: 'Folder of templates (default templates/)' },
  out: { type: 'string', valueName: 'DIR', description: 'Output folder (default out/)' },
  strict: { type: 'boolean', description: 'Treat any invalid article file as fatal (exit 1)' },
  db: DB_OPTION,
  'cache-db': {
    type: 'string',
    valueName: 'FILE',
    description:
      'SQLite file of the content index and render cache (default: the --db file, or data/cache.db for a URL; or DIGEST_CACHE_DB)',
  },
  json: { type: 'boolean', description: 'Print one machine-readable JSON report on stdout' },
};

/** Config with the build flags applied on top of file and environment. */
export function configFrom(
  values: OptionValues,
  ctx: CliContext,
  extra: Record<string, unknown> = {},
): Config {
  const tz = stringFlag(values, 'tz');
  if (tz !== undefined && !isTimeZone(tz)) {
    throw new DigestError('E_USAGE', `--tz "${tz}" is not an IANA time zone${timeZoneSuggestion(tz)}`, {
      field: '--tz',
      hint: 'use a name such as UTC, Europe/Berlin or America/New_York',
    });
  }
  return loadConfig(ctx.cwd, ctx.env, {
    content: stringFlag(values, 'content'),
    templates: stringFlag(values, 'templates'),
    out: stringFlag(values, 'out'),
    timeZone: stringFlag(values, 'tz'),
    top: intFlag(values, 'top', 1),
    db: stringFlag(values, 'db'),
    cacheDb: stringFlag(values, 'cache-db'),
    ...extra,
  }).config;
}

/** Turn the build flags into a BuildRequest; usage errors name the flag. */
export function buildRequestFrom(values: OptionValues, ctx: CliContext, config?: Config): BuildRequest {
  const since = stringFlag(values, 'since');
  const until = stringFlag(values, 'until');
  const date = stringFlag(values, 'date');
  if ((since === undefined) !== (until === undefined)) {
    throw new DigestError('E_USAGE', '--since and --until go together', {
      field: since === undefined ? '--since' : '--until',
      hint: 'give both ISO instants, e.g. --since 2020-09-13T00:00:00Z --until 2020-09-14T00:00:00Z',
    });
  }
  if (date !== undefined && since !== undefined) {
    throw new DigestError('E_USAGE', '--date cannot be combined with --since/--until', { field: '--date' });
  }
  const resolved = config ?? configFrom(values, ctx);
  return {
    config: resolved,
    cwd: ctx.cwd,
    now: ctx.now(),
    date,
    since,
    until,
    strict: values.strict === true,
    // The build caches live in a local SQLite file (the --db file, or --cache-db); a dry run reads
    // them but leaves the file untouched.
    db: cacheDbFile(ctx.cwd, resolved),
    dbReadonly: values['dry-run'] === true,
  };
}
