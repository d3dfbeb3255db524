import { type BounceAddress, findVerp } from '../../deliver/_verp.js';
import { DigestError } from '../../errors.js';
import type { Store } from '../../store/_store.js';
import type { DigestLookup } from '../_classify.js';
import { type BounceEvent, type RecordOutcome, recordEvents, recordUnrecognised } from '../_event.js';
import { type BounceRules, DEFAULT_BOUNCE_RULES } from '../_rules.js';
import { fetchText } from './_fetch.js';
import { genericProvider } from './_generic.js';
import { mailgunProvider } from './_mailgun.js';
import { postmarkProvider } from './_postmark.js';
import { sesProvider } from './_ses.js';
import type { CertificateFetcher } from './_sns.js';
import type { ProviderEvent, WebhookProvider, WebhookRequest } from './_types.js';
import { ReplayGuard } from './_verify.js';

/** The endpoints, each at `POST /webhooks/<name>`. */
export const WEBHOOK_PROVIDERS = ['ses', 'mailgun', 'postmark', 'generic'] as const;
export type WebhookProviderName = (typeof WEBHOOK_PROVIDERS)[number];

/** Shortest DIGEST_WEBHOOK_SECRET accepted, characters. */
export const MIN_WEBHOOK_SECRET_LENGTH = 32;

/** The config side of the webhooks (config `webhooks`). */
export interface WebhookSettings {
  /** SNS topics whose SES notifications are accepted; empty: /webhooks/ses is off. Default []. */
  sesTopicArns: string[];
  /** Oldest signature timestamp accepted (Mailgun, generic), seconds. Default 900. */
  maxAgeSeconds: number;
  /** Largest webhook body, bytes. Default 1048576. */
  maxBodyBytes: number;
}

export const DEFAULT_WEBHOOK_SETTINGS: WebhookSettings = {
  sesTopicArns: [],
  maxAgeSeconds: 900,
  maxBodyBytes: 1_048_576,
};

/** What the router needs. */
export interface WebhookRouterOptions {
  /** Where events are recorded (recordEvents). */
  store: Pick<Store, 'backend'>;
  /** The secrets: MAILGUN_WEBHOOK_SIGNING_KEY, POSTMARK_WEBHOOK_USER/_PASSWORD, DIGEST_WEBHOOK_SECRET. */
  env: Record<string, string | undefined>;
  settings?: Partial<WebhookSettings>;
  /** The bounce rules (config `bounces`). Default DEFAULT_BOUNCE_RULES. */
  rules?: BounceRules;
  /** Gets an SNS signing certificate. Default: fetchText (5 s, 64 KB). */
  fetchCertificate?: CertificateFetcher;
  /** Confirms an SNS subscription by GETting its SubscribeURL. Default: fetchText. */
  visit?: (url: string) => Promise<void>;
  /** config bounceAddress and DIGEST_SECRET: the VERP envelope sender a provider reports names the subscriber and digest. */
  verp?: { bounce: BounceAddress; secret: string };
  /** Finds the digest of a VERP reference or an original Message-ID (bounces' digestLookup). Default: none, events keep no digest. */
  lookup?: WebhookLookup;
  /** One line per refusal and per recorded request. Default: dropped. */
  log?: (line: string) => void;
}

/** The digest of a VERP reference or of an original Message-ID (the shape of src/bounces' DigestLookup). */
export type WebhookLookup = DigestLookup;

/** An HTTP answer to a webhook request. */
export interface WebhookAnswer {
  status: number;
  /** JSON for 200, one line of text otherwise. */
  body: string;
  type: string;
  headers?: Record<string, string>;
}

/** What a 200 says: the counts of recordEvents, plus what was ignored or kept as unreadable. */
export interface WebhookResult {
  recorded: number;
  duplicates: number;
  suppressed: number;
  ignored: number;
  unrecognised: number;
}

/**
 * The webhooks of `digest serve`: a provider is enabled only when its secret is configured (an
 * unconfigured one answers 404), every request is verified before anything is read into the
 * database (401 and nothing changed otherwise), and what passes goes through recordEvents, the one
 * recording step, idempotent by each event's provider id.
 */
export class WebhookRouter {
  readonly maxBodyBytes: number;
  readonly #providers = new Map<WebhookProviderName, WebhookProvider>();
  readonly #store: Pick<Store, 'backend'>;
  readonly #rules: BounceRules;
  readonly #log: (line: string) => void;
  readonly #verp: WebhookRouterOptions['verp'];
  readonly #lookup: WebhookLookup | undefined;

