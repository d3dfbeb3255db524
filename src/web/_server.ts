import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { WebhookRouter } from '../bounces/webhooks/index.js';
import { requireSecret } from '../deliver/index.js';
import { DigestError } from '../errors.js';
import { answerClientErrors, closeServer, listenOnce, urlHost } from '../http/index.js';
import type { Store } from '../store/index.js';
import type { AccountDeps } from './_account.js';
import { type Archive, archiveFor } from './_archive.js';
import { MAX_BODY_BYTES } from './_body.js';
import type { SignupMailer } from './_confirm-mail.js';
import { handleRequest } from './_handler.js';
import { RateLimiter, type RateLimitSettings } from './_rate-limit.js';
import { RAW_BAD_REQUEST } from './_respond.js';
import type { SignupSettings } from './_signup.js';

/** How to run the public subscriber web server. */
export interface WebServerOptions {
  /** The open database: subscribers to (un)subscribe, the archive tables. */
  store: Pick<Store, 'backend' | 'subscribers'>;
  /** DIGEST_SECRET, which signed the tokens in the emails; at least MIN_SECRET_LENGTH characters. */
  secret: string;
  /** The newsletter's name for page titles (config `title`). Default "News Digest". */
  title?: string;
  /** Public base URL (config `publicUrl`), for the absolute links of /feed.xml, /atom.xml, /feed.json. Default: the server's own URL. */
  publicUrl?: string;
  /** Interface to bind. Default 127.0.0.1 (put a reverse proxy with HTTPS in front). */
  host?: string;
  /** Port; 0 picks a free one. Default 8080. */
  port?: number;
  /** The clock: token expiry and rate limits. Default `() => new Date()`. */
  now?: () => Date;
  /** One line per state change or error (the CLI writes them to stderr). Default: dropped. */
  log?: (line: string) => void;
  /**
   * Count rate limits by the last X-Forwarded-For address (the client as the reverse proxy saw
   * it) instead of the socket's. Only behind a proxy that sets it. Default false.
   */
  trustProxy?: boolean;
  /** Requests per client address to /unsubscribe and /resubscribe. Default 30 at once, 30 a minute. */
  rateLimit?: Partial<RateLimitSettings>;
  /** Largest request body, bytes. Default 4096. */
  maxBodyBytes?: number;
  /** Where sent digests are listed and read. Default: the `digests` and `web_copies` tables of the store (archiveFor). */
  archive?: Archive;
  /**
   * Config `signup` and the mailer of its confirmation mails (see signupMailer). Default: off, no
   * form, /subscribe and /confirm are 404s. Enabled without a mailer: E_SMTP_CONFIG.
   */
  signup?: SignupSettings & { mailer?: SignupMailer };
  /** POSTs to /subscribe per client address. Default 5 at once, 1 a minute. */
  signupRateLimit?: Partial<RateLimitSettings>;
  /** Signups per address, whoever posts them. Default 3 at once, 3 an hour. */
  addressRateLimit?: Partial<RateLimitSettings>;
  /** The weekday (1 = Monday ... 7) the preference page shows for a weekly reader who chose none. Default 1. */
  defaultWeekday?: number;
  /** How long a client may take to send its request headers, ms. Default 10000. */
  headersTimeoutMs?: number;
  /** The bounce and complaint webhooks, POST /webhooks/<provider> (see docs/webhooks.md). Default: none, those paths are 404s. */
  webhooks?: WebhookRouter;
}

/** A running web server. */
export interface WebServer {
  /** e.g. `http://127.0.0.1:8080/` */
  url: string;
  host: string;
  port: number;
  /** Stop accepting, end open connections, and resolve when closed. */
  close(): Promise<void>;
}

/**
 * Start the public subscriber web server: one-click unsubscribe (RFC 8058), subscribe again, the
 * archive of sent digests, and /healthz. Refuses to start without a DIGEST_SECRET of reasonable
 * length (E_SECRET), since every link it honours is signed with it.
 */
