import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadConfig } from '../config/index.js';
import { parseWeekday, WEEKDAYS } from '../editions/index.js';
import { DigestError } from '../errors.js';
import { type BounceEventRow, bounceEventsFor } from '../store/_bounce-events.js';
import {
  connectStore,
  FREQUENCIES,
  type Frequency,
  parseSubscriberCsv,
  type Store,
  type Subscriber,
  subscriberInput,
} from '../store/index.js';
import { actionOf, type CliContext, type Command, type OptionValues, stringFlag } from './_command.js';
import { textTable } from './_output.js';
import { DB_OPTION, storeTarget } from './_store-target.js';

const ACTIONS = ['import', 'add', 'remove', 'resubscribe', 'list'] as const;

const NOTES = `
Actions:
  import FILE.csv   Add or update subscribers from a CSV with the columns email, name (optional), topics
                    (optional, separated by ";"), frequency (optional: daily, weekly, paused) and weekday
                    (optional: mon ... sun). Invalid rows (bad address, CR/LF or other control
                    characters, duplicates in the file) are reported by line and skipped; the valid ones
                    are saved in one transaction. An address that unsubscribed stays unsubscribed.
  add EMAIL         Add one subscriber (--name, --topics, --frequency, --weekday), or update an existing
                    one. An address that unsubscribed stays unsubscribed, even after a remove.
  remove EMAIL      Delete a subscriber. The send ledger keeps what was sent to them, and an unsubscribe
                    stays on record: importing or adding the address again never re-subscribes it.
  resubscribe EMAIL Clear an address's unsubscribe, or its suppression after a bounce or complaint, and
                    make it active again (only on the person's request): the only way back.
  list              Print the subscribers with their state (active, unsubscribed, bounced, complained)
                    and last bounce or complaint (--json for machine-readable output).
Addresses compare case-insensitively (Ann@Example.COM and ann@example.com are one subscriber), as
mailbox providers do.`;

/** `digest subscribers import|add|remove|list`: manage the subscriber list in the database. */
export const subscribersCommand: Command = {
  name: 'subscribers',
  summary: 'Manage subscribers: import FILE.csv, add EMAIL, remove EMAIL, resubscribe EMAIL, list',
  usage:
    'digest subscribers <import FILE.csv | add EMAIL | remove EMAIL | resubscribe EMAIL | list> [options]',
  positionals: [
    { name: 'ACTION', description: `One of: ${ACTIONS.join(', ')}` },
    {
      name: 'ARG',
      description: 'The CSV file (import) or the address (add, remove, resubscribe)',
      optional: true,
    },
  ],
  options: {
    db: DB_OPTION,
    name: { type: 'string', valueName: 'NAME', description: 'Display name (add)' },
    topics: { type: 'string', valueName: 'a;b', description: 'Topics separated by ";" (add)' },
    frequency: {
      type: 'string',
      valueName: 'FREQ',
      choices: [...FREQUENCIES],
      description: 'How often they get the digest (add; default daily)',
    },
    weekday: {
      type: 'string',
      valueName: 'DAY',
      description: 'Day of the weekly edition, mon ... sun (add; default config editions.weeklyWeekday)',
    },
    status: {
      type: 'string',
      valueName: 'STATUS',
      choices: ['all', 'active', 'unsubscribed', 'bounced', 'complained'],
      description: 'Which subscribers to list, by state (default all)',
    },
    json: { type: 'boolean', description: 'Print one machine-readable JSON result on stdout' },
  },
  notes: NOTES,
  async run({ values, positionals }, ctx) {
    const action = actionOf(positionals, ACTIONS);
    const arg = positionals[1];
    const needsArg = action !== 'list';
    if (needsArg !== (arg !== undefined)) {
      throw new DigestError(
        'E_USAGE',
        needsArg
          ? `${action} needs ${action === 'import' ? 'a CSV file' : 'an address'}`
          : `list takes no argument`,
        {
          hint: `usage: digest subscribers ${action}${needsArg ? (action === 'import' ? ' FILE.csv' : ' EMAIL') : ''}`,
        },
      );
    }
    const target = storeTarget(
      ctx.cwd,
      loadConfig(ctx.cwd, ctx.env, { db: stringFlag(values, 'db') }).config.db,
      ctx.env,
    );
    // Only import and add create data (and the database); the others need an existing one, and
    // list only reads it, so a database in a folder this user can't write is still listed.
    const store = await connectStore(target, {
      now: () => ctx.now().getTime(),
      ...(action === 'list' ? { readonly: true } : {}),
      ...(action === 'import' || action === 'add' ? {} : { mustExist: true }),
    });
    try {
      if (action === 'import') return await importFile(store, arg as string, values, ctx);
      if (action === 'add') return await addOne(store, arg as string, values, ctx);
      if (action === 'remove') return await removeOne(store, arg as string, values, ctx);
      if (action === 'resubscribe') return await resubscribeOne(store, arg as string, values, ctx);
      return await list(store, values, ctx);
    } finally {
      await store.close();
    }
  },
};

