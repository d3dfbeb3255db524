/**
 * The "smtp-raw-pool" transport: nodemailer's own pool (`pool: true`), each message handed over
 * prebuilt as `raw` with its envelope, so nodemailer composes nothing; it streams the bytes
 * through its MIME node and DataStream (dot-stuffing) to one of `connections` pooled
 * connections, renewed every `messagesPerConnection` messages. Same signature as
 * createSmtpTransport in src/deliver/_smtp.ts, which swap-transport.ts replaces with this one.
 *
 * The ledger's `sending` commit happens before the message is handed to the pool (nodemailer
 * gives no hook at the server's 354), so nothing leaves before it; a failure without an answer
 * from the server counts as `unknown` (the pool does not say how far the message got).
 */
import nodemailer from 'nodemailer';
import type { SmtpTransportOptions } from '../src/deliver/_smtp.js';
import { classifySmtpError, replyCode, type SmtpErrorLike } from '../src/deliver/_smtp-outcome.js';
import { redact, type SmtpSettings } from '../src/deliver/_smtp-settings.js';
import type { DeliveryOutcome, DeliveryTransport, OutgoingMessage } from '../src/deliver/_transport.js';
import { DigestError } from '../src/errors.js';

export function createSmtpTransport(
  settings: SmtpSettings,
  options: SmtpTransportOptions = {},
): DeliveryTransport {
  const connectTimeout = options.connectTimeoutMs ?? 10_000;
  const pool = nodemailer.createTransport({
    pool: true,
    host: settings.host,
    port: settings.port,
    secure: settings.secure,
    auth: settings.user ? { user: settings.user, pass: settings.pass ?? '' } : undefined,
    maxConnections: Math.max(1, options.connections ?? 5),
    maxMessages: Math.max(1, options.messagesPerConnection ?? 100),
    connectionTimeout: connectTimeout,
    greetingTimeout: connectTimeout,
    socketTimeout: options.socketTimeoutMs ?? 60_000,
    logger: false,
  });
  const clean = (text: string) => redact(text, settings);
  return {
    description: settings.description,
    async verify() {
      try {
        await pool.verify();
      } catch (cause) {
        const error = cause as SmtpErrorLike;
        throw new DigestError(
          'E_SMTP',
          `can't use the SMTP server ${settings.description}: ${clean(error.message ?? String(cause))}`,
          { field: 'SMTP_URL', hint: 'check SMTP_URL; nothing was sent' },
        );
      }
    },
    async send(message: OutgoingMessage): Promise<DeliveryOutcome> {
      if (!(await message.commit()))
        return { state: 'failed_temp', reply: 'not sent: the ledger has it as sent already' };
      try {
        const info = await pool.sendMail({
          envelope: { from: message.from, to: [message.to] },
          raw: message.raw,
        });
        const reply = clean(String(info.response ?? '250 OK'));
        return { state: 'sent', code: replyCode(reply), reply };
      } catch (cause) {
        const outcome = classifySmtpError(cause as SmtpErrorLike, 'all');
        return { ...outcome, reply: clean(outcome.reply) };
      }
    },
    async close() {
      pool.close();
    },
  };
}
