import { loadConfig } from '../config/index.js';
import { migrateTarget } from '../store/_db-migrate.js';
import { type DbStatus, dbStatus } from '../store/_db-status.js';
import { DELIVERY_STATES } from '../store/index.js';
import { actionOf, type Command, stringFlag } from './_command.js';
import { textTable } from './_output.js';
import { DB_OPTION, storeTarget } from './_store-target.js';

const ACTIONS = ['migrate', 'status'] as const;

const NOTES = `
migrate applies the schema steps this news-digest knows and the store lacks (one transaction on
PostgreSQL, under a lock, so two at once migrate once), creating the schema in an empty store, and
prints the version before and after; a store written by a newer news-digest is refused. Every
command also migrates the store it opens; run it once after an upgrade, before senders start.
status reads, without writing: the schema version, each digest with recipients still pending,
sending, failed_temp or unknown (its ledger rows by state), and the senders the store knows (their
worker id, pid, host, digest and how long their lease still runs; PostgreSQL: send_workers,
SQLite: send_locks). See docs/postgres.md.`;

/** `digest db migrate|status`: the schema of the store, and what is being sent from it now. */
export const dbCommand: Command = {
  name: 'db',
  summary: 'The store: migrate (apply pending schema steps), status (schema, digests in flight, senders)',
  usage: 'digest db <migrate | status> [options]',
  positionals: [{ name: 'ACTION', description: `One of: ${ACTIONS.join(', ')}` }],
  options: {
    db: DB_OPTION,
    json: { type: 'boolean', description: 'Print one machine-readable JSON result on stdout' },
  },
  notes: NOTES,
  async run({ values, positionals }, ctx) {
    const action = actionOf(positionals, ACTIONS, 'usage: digest db migrate, or digest db status');
    const { config } = loadConfig(ctx.cwd, ctx.env, { db: stringFlag(values, 'db') });
    const target = storeTarget(ctx.cwd, config.db, ctx.env);
    if (action === 'migrate') {
      const report = await migrateTarget(target);
      if (values.json) ctx.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      ctx.stderr.write(
        report.from === report.to
          ? `Schema of ${report.description} is up to date: version ${report.to}\n`
          : `Migrated ${report.description}: schema version ${report.from} -> ${report.to}\n`,
      );
      return 0;
    }
    const status = await dbStatus(target, { now: () => ctx.now().getTime() });
    if (values.json) ctx.stdout.write(`${JSON.stringify(status, null, 2)}\n`);
    else ctx.stdout.write(statusText(status));
    return 0;
  },
};

/** The status as an operator reads it: the schema line, then the two tables. */
export function statusText(status: DbStatus): string {
  const kind = status.store === 'postgres' ? 'PostgreSQL' : 'SQLite';
  const lines = [`Store: ${status.description} (${kind})`, `Schema: ${schemaLine(status)}`, ''];
  lines.push(`Digests in flight: ${status.inFlight.length === 0 ? 'none' : status.inFlight.length}`);
  if (status.inFlight.length > 0) {
    lines.push(
      textTable(
        ['DIGEST', ...DELIVERY_STATES.map((s) => s.toUpperCase())],
        status.inFlight.map((d) => [d.digestKey, ...DELIVERY_STATES.map((s) => String(d.counts[s]))]),
      ),
    );
  }
  lines.push('');
  const live = status.senders.filter((s) => s.live).length;
  const gone = status.senders.length - live;
  lines.push(
    `Senders: ${status.senders.length === 0 ? 'none' : `${live} live${gone > 0 ? `, ${gone} whose lease ran out` : ''}`}`,
  );
  if (status.senders.length > 0) {
    lines.push(
      textTable(
        ['WORKER', 'PID', 'HOST', 'DIGEST', 'LEASE'],
        status.senders.map((s) => [s.workerId, String(s.pid), s.host, s.digestKey, leaseText(s.leaseLeftMs)]),
      ),
    );
  }
  return `${lines.join('\n')}\n`;
}

function schemaLine(status: DbStatus): string {
  const { schemaVersion: have, knownVersion: known } = status;
  if (have === 0) return `none yet (this news-digest writes version ${known}; run \`digest db migrate\`)`;
  if (have < known) return `version ${have}, this news-digest knows ${known}: run \`digest db migrate\``;
  if (have > known) return `version ${have}, newer than this news-digest (${known}): upgrade news-digest`;
  return `version ${have} (up to date)`;
}

function leaseText(ms: number): string {
  const seconds = Math.round(Math.abs(ms) / 1000);
  return ms > 0 ? `${seconds} s left` : `ran out ${seconds} s ago`;
}
