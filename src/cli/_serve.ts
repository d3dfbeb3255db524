import { existsSync } from 'node:fs';
import { digestLookup } from '../bounces/index.js';
import { WebhookRouter } from '../bounces/webhooks/index.js';
import { parseBounceAddress, requireSecret } from '../deliver/index.js';
import { DigestError } from '../errors.js';
import { connectStore, isPostgresUrl } from '../store/index.js';
import { startWebServer } from '../web/index.js';
import { configFrom } from './_build-options.js';
import { type Command, stringFlag } from './_command.js';
import { warn } from './_output.js';
import { portFlag, serveUntilStopped } from './_serving.js';
import { openSignup } from './_signup.js';
import { DB_OPTION, storeTarget } from './_store-target.js';

const NOTES = `
Routes: POST /unsubscribe?token=... (RFC 8058 one-click, what mail clients send) unsubscribes at once;
GET /unsubscribe?token=... shows one button that does that POST; /resubscribe?token=... likewise;
/archive lists the digests sent, /archive/YYYY-MM-DD shows one, and /feed.xml (RSS), /atom.xml and
/feed.json (JSON Feed) list them for feed readers; /preferences?token=... is the "Manage
subscription" page of every digest (how often, topics, name, unsubscribe); with config
signup.enabled the front and archive pages carry a subscribe form (POST /subscribe) whose
confirmation email, sent through SMTP_URL as for \`send\`, links to /confirm?token=...; /healthz
answers 200 when the database can be read. DIGEST_SECRET (the one \`send\` signed the links with) is required; DIGEST_PUBLIC_URL is the
base URL the emails and feeds link to: serve this behind a reverse proxy with HTTPS there. This is
not the local preview (\`digest preview\`): it shows only what subscribers need. POST /webhooks/ses,
/webhooks/mailgun, /webhooks/postmark and /webhooks/generic take bounces and complaints from mail
providers, each only when its secret (or webhooks.sesTopicArns) is set; see docs/webhooks.md.
Ctrl-C stops the server.`;

/** `digest serve`: the public subscriber web server (unsubscribe, resubscribe, archive, health). */
export const serveCommand: Command = {
  name: 'serve',
  summary: 'Run the public subscriber web server: one-click unsubscribe and the archive of sent digests',
  options: {
    db: DB_OPTION,
    port: {
      type: 'string',
      valueName: 'N',
      description: 'Port to listen on, 0 for any free one (default: config serve.port, 8080)',
    },
    host: {
      type: 'string',
      valueName: 'addr',
      description: 'Interface to bind (default: config serve.host, 127.0.0.1)',
    },
    'trust-proxy': {
      type: 'boolean',
      description: 'Rate-limit by the last X-Forwarded-For address (only behind a proxy that sets it)',
    },
  },
  notes: NOTES,
  async run({ values }, ctx) {
    const config = configFrom(values, ctx, { db: stringFlag(values, 'db') });
    const secret = requireSecret(ctx.env);
    const port = portFlag(values, config.serve.port);
    const host = stringFlag(values, 'host') ?? config.serve.host;
    const target = storeTarget(ctx.cwd, config.db, ctx.env);
    // A mistyped --db must not start a server over a new, empty list where every link is refused.
    if (!isPostgresUrl(target) && !existsSync(target)) {
      throw new DigestError('E_DB', 'the database does not exist', {
        file: target,
        hint: 'pass the database `digest send` uses (--db FILE|URL or DIGEST_DB)',
      });
    }
    const signup = openSignup(config, ctx, secret);
    const store = await connectStore(target, { mustExist: isPostgresUrl(target) });
    const log = (line: string) => ctx.stderr.write(`${ctx.now().toISOString()} ${line}\n`);
    try {
      const bounce = parseBounceAddress(config.bounceAddress);
      const webhooks = new WebhookRouter({
        store,
        env: ctx.env,
        settings: config.webhooks,
        rules: config.bounces,
        verp: bounce && { bounce, secret },
        lookup: digestLookup(store.backend),
        log,
      });
      const server = await startWebServer({
        store,
        secret,
        ...signup.serverOptions(store),
        title: config.title,
        publicUrl: config.publicUrl,
        host,
        port,
        now: ctx.now,
        trustProxy: values['trust-proxy'] === true,
        log,
        webhooks,
      });
      ctx.stderr.write(
        `Serving the subscriber pages of ${store.description}; emails link to ${config.publicUrl}. Ctrl-C to stop.\n`,
      );
      ctx.stderr.write(`${signup.summary}\n`);
      const hooks = webhooks.enabled.map((name) => `/webhooks/${name}`);
      ctx.stderr.write(`Webhooks: ${hooks.length ? hooks.join(', ') : 'none enabled (docs/webhooks.md)'}\n`);
      if (!/^https:/i.test(config.publicUrl)) {
        warn(
          ctx,
          `DIGEST_PUBLIC_URL is ${config.publicUrl}; mailbox providers expect https unsubscribe links.`,
        );
      }
      return await serveUntilStopped(server, ctx, 'Stopping the subscriber web server.');
    } finally {
      await signup.close();
      await store.close();
    }
  },
};