export async function startWebServer(options: WebServerOptions): Promise<WebServer> {
  const secret = requireSecret({ DIGEST_SECRET: options.secret });
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 8080;
  const log = options.log ?? (() => {});
  const now = options.now ?? (() => new Date());
  const archive = options.archive ?? archiveFor(options.store.backend);
  const site = options.title ?? 'News Digest';
  const signup = options.signup?.enabled ? options.signup : undefined;
  if (signup && !signup.mailer) {
    throw new DigestError(
      'E_SMTP_CONFIG',
      'signup.enabled needs SMTP settings to send the confirmation emails',
      {
        field: 'SMTP_URL',
        hint: 'set SMTP_URL (or SMTP_HOST and friends) as for `digest send`, or set signup.enabled to false',
      },
    );
  }
  // Config topics, else those of the digests kept in the archive (read when a page needs them).
  const topics = async () => (options.signup?.topics.length ? options.signup.topics : archive.topics());
  const inFlight = new Set<Promise<unknown>>();
  const account: AccountDeps = {
    preferences: {
      site,
      secret,
      subscribers: options.store.subscribers,
      topics,
      defaultWeekday: options.defaultWeekday ?? 1,
      now,
      log,
    },
    signupLimiter: new RateLimiter({ burst: 5, perMinute: 1, ...options.signupRateLimit }),
  };
  const deps = {
    site,
    // Known once the server listens when not given (port 0 picks one).
    publicUrl: options.publicUrl ?? '',
    secret,
    subscribers: options.store.subscribers,
    archive,
    limiter: new RateLimiter(options.rateLimit),
    maxBodyBytes: options.maxBodyBytes ?? MAX_BODY_BYTES,
    now,
    clientAddress: options.trustProxy ? forwardedAddress : socketAddress,
    log,
    webhooks: options.webhooks,
    account,
  };
  // Slow clients must not hold sockets open forever (each request is small and quick). Node checks
  // these timeouts only every connectionsCheckingInterval (default 30 s, so a slow-header socket
  // lived ~30 s whatever the setting): check often enough to honour them.
  const headersTimeout = options.headersTimeoutMs ?? 10_000;
  const server = createServer(
    { connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(headersTimeout / 4))) },
    (req, res) => void handleRequest(deps, req, res),
  );
  server.headersTimeout = headersTimeout;
  server.requestTimeout = Math.max(20_000, 2 * headersTimeout);
  answerClientErrors(server, RAW_BAD_REQUEST);
  await listen(server, host, port);
  const bound = (server.address() as AddressInfo).port;
  deps.publicUrl ||= `http://${urlHost(host)}:${bound}`;
  if (signup?.mailer) {
    account.signup = {
      site,
      publicUrl: deps.publicUrl,
      secret,
      settings: signup,
      subscribers: options.store.subscribers,
      mailer: signup.mailer,
      addressLimiter: new RateLimiter({ burst: 3, perMinute: 3 / 60, ...options.addressRateLimit }),
      topics,
      inFlight,
      now,
      log,
    };
  }
  let closing: Promise<void> | undefined;
  return {
    url: `http://${urlHost(host)}:${bound}/`,
    host,
    port: bound,
    close() {
      // Signup mails go out after their answer: let those under way finish before the store closes.
      closing ??= closeServer(server).then(() => Promise.allSettled([...inFlight]).then(() => undefined));
      return closing;
    },
  };
}

function socketAddress(req: IncomingMessage): string {
  return req.socket.remoteAddress ?? 'unknown';
}

/** The address the reverse proxy appended last; the ones before it are whatever the client claimed. */
function forwardedAddress(req: IncomingMessage): string {
  const header = req.headers['x-forwarded-for'];
  const value = Array.isArray(header) ? header.join(',') : (header ?? '');
  const last = value.split(',').pop()?.trim();
  return last || socketAddress(req);
}

/** Bind, or explain why not: the port is taken, needs privileges, or the host is not ours. */
async function listen(server: Server, host: string, port: number): Promise<void> {
  try {
    await listenOnce(server, host, port);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new DigestError('E_IO', `cannot listen on ${host}:${port}`, {
      field: '--port',
      hint:
        code === 'EADDRINUSE'
          ? `port ${port} is taken; pass another --port (0 picks any free one)`
          : code === 'EACCES'
            ? 'ports below 1024 need privileges; use a port like 8080 behind the reverse proxy'
            : 'check --host names an address of this machine',
      cause: error,
    });
  }
}
