/**
 * The "smtp-layer-public" transport: the project's own transport (src/deliver/_smtp.ts) with each
 * message handed over without its prebuilt DATA form, so the bytes go through nodemailer's public
 * path (SMTPConnection.send and its DataStream) and never straight to the socket. Measures what
 * the layer is worth once it keeps to nodemailer's public API. See swap-transport.ts.
 */
import { createSmtpTransport as layer } from '../src/deliver/_smtp.js';
import type { SmtpSettings } from '../src/deliver/_smtp-settings.js';
import type { DeliveryTransport, OutgoingMessage } from '../src/deliver/_transport.js';

export function createSmtpTransport(
  settings: SmtpSettings,
  options: Parameters<typeof layer>[1] = {},
): DeliveryTransport {
  const inner = layer(settings, options);
  return {
    description: inner.description,
    verify: () => inner.verify(),
    close: () => inner.close(),
    send: (message: OutgoingMessage) =>
      inner.send({
        seq: message.seq,
        from: message.from,
        to: message.to,
        messageId: message.messageId,
        get raw() {
          return message.raw;
        },
        size: message.size,
        commit: () => message.commit(),
      }),
  };
}