async function importFile(
  store: Store,
  file: string,
  values: OptionValues,
  ctx: CliContext,
): Promise<number> {
  let text: string;
  try {
    text = readFileSync(resolve(ctx.cwd, file), 'utf8');
  } catch (cause) {
    throw new DigestError('E_IO', "can't read the subscriber file", { file, cause });
  }
  const { rows, problems } = parseSubscriberCsv(text);
  for (const p of problems) ctx.stderr.write(`${file}: line ${p.line}: ${p.message} (skipped)\n`);
  const counts = await store.subscribers.importMany(
    rows.map(({ email, name, topics, frequency, weekday }) => ({ email, name, topics, frequency, weekday })),
  );
  if (values.json) ctx.stdout.write(`${JSON.stringify({ file, ...counts, invalid: problems }, null, 2)}\n`);
  const parts = [
    `${counts.added} added`,
    `${counts.updated} updated`,
    `${counts.unchanged} unchanged`,
    counts.keptUnsubscribed > 0 && `${counts.keptUnsubscribed} kept unsubscribed`,
    problems.length > 0 && `${problems.length} invalid row${problems.length === 1 ? '' : 's'} skipped`,
  ].filter(Boolean);
  ctx.stderr.write(
    `Imported ${file}: ${rows.length} valid row${rows.length === 1 ? '' : 's'} (${parts.join(', ')})\n`,
  );
  // Skipped rows are reported, not fatal; a file with nothing usable is.
  return rows.length === 0 && problems.length > 0 ? 1 : 0;
}

async function addOne(store: Store, email: string, values: OptionValues, ctx: CliContext): Promise<number> {
  const input = subscriberInput(email, stringFlag(values, 'name') ?? '', stringFlag(values, 'topics') ?? '');
  const existing = await store.subscribers.findByEmail(input.email);
  // Keep what is stored when a flag is not given.
  const result = await store.subscribers.add({
    email: input.email,
    name: values.name === undefined && existing ? existing.name : input.name,
    topics: values.topics === undefined && existing ? existing.topics : input.topics,
    // Absent: a new subscriber gets the default, an existing one keeps theirs (see SubscriberInput).
    frequency: stringFlag(values, 'frequency') as Frequency | undefined,
    weekday: weekdayFlag(values),
  });
  if (values.json) ctx.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  const verb = result.created ? 'Added' : 'Updated';
  const stored = result.subscriber;
  const note = result.suppressed
    ? ` (unsubscribed ${new Date(stored.unsubscribedAt ?? 0).toISOString()}: stays unsubscribed; ` +
      `\`digest subscribers resubscribe ${stored.email}\` only if they asked to subscribe again)`
    : '';
  ctx.stderr.write(`${verb} ${stored.email}${note}\n`);
  return 0;
}

/** `--weekday mon` as the ISO weekday (1 = Monday), `--weekday default` as null, absent as undefined. */
function weekdayFlag(values: OptionValues): number | null | undefined {
  const raw = stringFlag(values, 'weekday');
  if (raw === undefined) return undefined;
  if (raw.trim().toLowerCase() === 'default') return null;
  const day = parseWeekday(raw);
  if (day === undefined) {
    throw new DigestError(
      'E_USAGE',
      `--weekday: "${raw}" is not a weekday; allowed: ${WEEKDAYS.join(', ')}, default`,
      {
        field: '--weekday',
      },
    );
  }
  return day;
}

