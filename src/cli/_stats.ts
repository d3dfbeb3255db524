import {
  BOUNCE_LIMIT,
  COMPLAINT_LIMIT,
  COMPLAINT_WARN,
  percent,
  RATE_WINDOW_DAYS,
  ratesOf,
  rateWarnings,
} from '../bounces/_stats.js';
import { loadConfig } from '../config/index.js';
import { DigestError } from '../errors.js';
import { deliveryStatsFor } from '../store/_delivery-stats.js';
import { connectStore } from '../store/index.js';
import { type Command, stringFlag } from './_command.js';
import { DB_OPTION, storeTarget } from './_store-target.js';

/** `digest stats`: per digest sent, what came back; the last 30 days against the providers' limits. */
export const statsCommand: Command = {
  name: 'stats',
  summary:
    'Per digest: sent, delivered, bounced, complaints, unsubscribes and their rates against the limits',
  usage: 'digest stats [--date YYYY-MM-DD] [--json]',
  options: {
    db: DB_OPTION,
    date: {
      type: 'string',
      valueName: 'YYYY-MM-DD',
      description: 'Only the digests of this date (default every digest sent)',
    },
    json: { type: 'boolean', description: 'Print one machine-readable JSON result on stdout' },
  },
  notes: `
Counts per digest: sent (the ledger), delivered (sent minus bounced), hard and soft bounces and
complaints (each address once, from \`digest bounces\`, the webhooks and the send's own 5xx
replies), and unsubscribes (addresses that unsubscribed after it went out and before the next digest).
Bounce rate = bounced / sent; complaint rate = complaints / delivered. The last ${RATE_WINDOW_DAYS} days are
checked against Gmail's 0.3 % complaint limit (a warning from 0.1 %) and a 2 % bounce rate; \`digest
send\` prints the same warnings.`,
  async run({ values }, ctx) {
    const date = stringFlag(values, 'date');
    if (date !== undefined && !/^\d{4}-\d\d-\d\d$/.test(date)) {
      throw new DigestError('E_USAGE', `--date must be YYYY-MM-DD (got "${date}")`, { field: '--date' });
    }
    const { config } = loadConfig(ctx.cwd, ctx.env, { db: stringFlag(values, 'db') });
    const store = await connectStore(storeTarget(ctx.cwd, config.db, ctx.env), { readonly: true });
    try {
      const stats = deliveryStatsFor(store.backend);
      const digests = (await stats.digestCounts({ date })).map((d) => ({ ...d, ...ratesOf(d) }));
      const now = ctx.now().getTime();
      const window = await stats.windowCounts(now - RATE_WINDOW_DAYS * 86_400_000, now + 1);
      const lastDays = {
        days: RATE_WINDOW_DAYS,
        ...window,
        ...ratesOf(window),
        warnings: rateWarnings(window),
      };
      const limits = {
        complaintRate: COMPLAINT_LIMIT,
        complaintWarn: COMPLAINT_WARN,
        bounceRate: BOUNCE_LIMIT,
      };
      if (values.json)
        ctx.stdout.write(`${JSON.stringify({ digests, last30Days: lastDays, limits }, null, 2)}\n`);
      else {
        const header = [
          'DATE',
          'DIGEST',
          'SENT',
          'DELIVERED',
          'HARD',
          'SOFT',
          'COMPLAINTS',
          'UNSUBS',
          'BOUNCE',
          'COMPLAINT',
        ];
        const cells = digests.map((d) => [
          d.date,
          d.digestKey,
          String(d.sent),
          String(d.delivered),
          String(d.hard),
          String(d.soft),
          String(d.complaints),
          String(d.unsubscribes),
          percent(d.bounceRate),
          percent(d.complaintRate),
        ]);
        const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] ?? '').length)));
        if (cells.length > 0) {
          const line = (c: string[]) =>
            c
              .map((v, i) => v.padEnd(widths[i] ?? 0))
              .join('  ')
              .trimEnd();
          ctx.stdout.write(`${[header, ...cells].map(line).join('\n')}\n`);
        }
      }
      for (const warning of lastDays.warnings) ctx.stderr.write(`warning: ${warning}\n`);
      ctx.stderr.write(
        `${digests.length} digest${digests.length === 1 ? '' : 's'}${date ? ` of ${date}` : ''}; last ${RATE_WINDOW_DAYS} days: ` +
          `${window.sent} sent, bounce rate ${percent(lastDays.bounceRate)} (limit 2 %), ` +
          `complaint rate ${percent(lastDays.complaintRate)} (Gmail's limit 0.3 %)\n`,
      );
      return 0;
    } finally {
      await store.close();
    }
  },
};
