import * as v from 'valibot';
import { timeZoneSuggestion } from '../did-you-mean.js';
import { contrastProblem, DARK_BACKGROUND, LIGHT_BACKGROUND } from '../render/_color.js';
import { DEFAULT_PRESS_WIRES } from '../select/_rank.js';

// valibot, not zod: the same checks for a tenth of the start-up (zod's import took about 100 ms
// and 11 MB of every command, a build of 100,000 files included; valibot's about 12 ms).

/** A local time of day, "7:00" or "07:00", kept as "07:00". */
const hhmm = v.pipe(
  v.string(),
  v.trim(),
  v.regex(/^([01]?\d|2[0-3]):[0-5]\d$/, 'use local time as HH:MM (24-hour clock), e.g. "07:00" or "7:00"'),
  v.transform((time) => time.padStart(5, '0')),
);

/** Time zone names are checked against the runtime's IANA database. */
const timeZoneSchema = v.pipe(
  v.string(),
  v.check(
    isTimeZone,
    (issue) =>
      `not an IANA time zone name${timeZoneSuggestion(String(issue.input))}; use e.g. "UTC", "Europe/Berlin" or "America/New_York"`,
  ),
);

/** An integer from `min` to `max` (inclusive), `fallback` when absent. */
const int = (min: number, max: number, fallback: number) =>
  v.optional(v.pipe(v.number(), v.integer(), v.minValue(min), v.maxValue(max)), fallback);

/** An enhanced status code pattern (RFC 3463), `x` for any number in a place: "5.1.x", "4.x.x", "5.2.2". */
const statusPattern = v.pipe(
  v.string(),
  v.trim(),
  v.regex(
    /^[245x]\.(\d{1,3}|x)\.(\d{1,3}|x)$/,
    'use an enhanced status code, x for any number, e.g. "5.1.x" or "5.2.2"',
  ),
);

/** A string, `fallback` when absent. */
const text = (fallback: string) => v.optional(v.string(), fallback);

export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** A hex colour that is WCAG AA as text on `background` (the message says the ratio and the fix). */
const accentColor = (background: string) =>
  v.pipe(
    v.string(),
    v.check(
      (c) => contrastProblem(c, background) === undefined,
      (issue) => contrastProblem(String(issue.input), background) ?? 'invalid colour',
    ),
  );

/** A logo or image size in CSS pixels. */
const imageSize = v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(600)));

/** The newsletter's look, read by the default templates (see docs/email.md). */
const brandSchema = v.strictObject({
  /** An https image shown before the name in the masthead. Default none. */
  logo: v.optional(
    v.strictObject({
      url: v.pipe(
        v.string(),
        v.url('use an absolute https URL'),
        v.startsWith('https://', 'use an https URL (mail clients block or warn on plain-http images)'),
      ),
      /** Default 40, or from height and a square logo. */
      width: imageSize,
      /** Default 40. */
      height: imageSize,
    }),
  ),
  /** Links, labels and the masthead rule; AA as text on white. Default `#0b57d0`. */
  accentColor: v.optional(accentColor(LIGHT_BACKGROUND), '#0b57d0'),
  /** The accent in dark mode, AA on the dark card colour. Default: accentColor lightened until it is. */
  accentColorDark: v.optional(accentColor(DARK_BACKGROUND)),
});