async function resubscribeOne(
  store: Store,
  email: string,
  values: OptionValues,
  ctx: CliContext,
): Promise<number> {
  const outcome = await store.subscribers.resubscribe(subscriberInput(email).email);
  if (values.json) ctx.stdout.write(`${JSON.stringify({ email, ...outcome }, null, 2)}\n`);
  if (!outcome.subscriber) {
    if (!outcome.wasSuppressed) {
      throw new DigestError('E_SUBSCRIBER', `no subscriber ${email}`, {
        hint: 'see `digest subscribers list`',
      });
    }
    ctx.stderr.write(
      `Cleared the unsubscribe of ${email}; it is not on the list: \`digest subscribers add ${email}\` adds it\n`,
    );
    return 0;
  }
  ctx.stderr.write(
    `${outcome.wasSuppressed ? 'Re-subscribed' : 'Already subscribed:'} ${outcome.subscriber.email}\n`,
  );
  return 0;
}

async function removeOne(
  store: Store,
  email: string,
  values: OptionValues,
  ctx: CliContext,
): Promise<number> {
  const removed = await store.subscribers.remove(email);
  if (values.json) ctx.stdout.write(`${JSON.stringify({ email, removed }, null, 2)}\n`);
  if (!removed) {
    throw new DigestError('E_SUBSCRIBER', `no subscriber ${email}`, {
      hint: 'see `digest subscribers list`',
    });
  }
  ctx.stderr.write(`Removed ${email}\n`);
  return 0;
}

async function list(store: Store, values: OptionValues, ctx: CliContext): Promise<number> {
  const status = stringFlag(values, 'status') ?? 'all';
  const all = await withBounceState(store, await store.subscribers.list());
  const shown = status === 'all' ? all : all.filter((s) => s.state === status);
  if (values.json) ctx.stdout.write(`${JSON.stringify(shown, null, 2)}\n`);
  else ctx.stdout.write(table(shown));
  const active = all.filter((s) => s.status === 'active').length;
  const suppressed = all.filter((s) => s.state === 'bounced' || s.state === 'complained').length;
  // Pending: signed up on the web, not confirmed yet (never sent a digest).
  const pending = all.filter((s) => s.status === 'pending').length;
  const gone = all.length - active - suppressed - pending;
  const after = suppressed > 0 ? `, ${suppressed} suppressed after a bounce or complaint` : '';
  const waiting = pending > 0 ? `, ${pending} pending confirmation` : '';
  ctx.stderr.write(`${all.length} subscribers (${active} active, ${gone} unsubscribed${after}${waiting})\n`);
  return 0;
}

type Listed = Subscriber & { state: string; lastEvent: LastEvent | null };
type LastEvent = Pick<BounceEventRow, 'kind' | 'status' | 'source' | 'digestKey' | 'occurredAt'>;

/** Each subscriber's state (its status, or why its address is suppressed) and its last bounce event. */
async function withBounceState(store: Store, subscribers: Subscriber[]): Promise<Listed[]> {
  const events = bounceEventsFor(store.backend);
  const [suppressions, last] = await Promise.all([events.suppressions(), events.lastEvents()]);
  return subscribers.map((s) => {
    const reason = suppressions.get(s.id)?.suppressedReason;
    const event = last.get(s.id);
    return {
      ...s,
      state: s.status !== 'active' && (reason === 'bounced' || reason === 'complained') ? reason : s.status,
      lastEvent: event
        ? {
            kind: event.kind,
            status: event.status,
            source: event.source,
            digestKey: event.digestKey,
            occurredAt: event.occurredAt,
          }
        : null,
    };
  });
}

function lastEventText(event: LastEvent | null): string {
  if (!event) return '';
  const day = new Date(event.occurredAt).toISOString().slice(0, 10);
  return `${day} ${event.kind}${event.status ? ` ${event.status}` : ''} (${event.source})`;
}

function table(rows: Listed[]): string {
  if (rows.length === 0) return '';
  const cells = rows.map((s) => [s.email, s.name, s.state, s.topics.join(';'), lastEventText(s.lastEvent)]);
  const header = ['EMAIL', 'NAME', 'STATUS', 'TOPICS', 'LAST EVENT'];
  return textTable(header, cells);
}
