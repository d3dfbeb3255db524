import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DigestError } from '../errors.js';
import { copyStore } from '../store/_copy-store.js';
import { isPostgresUrl } from '../store/index.js';
import { type Command, stringFlag } from './_command.js';
import { plural, textTable } from './_output.js';
import { withPgEnvironment } from './_store-target.js';

const NOTES = `
Copies subscribers, addresses (suppression included), the whole send ledger (every row in every
state), digests, schedule runs, web copies and digest topics, feeds and feed items, and bounce
events, ids kept, in one PostgreSQL transaction: all or nothing. The target is migrated first and
must hold none of these rows; the identity sequences are moved past the copied ids. The SQLite
file is only read (upgraded first if its schema is older). Stop the senders, the scheduler and
\`digest serve\` first, then point DIGEST_DB at the URL. The content index and render cache are
not copied: they are local build caches (--cache-db). See docs/postgres.md.`;

/** `digest migrate-store`: move a SQLite store into an empty PostgreSQL database. */
export const migrateStoreCommand: Command = {
  name: 'migrate-store',
  summary:
    'Copy a SQLite store (list, ledger, runs, archive, feeds, bounces) into an empty PostgreSQL database',
  usage: 'digest migrate-store --from FILE --to postgres://... [--json]',
  options: {
    from: { type: 'string', valueName: 'FILE', description: 'The SQLite file to copy (e.g. data/digest.db)' },
    to: {
      type: 'string',
      valueName: 'URL',
      description: 'The PostgreSQL database to copy into (postgres://...)',
    },
    json: {
      type: 'boolean',
      description: 'Print { from, to, tables: { name: rows }, rows, durationMs } on stdout',
    },
  },
  notes: NOTES,
  async run({ values }, ctx) {
    const from = stringFlag(values, 'from');
    const to = stringFlag(values, 'to');
    if (from === undefined || to === undefined) {
      throw new DigestError(
        'E_USAGE',
        `migrate-store needs ${from === undefined ? '--from FILE' : '--to URL'}`,
        {
          field: from === undefined ? '--from' : '--to',
          hint: 'usage: digest migrate-store --from data/digest.db --to postgres://user:password@host/database',
        },
      );
    }
    if (isPostgresUrl(from)) {
      throw new DigestError('E_USAGE', '--from is the SQLite file; a PostgreSQL URL goes in --to', {
        field: '--from',
      });
    }
    if (!isPostgresUrl(to)) {
      throw new DigestError('E_USAGE', `--to must be a postgres:// or postgresql:// URL (got "${to}")`, {
        field: '--to',
      });
    }
    const started = performance.now();
    const report = await copyStore(resolve(ctx.cwd, from), withPgEnvironment(to, ctx.env), {
      now: () => ctx.now().getTime(),
    });
    const durationMs = performance.now() - started;
    if (values.json) ctx.stdout.write(`${JSON.stringify({ ...report, durationMs }, null, 2)}\n`);
    else {
      const cells = Object.entries(report.tables).map(([table, n]) => [table, String(n)]);
      ctx.stdout.write(`${textTable(['TABLE', 'ROWS'], cells)}\n`);
    }
    ctx.stderr.write(
      `Copied ${from} to ${report.to}: ${plural(report.rows, 'row')} in ${Object.keys(report.tables).length} tables ` +
        `in ${(durationMs / 1000).toFixed(1)} s. Point --db / DIGEST_DB at the URL from now on.\n`,
    );
    return 0;
  },
};
