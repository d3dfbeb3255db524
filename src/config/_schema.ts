import { z } from 'zod';

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'use local time as HH:MM, e.g. "07:00"');

/** Time zone names are checked against the runtime's IANA database. */
export const timeZoneSchema = z.string().refine(isTimeZone, {
  message: 'not an IANA time zone name; use e.g. "UTC", "Europe/Berlin" or "America/New_York"',
});

export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** The whole configuration, with defaults. Every key is optional in the file. */
export const configSchema = z
  .object({
    /** Folder of article `.md` files. Default `content`. */
    content: z.string().default('content'),
    /** Folder of Handlebars + MJML templates. Default `templates`. */
    templates: z.string().default('templates'),
    /** Where `build` writes `<date>/digest.*`. Default `out`. */
    out: z.string().default('out'),
    /** SQLite database file (subscribers, ledger, runs, content index). Default `data/digest.db`. */
    db: z.string().default('data/digest.db'),
    /** IANA time zone of the digest's calendar day. Default `UTC`. */
    timeZone: timeZoneSchema.default('UTC'),
    /** Most items in one digest. Default 10. */
    top: z.number().int().min(1).max(200).default(10),
    /** Most items from one provider domain. Default 3. */
    perProvider: z.number().int().min(1).max(200).default(3),
    /** Most related links under one item. Default 3. */
    relatedPerItem: z.number().int().min(0).max(50).default(3),
    /** Title token overlap (0..1) above which two articles are the same story. Default 0.8. */
    titleSimilarity: z.number().min(0).max(1).default(0.8),
    /** Only articles with one of these topics (empty: all). Default []. */
    includeTopics: z.array(z.string()).default([]),
    /** Never articles with one of these topics. Default []. */
    excludeTopics: z.array(z.string()).default([]),
    /** Largest HTML in bytes before items are trimmed (Gmail clips at about 102 KB). Default 102400. */
    sizeBudget: z
      .number()
      .int()
      .min(10_000)
      .default(100 * 1024),
    /** Name of the newsletter, shown in the header and the From name. Default "News Digest". */
    title: z.string().default('News Digest'),
    /** The From address. Default `"News Digest" <digest@example.com>`; env DIGEST_FROM. */
    from: z.string().default('"News Digest" <digest@example.com>'),
    /** Handlebars template of the subject line, or empty to use templates/subject.hbs. Default "". */
    subject: z.string().default(''),
    /** List-Id header value, e.g. `<daily.news.example.com>`. Default derived from `from`. */
    listId: z.string().default(''),
    /** Public base URL of the subscriber web (unsubscribe, archive); env DIGEST_PUBLIC_URL. Default `http://127.0.0.1:8080`. */
    publicUrl: z.string().url().default('http://127.0.0.1:8080'),
    /** Optional `mailto:` address for List-Unsubscribe. Default none. */
    unsubscribeMailto: z.string().default(''),
    send: z
      .object({
        /** Pooled SMTP connections. Default 5. */
        connections: z.number().int().min(1).max(50).default(5),
        /** Messages per second, 0 for no limit. Default 0. */
        rateLimit: z.number().min(0).default(0),
        /** Attempts for a temporary (4xx) failure. Default 3. */
        maxAttempts: z.number().int().min(1).max(20).default(3),
        /** First retry delay in ms; doubles each attempt. Default 1000. */
        retryDelayMs: z.number().int().min(0).default(1000),
        /** Consecutive failures after which the run stops. Default 20. */
        maxConsecutiveFailures: z.number().int().min(1).default(20),
      })
      .prefault({}),
    serve: z
      .object({
        /** Host of `digest serve`. Default 127.0.0.1. */
        host: z.string().default('127.0.0.1'),
        /** Port of `digest serve`. Default 8080. */
        port: z.number().int().min(0).max(65535).default(8080),
      })
      .prefault({}),
    schedule: z
      .object({
        /** Local send time, HH:MM. Default 07:00. */
        time: hhmm.default('07:00'),
        /** IANA time zone of the schedule; default: the top-level timeZone. */
        timeZone: timeZoneSchema.optional(),
        /** `previous-day` (the local day before) or `last-24h`. Default previous-day. */
        window: z.enum(['previous-day', 'last-24h']).default('previous-day'),
        /** Latest local time, HH:MM, at which a missed run is still sent that day. Default 12:00. */
        catchUpUntil: hhmm.default('12:00'),
        /** Fewer items than this: no email that day. Default 1. */
        minItems: z.number().int().min(0).default(1),
      })
      .prefault({}),
  })
  .strict();

export type Config = z.infer<typeof configSchema>;
