import { type Config, senderOf } from '../config/index.js';
import {
  createSmtpTransport,
  type DeliveryTransport,
  dkimFromEnv,
  dkimSigner,
  parseBounceAddress,
  verpAddress,
} from '../deliver/index.js';
import type { Store } from '../store/index.js';
import { signupMailer, type WebServerOptions } from '../web/index.js';
import type { CliContext } from './_command.js';
import { requireSmtpSettings } from './_send-built.js';

const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

/** What `digest serve` gives the web server for signup and the preference page. */
export interface ServeSignup {
  serverOptions(store: Pick<Store, 'ledger'>): Pick<WebServerOptions, 'signup' | 'defaultWeekday'>;
  /** One line for the start-up log: whether signup is on, and how its emails go. */
  summary: string;
  /** Let go of the SMTP connection, if one was opened. */
  close(): Promise<void>;
}

/**
 * Config `signup` for `digest serve`: with `signup.enabled`, the confirmation emails go through
 * the digest's own SMTP settings (SMTP_URL ..., E_SMTP_CONFIG when there are none), DKIM and
 * VERP bounce address, on one connection, and are recorded in the store's ledger.
 */
export function openSignup(
  config: Config,
  ctx: Pick<CliContext, 'env' | 'cwd' | 'now'>,
  secret: string,
): ServeSignup {
  let transport: DeliveryTransport | undefined;
  if (config.signup.enabled) {
    const smtp = requireSmtpSettings(
      ctx.env,
      'signup.enabled needs SMTP settings to send the confirmation emails',
      ', or set signup.enabled to false',
    );
    transport = createSmtpTransport(smtp, { connections: 1, socketTimeoutMs: config.send.inactivityLimitMs });
  }
  const dkim = transport ? dkimFromEnv(ctx.env, ctx.cwd) : undefined;
  const bounce = parseBounceAddress(config.bounceAddress);
  const summary = transport
    ? `Signup: on (${config.signup.doubleOptIn ? 'double opt-in' : 'no confirmation: active at once'}); its emails go through ${transport.description}`
    : 'Signup: off (config signup.enabled)';
  return {
    summary,
    serverOptions: (store) => ({
      signup: {
        ...config.signup,
        mailer:
          transport &&
          signupMailer({
            transport,
            ledger: store.ledger,
            from: senderOf(config),
            signer: dkim ? dkimSigner(dkim) : undefined,
            envelopeFrom: bounce && ((id, key) => verpAddress(bounce, id, key, secret)),
            now: ctx.now,
          }),
      },
      defaultWeekday: weekdayNumber(config),
    }),
    close: async () => transport?.close(),
  };
}

/** Config editions.weeklyWeekday (`mon` ... `sun`) as 1-7; Monday when it is not set. */
function weekdayNumber(config: object): number {
  const editions = (config as { editions?: { weeklyWeekday?: string } }).editions;
  return WEEKDAYS.indexOf(editions?.weeklyWeekday ?? 'mon') + 1 || 1;
}