/** The whole configuration, with defaults. Every key is optional in the file. */
export const configSchema = v.strictObject({
  /** Folder of article `.md` files. Default `content`. */
  content: text('content'),
  /** Folder of Handlebars + MJML templates. Default `templates`. */
  templates: text('templates'),
  /** Where `build` writes `<date>/digest.*`. Default `out`. */
  out: text('out'),
  /** The store: a SQLite file, or a `postgres://` URL (subscribers, ledger, runs, archive). Default `data/digest.db`. */
  db: text('data/digest.db'),
  /** SQLite file of the build caches (content index, render cache). Default: the `db` file, or `data/cache.db` when `db` is a URL. */
  cacheDb: v.optional(v.string()),
  /** IANA time zone of the digest's calendar day. Default `UTC`. */
  timeZone: v.optional(timeZoneSchema, 'UTC'),
  /** Most items in one digest. Default 10. */
  top: int(1, 200, 10),
  /** Most items from one provider domain. Default 3. */
  perProvider: int(1, 200, 3),
  /** Most related links under one item. Default 3. */
  relatedPerItem: int(0, 50, 3),
  /** Title+excerpt similarity (0..1) from which two articles are one story (docs/selection.md). Default 0.3. */
  storySimilarity: v.optional(v.pipe(v.number(), v.minValue(0.05), v.maxValue(1)), 0.3),
  /** Provider domains of press-release wires, ranked below reporting. Default: PR Newswire, GlobeNewswire, Business Wire, … */
  pressWires: v.optional(v.array(v.pipe(v.string(), v.trim(), v.toLowerCase(), v.minLength(1))), [
    ...DEFAULT_PRESS_WIRES,
  ]),
  /** Only articles with one of these topics (empty: all). Default []. */
  includeTopics: v.optional(v.array(v.string()), []),
  /** Never articles with one of these topics. Default []. */
  excludeTopics: v.optional(v.array(v.string()), []),
  /** Largest HTML in bytes before items are trimmed (Gmail clips at about 102 KB). Default 102400. */
  sizeBudget: int(10_000, Number.MAX_SAFE_INTEGER, 100 * 1024),
  /** Name of the newsletter, shown in the header and the From name. Default "News Digest". */
  title: text('News Digest'),
  /** The From address; without a display name, `title` is the name (see senderOf). Default `"<title>" <digest@example.com>`; env DIGEST_FROM. */
  from: text(''),
  /** Handlebars template of the subject line, or empty to use templates/subject.hbs. Default "". */
  subject: text(''),
  /** Fixed text before the top story in the subject (`Prefix: Top story`); "" for none. Default: `title`. */
  subjectPrefix: v.optional(v.string()),
  /** Logo and accent colour of the email. Default: no logo, accent `#0b57d0`. */
  brand: v.optional(brandSchema, {}),
  /** The sender's postal address, shown in every footer (CAN-SPAM); lines split at newlines. Default "". */
  postalAddress: text(''),
  /** Handlebars line under the masthead, with `storyCount`, `outletCount`, `articleCount`. Default "" (the templates' own). */
  intro: text(''),
  /** Group the stories after the first: `off`, or `topics` (each story's first topic). Default `off`. */
  sections: v.optional(v.picklist(['off', 'topics']), 'off'),
  /** List-Id header value, e.g. `<daily.news.example.com>`. Default derived from `from`. */
  listId: text(''),
  /** Public base URL of the subscriber web (unsubscribe, archive); env DIGEST_PUBLIC_URL. Default `http://127.0.0.1:8080`. */
  publicUrl: v.optional(
    v.pipe(
      v.string(),
      // A space, CR or LF would break every unsubscribe link (and the List-Unsubscribe header).
      // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
      v.regex(/^[^\s\u0000-\u001f\u007f]*$/, 'must not contain spaces, CR, LF or other control characters'),
      v.url(),
    ),
    'http://127.0.0.1:8080',
  ),
  /** Optional `mailto:` address for List-Unsubscribe. Default none. */
  unsubscribeMailto: text(''),
  /** Return path of every message: `bounces@news.example.org` becomes the VERP envelope sender `bounces+<token>@…` (docs/bounces.md). Default "" (the From address, no VERP). */
  bounceAddress: text(''),
  /** What bounces and complaints do (docs/bounces.md). */
  bounces: v.optional(
    v.strictObject({
      /** Enhanced status codes that suppress at once (`x`: any number). Default ["5.1.x", "5.2.1", "5.4.4"]. */
      hard: v.optional(v.array(statusPattern), ['5.1.x', '5.2.1', '5.4.4']),
      /** Status codes counted as soft bounces. Default ["4.x.x", "5.2.2"]. */
      soft: v.optional(v.array(statusPattern), ['4.x.x', '5.2.2']),
      /** Soft bounces on as many different digests that suppress an address. Default 3. */
      softLimit: int(1, 100, 3),
      /** Days those soft bounces must fall within. Default 30. */
      softWindowDays: int(1, 365, 30),
      /** IMAP folder `bounces fetch` moves handled messages to; "" marks them seen instead. Default "". */
      fetchMoveTo: text(''),
    }),
    {},
  ),
  /** Feeds `digest fetch` reads into the content folder (docs/feeds.md). Default []. */
  feeds: v.optional(
    v.array(
      v.strictObject({
        /** The RSS, Atom or JSON Feed address, http(s). */
        url: v.pipe(
          v.string(),
          v.trim(),
          v.url('use the full address of the feed, e.g. "https://example.com/feed.xml"'),
          v.regex(/^https?:\/\//i, 'use an http or https address'),
        ),
        /** The outlet's name in the digest and the folder of its files. Default: the feed's title. */
        name: v.optional(v.pipe(v.string(), v.trim(), v.minLength(1))),
        /** Topics added to every item of this feed. Default []. */
        topics: v.optional(v.array(v.string()), []),
        /** A fixed quality score for every item of this feed. Default none. */
        quality: v.optional(v.pipe(v.number(), v.finite())),
      }),
    ),
    [],
  ),
  send: v.optional(
    v.strictObject({
      /** Pooled SMTP connections. Default 5. */
      connections: int(1, 50, 5),
      /** Messages per second, 0 for no limit. Default 0. */
      rateLimit: v.optional(v.pipe(v.number(), v.finite(), v.minValue(0)), 0),
      /** Attempts for a temporary (4xx) failure. Default 3. */
      maxAttempts: int(1, 20, 3),
      /** First retry delay in ms; doubles each attempt. Default 1000. */
      retryDelayMs: int(0, Number.MAX_SAFE_INTEGER, 1000),
      /** Consecutive failures after which the run stops. Default 20. */
      maxConsecutiveFailures: int(1, Number.MAX_SAFE_INTEGER, 20),
      /**
       * How long an SMTP connection may stay silent before it is given up, ms; a stalled server ends
       * the run after about this long, with at most one `unknown` message per connection. Default 60000.
       */
      inactivityLimitMs: int(100, 3_600_000, 60_000),
      /**
       * Shared sending (PostgreSQL): how long a sender's claim on its rows lasts without renewal, s; a
       * sender that dies leaves its rows to the others after about this long. Default 30.
       */
      leaseSeconds: int(1, 3600, 30),
    }),
    {},
  ),
  serve: v.optional(
    v.strictObject({
      /** Host of `digest serve`. Default 127.0.0.1. */
      host: text('127.0.0.1'),
      /** Port of `digest serve`. Default 8080. */
      port: int(0, 65535, 8080),
    }),
    {},
  ),
  /** The bounce and complaint webhooks of `digest serve`; their secrets come from the environment (docs/webhooks.md). */
  webhooks: v.optional(
    v.strictObject({
      /** SNS topic ARNs whose SES notifications /webhooks/ses accepts; empty turns it off. Default []. */
      sesTopicArns: v.optional(
        v.array(
          v.pipe(
            v.string(),
            v.trim(),
            v.regex(
              /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/,
              'use the topic ARN, e.g. "arn:aws:sns:us-east-1:123456789012:ses-bounces"',
            ),
          ),
        ),
        [],
      ),
      /** Oldest signature timestamp accepted (Mailgun, generic), seconds. Default 900. */
      maxAgeSeconds: int(30, 86_400, 900),
      /** Largest webhook request body, bytes. Default 1048576. */
      maxBodyBytes: int(1024, 10_485_760, 1_048_576),
    }),
    {},
  ),
  /** The subscribe form and confirmation mail of `digest serve` (docs/web.md). */
  signup: v.optional(
    v.strictObject({
      /** Show the subscribe form and accept POST /subscribe. Default false. */
      enabled: v.optional(v.boolean(), false),
      /** A signup stays pending until its emailed link is followed. Default true. */
      doubleOptIn: v.optional(v.boolean(), true),
      /** Topics offered on the form and the preference page; empty: those the digests carry. Default []. */
      topics: v.optional(v.array(v.pipe(v.string(), v.trim(), v.minLength(1), v.maxLength(64))), []),
      /** How long a confirmation link works, hours. Default 48. */
      confirmHours: int(1, 720, 48),
    }),
    {},
  ),
  schedule: v.optional(
    v.strictObject({
      /** Local send time, HH:MM. Default 07:00. */
      time: v.optional(hhmm, '07:00'),
      /** IANA time zone of the schedule; default: the top-level timeZone. */
      timeZone: v.optional(timeZoneSchema),
      /** `previous-day` (the local day before) or `last-24h`. Default previous-day. */
      window: v.optional(v.picklist(['previous-day', 'last-24h']), 'previous-day'),
      /** Latest local time, HH:MM, at which a missed run is still sent that day. Default 12:00. */
      catchUpUntil: v.optional(hhmm, '12:00'),
      /** Fewer items than this: no email that day. Default 1. */
      minItems: int(0, Number.MAX_SAFE_INTEGER, 1),
      /** Run `digest fetch` on the configured feeds before each scheduled send. Default false. */
      fetchBefore: v.optional(v.boolean(), false),
    }),
    {},
  ),
  /** Topic and weekly editions (src/editions, docs/editions.md). */
  editions: v.optional(
    v.strictObject({
      /** The weekday of the weekly edition for subscribers who chose none. Default mon. */
      weeklyWeekday: v.optional(v.picklist(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']), 'mon'),
      /** Handlebars subject line of the weekly edition. Default "This week in {{title}}: {{topHeadline}}". */
      weeklySubject: text('This week in {{title}}: {{topHeadline}}'),
      /** Handlebars line under the weekly edition's masthead. Default "This week in {{title}}: {{storyCount}} stories from {{outletCount}} outlets". */
      weeklyIntro: text('This week in {{title}}: {{storyCount}} stories from {{outletCount}} outlets'),
    }),
    {},
  ),
});

export type Config = v.InferOutput<typeof configSchema>;

/**
 * The From header of a config: `from` as given when it names a sender (`"Morning Brief"
 * <brief@news.example>`), else the newsletter's `title` as the name, at `from`'s address or the
 * placeholder `digest@example.com`. So renaming the newsletter renames the sender too.
 */
export function senderOf(config: Pick<Config, 'from' | 'title'>): string {
  const from = config.from.trim();
  if (/<[^>]*>/.test(from) && !/^\s*</.test(from)) return from;
  const address = from.replace(/^<|>$/g, '').trim() || 'digest@example.com';
  return `"${config.title.replace(/["\\]/g, '\\$&')}" <${address}>`;
}
