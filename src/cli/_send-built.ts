import { resolve } from 'node:path';
import { afterSend } from '../bounces/_after-send.js';
import { type Config, senderOf } from '../config/index.js';
import type { BounceNotes } from '../deliver/_summary.js';
import {
  type DeliveryTransport,
  parseBounceAddress,
  type SendDeps,
  type SendInput,
  type SendReport,
  type SmtpSettings,
  type SmtpTransportOptions,
  sendDigest,
  smtpFromEnv,
  verpTransport,
} from '../deliver/index.js';
import { DigestError } from '../errors.js';
import { type BuildResult, writeDigest } from '../pipeline.js';
import { postalAddressWarning } from '../render/index.js';
import type { BackendLike } from '../store/_backend.js';
import { addressKey } from '../store/index.js';
import { saveWebCopy } from '../web/index.js';
import type { CliContext } from './_command.js';
import { warn } from './_output.js';

/** How one built digest is sent: who to, through what, and the send options of `SendInput`. */
export interface BuiltDigestSend
  extends Omit<SendDeps, 'transport'>,
    Pick<SendInput, 'secret' | 'retryFailed' | 'resendUnknown' | 'markUnknownSent' | 'messageIdSeed'> {
  config: Config;
  /** Folders in `config` (`out`) are relative to this. */
  cwd: string;
  /**
   * The list's store on a real send to the list (its backend, or a SQLite handle): it keeps the
   * web archive's copy (digest serve), and the send's own 5xx rejections are recorded there as
   * bounces (see afterSend). Omit for dry runs and test copies.
   */
  webCopyDb?: BackendLike;
  /** Opened after OUT/<date> and the web copy are written, closed when the send ends. */
  openTransport: () => DeliveryTransport | Promise<DeliveryTransport>;
  /** Called with the open transport just before the first message (the "Sending digest" line). */
  onStart?: (transport: DeliveryTransport) => void;
}

/**
 * Send a built digest the one way `digest send`, `digest run` and `digest schedule` all do it:
 * 1. write OUT/<date>/digest.{html,txt,mjml,json};
 * 2. keep the web archive's copy (frozen once the first message of the digest goes out);
 * 3. open the transport and `sendDigest` through the ledger, with the message settings of `config`;
 * 4. on a send to the list: record its own 5xx rejections as bounces, count the suppressed, and
 *    check the last 30 days' complaint and bounce rates (see afterSend);
 * 5. close the transport, whatever happened.
 */
export async function sendBuiltDigest(
  built: BuildResult,
  send: BuiltDigestSend,
): Promise<SendReport & BounceNotes> {
  const { config } = send;
  if (!built.rendered) {
    throw new DigestError('E_TEMPLATE', `the digest ${built.digestKey} has no rendered email`);
  }
  const bounce = parseBounceAddress(config.bounceAddress);
  await writeDigest(built, resolve(send.cwd, config.out), config.publicUrl);
  // A shared ledger (PostgreSQL) keeps the web copy of the stored copy, which every sender sends
  // (see onSharedCopy), not of this machine's build, which may differ.
  const webCopyDb = send.webCopyDb;
  if (webCopyDb && !send.ledger.shared) await saveWebCopy(webCopyDb, built, config.publicUrl);
  const opened = await send.openTransport();
  // With a bounce address, each message's envelope sender names its subscriber and digest (VERP).
  const transport = bounce
    ? verpTransport(opened, {
        bounce,
        digestKey: built.digestKey,
        secret: send.secret,
        subscriberIdOf: subscriberIds(send.subscribers),
      })
    : opened;
  try {
    send.onStart?.(transport);
    const report: SendReport & BounceNotes = await sendDigest(
      {
        digestKey: built.digestKey,
        date: built.window.date,
        rendered: built.rendered,
        items: built.selection.items.length,
        message: {
          from: senderOf(config),
          listId: config.listId,
          unsubscribeMailto: config.unsubscribeMailto,
          digestKey: built.digestKey,
        },
        publicUrl: config.publicUrl,
        secret: send.secret,
        settings: config.send,
        retryFailed: send.retryFailed,
        resendUnknown: send.resendUnknown,
        markUnknownSent: send.markUnknownSent,
        messageIdSeed: send.messageIdSeed,
      },
      {
        subscribers: send.subscribers,
        ledger: send.ledger,
        transport,
        signer: send.signer,
        now: send.now,
        onProgress: send.onProgress,
        signal: send.signal,
        onSharedCopy: webCopyDb
          ? (parts) => saveWebCopy(webCopyDb, { ...built, rendered: parts }, config.publicUrl)
          : undefined,
      },
    );
    if (send.webCopyDb) {
      const now = (send.now ?? (() => new Date()))().getTime();
      const skipped = (await send.subscribers.list()).filter((s) => s.status !== 'active').map((s) => s.id);
      report.bounces = await afterSend(send.webCopyDb, report, config.bounces, now, skipped);
    }
    return report;
  } finally {
    await transport.close();
  }
}

/** Subscriber ids by address key, read once at the first message (after the send has listed them). */
function subscriberIds(
  subscribers: BuiltDigestSend['subscribers'],
): (key: string) => Promise<number | undefined> {
  let ids: Promise<Map<string, number>> | undefined;
  return async (key) => {
    ids ??= subscribers.list().then((all) => new Map(all.map((s) => [addressKey(s.email), s.id])));
    return (await ids).get(key);
  };
}

/** The SMTP pool options of `config.send`: connections, and the inactivity limit as socket timeout. */
export function smtpTransportOptions(config: Config): SmtpTransportOptions {
  return { connections: config.send.connections, socketTimeoutMs: config.send.inactivityLimitMs };
}

/**
 * SMTP settings from the environment, or E_SMTP_CONFIG: `message` says why they are needed here,
 * `orElse` what else the user can do (e.g. `--dry-run`).
 */
export function requireSmtpSettings(env: CliContext['env'], message: string, orElse = ''): SmtpSettings {
  const settings = smtpFromEnv(env);
  if (!settings) {
    throw new DigestError('E_SMTP_CONFIG', message, {
      field: 'SMTP_URL',
      hint: `set SMTP_URL (e.g. smtp://user:pass@mail.example.com:587) or SMTP_HOST and friends; see .env.example${orElse}`,
    });
  }
  return settings;
}

/** Mailbox providers distrust unsubscribe links over plain http: say so before real mail goes out. */
export function warnIfPlainHttp(config: Config, ctx: Pick<CliContext, 'stderr' | 'color'>): void {
  const address = postalAddressWarning(config);
  if (address) warn(ctx, address);
  if (!/^https:/i.test(config.publicUrl)) {
    warn(
      ctx,
      `the unsubscribe links point to ${config.publicUrl}; mailbox providers want https (set DIGEST_PUBLIC_URL)`,
    );
  }
}