  constructor(options: WebhookRouterOptions) {
    const settings = { ...DEFAULT_WEBHOOK_SETTINGS, ...options.settings };
    const env = options.env;
    this.maxBodyBytes = settings.maxBodyBytes;
    this.#store = options.store;
    this.#rules = options.rules ?? DEFAULT_BOUNCE_RULES;
    this.#log = options.log ?? (() => {});
    this.#verp = options.verp;
    this.#lookup = options.lookup;
    const replays = new ReplayGuard();
    const { maxAgeSeconds } = settings;
    if (settings.sesTopicArns.length > 0) {
      const visit = options.visit ?? (async (url: string) => void (await fetchText(url)));
      this.#providers.set(
        'ses',
        sesProvider({
          topicArns: settings.sesTopicArns,
          fetchCertificate: options.fetchCertificate ?? fetchText,
          visit,
        }),
      );
    }
    if (env.MAILGUN_WEBHOOK_SIGNING_KEY) {
      this.#providers.set(
        'mailgun',
        mailgunProvider({ signingKey: env.MAILGUN_WEBHOOK_SIGNING_KEY, maxAgeSeconds, replays }),
      );
    }
    const user = env.POSTMARK_WEBHOOK_USER;
    const password = env.POSTMARK_WEBHOOK_PASSWORD;
    if (Boolean(user) !== Boolean(password)) {
      throw new DigestError(
        'E_CONFIG',
        'only one of POSTMARK_WEBHOOK_USER and POSTMARK_WEBHOOK_PASSWORD is set',
        {
          field: user ? 'POSTMARK_WEBHOOK_PASSWORD' : 'POSTMARK_WEBHOOK_USER',
          hint: 'set both (the basic-auth user and password in the webhook URL given to Postmark), or neither to turn /webhooks/postmark off',
        },
      );
    }
    if (user && password) this.#providers.set('postmark', postmarkProvider({ user, password }));
    const secret = env.DIGEST_WEBHOOK_SECRET;
    if (secret) {
      if (secret.length < MIN_WEBHOOK_SECRET_LENGTH) {
        throw new DigestError(
          'E_SECRET',
          `DIGEST_WEBHOOK_SECRET is ${secret.length} characters; it must be at least ${MIN_WEBHOOK_SECRET_LENGTH}`,
          {
            field: 'DIGEST_WEBHOOK_SECRET',
            hint: 'set it to a long random value, e.g. `openssl rand -hex 32`, and give the same to the sender',
          },
        );
      }
      this.#providers.set('generic', genericProvider({ secret, maxAgeSeconds, replays }));
    }
  }

  /** The enabled endpoints, in WEBHOOK_PROVIDERS order. */
  get enabled(): WebhookProviderName[] {
    return WEBHOOK_PROVIDERS.filter((name) => this.#providers.has(name));
  }

  /** True when `name` is an enabled endpoint. */
  has(name: string): name is WebhookProviderName {
    return this.#providers.has(name as WebhookProviderName);
  }

  /**
   * Answer one POST to /webhooks/<name>: 404 when not enabled, the provider's 400/401/403 when it
   * refuses, else 200 with the counts. A failure while recording releases the request's replay
   * nonce and is thrown (the server answers 500, and the provider's retry is accepted).
   */
  async handle(name: string, request: WebhookRequest, now: Date): Promise<WebhookAnswer> {
    const provider = this.has(name) ? this.#providers.get(name) : undefined;
    if (!provider) return text(404, `webhook ${name} is not enabled`);
    const received = await provider.receive(request, now);
    if (!received.ok) {
      this.#log(`webhook ${name}: refused (${received.status}): ${received.reason}`);
      return text(received.status, received.reason, received.headers);
    }
    let outcome: RecordOutcome;
    let unrecognised: number;
    try {
      const clock = { now: () => now.getTime() };
      const events: BounceEvent[] = [];
      for (const event of received.events) events.push(await this.#withOrigin(event));
      outcome = await recordEvents(this.#store, events, this.#rules, clock);
      unrecognised = await recordUnrecognised(this.#store, received.unrecognised, clock);
    } catch (error) {
      provider.release?.(request);
      throw error;
    }
    const result: WebhookResult = {
      recorded: outcome.recorded,
      duplicates: outcome.duplicates,
      suppressed: outcome.suppressed.length,
      ignored: received.ignored,
      unrecognised,
    };
    const suppressed = outcome.suppressed.map((s) => `${s.email} (${s.reason})`).join(', ');
    this.#log(
      `webhook ${name}: ${received.note ? `${received.note}; ` : ''}${result.recorded} recorded, ${result.duplicates} already known, ` +
        `${result.ignored} ignored, ${result.unrecognised} unrecognised${suppressed ? `; suppressed ${suppressed}` : ''}`,
    );
    return { status: 200, type: 'application/json', body: `${JSON.stringify(result)}\n` };
  }

  /**
   * The event with the subscriber and digest of the message it is about, when the provider
   * reported a VERP envelope sender (signed: it names the subscriber) or a Message-ID the ledger
   * knows; else as the provider said it (the recipient's address, no digest).
   */
  async #withOrigin({ hints, ...event }: ProviderEvent): Promise<BounceEvent> {
    if (event.digestKey || !hints) return event;
    const verp =
      hints.returnPath && this.#verp
        ? findVerp(hints.returnPath, this.#verp.bounce, this.#verp.secret)
        : undefined;
    if (verp) {
      const digestKey = await this.#lookup?.digestByRef(verp.digestRef);
      return { ...event, subscriberId: verp.subscriberId, ...(digestKey ? { digestKey } : {}) };
    }
    const original = hints.messageId ? await this.#lookup?.original(hints.messageId, event.email) : undefined;
    return original ? { ...event, ...original } : event;
  }
}

function text(status: number, line: string, headers?: Record<string, string>): WebhookAnswer {
  return { status, type: 'text/plain; charset=utf-8', body: `${line}\n`, headers };
}
