import MailComposer from 'nodemailer/lib/mail-composer';
import type { DeliveryOutcome, DeliveryTransport, MessageSigner } from '../deliver/index.js';
import { messageIdFor, parseFrom } from '../deliver/index.js';
import { escapeHtml } from '../render/index.js';
import type { Ledger } from '../store/index.js';

/**
 * The two mails a signup can cause: the confirmation (its link makes a pending subscriber
 * active) and the notice to an address that is already subscribed (its link opens the
 * preference page). Each is its own ledger entry, never a digest: see signupLedgerKey.
 */
export type SignupMailKind = 'confirm' | 'notice';

/** One signup mail to send. */
export interface SignupMail {
  kind: SignupMailKind;
  subscriberId: number;
  /** The confirmation's number for this subscriber (1, 2, ...), or the notice's send time (epoch ms). */
  sequence: number;
  to: string;
  name: string;
  /** The confirmation link, or the preference page's for a notice. */
  link: string;
  /** The newsletter's name (config `title`). */
  site: string;
  /** How long a confirmation link works, hours. */
  validHours: number;
}

/** Sends signup mails; the web server calls it after answering, so the answer never waits on SMTP. */
export type SignupMailer = (mail: SignupMail) => Promise<DeliveryOutcome>;

/**
 * The ledger key of a signup mail: `confirm:<subscriber id>:<n>` or `notice:<subscriber id>:<ms>`.
 * Digest keys start with the edition (`day:`, `week:`), and only a digest send writes the
 * `digests` table, so these rows are never listed, archived or counted as a digest.
 */
export function signupLedgerKey(mail: Pick<SignupMail, 'kind' | 'subscriberId' | 'sequence'>): string {
  return `${mail.kind}:${mail.subscriberId}:${mail.sequence}`;
}

/** Subject, text and HTML of a signup mail (pure: the test compares strings). */
export function signupMailContent(mail: SignupMail): { subject: string; text: string; html: string } {
  const hello = mail.name ? `Hello ${mail.name},` : 'Hello,';
  if (mail.kind === 'confirm') {
    const lines = [
      hello,
      '',
      `Someone, hopefully you, asked for ${mail.site} to be sent to ${mail.to}.`,
      `To confirm, open this link within ${mail.validHours} hours:`,
      '',
      mail.link,
      '',
      'If you did not ask for it, ignore this message: nothing more will be sent to you.',
    ];
    return {
      subject: `Confirm your subscription to ${mail.site}`,
      text: `${lines.join('\n')}\n`,
      html: page(hello, [
        `Someone, hopefully you, asked for ${escapeHtml(mail.site)} to be sent to ${escapeHtml(mail.to)}.`,
        `<a href="${escapeHtml(mail.link)}">Confirm your subscription</a> (the link works for ${mail.validHours} hours).`,
        'If you did not ask for it, ignore this message: nothing more will be sent to you.',
      ]),
    };
  }
  const lines = [
    hello,
    '',
    `Someone, hopefully you, asked for ${mail.site} to be sent to ${mail.to}: it already is.`,
    'To change how often you get it, its topics, or to unsubscribe, open:',
    '',
    mail.link,
    '',
    'If you did not ask, ignore this message: nothing has changed.',
  ];
  return {
    subject: `You are already subscribed to ${mail.site}`,
    text: `${lines.join('\n')}\n`,
    html: page(hello, [
      `Someone, hopefully you, asked for ${escapeHtml(mail.site)} to be sent to ${escapeHtml(mail.to)}: it already is.`,
      `<a href="${escapeHtml(mail.link)}">Manage your subscription</a>: how often, which topics, or unsubscribe.`,
      'If you did not ask, ignore this message: nothing has changed.',
    ]),
  };
}

function page(hello: string, paragraphs: string[]): string {
  const body = [hello, ...paragraphs].map((p) => `<p>${p}</p>`).join('\n');
  return `<!doctype html><html><body style="font-family:system-ui,Arial,sans-serif;line-height:1.5;">\n${body}\n</body></html>\n`;
}

/** What a signup mailer needs: the digest's own transport settings and ledger. */
export interface SignupMailerDeps {
  transport: DeliveryTransport;
  ledger: Pick<Ledger, 'enqueue' | 'markResult'>;
  /** The From header (see senderOf). */
  from: string;
  /** DKIM, as for digests; default none. */
  signer?: MessageSigner;
  /**
   * The SMTP envelope sender of a mail (config bounceAddress: its VERP address, so a bounce of a
   * confirmation to a mistyped address is matched to its subscriber). Default the From address.
   */
  envelopeFrom?: (subscriberId: number, ledgerKey: string) => string;
  now?: () => Date;
}

/**
 * A SignupMailer over a transport:
 * 1. a ledger row `pending` under the mail's own key (signupLedgerKey);
 * 2. the MIME message (nodemailer's composer), DKIM-signed when a signer is given;
 * 3. the transport's outcome committed to the row (`sent`, `failed_temp`, ...).
 */
export function signupMailer(deps: SignupMailerDeps): SignupMailer {
  const sender = parseFrom(deps.from);
  const now = deps.now ?? (() => new Date());
  return async (mail) => {
    const key = signupLedgerKey(mail);
    const messageId = messageIdFor(key, mail.subscriberId, sender.domain);
    await deps.ledger.enqueue(key, [{ subscriberId: mail.subscriberId, email: mail.to, messageId }]);
    const content = signupMailContent(mail);
    const composed = await compose({
      from: deps.from,
      to: mail.name ? { name: mail.name, address: mail.to } : mail.to,
      subject: content.subject,
      text: content.text,
      html: content.html,
      messageId,
      date: now(),
      headers: { 'Auto-Submitted': 'auto-generated' },
    });
    const raw = deps.signer ? await deps.signer(composed) : composed;
    const outcome = await deps.transport.send({
      seq: 1,
      from: deps.envelopeFrom?.(mail.subscriberId, key) ?? sender.address,
      to: mail.to,
      messageId,
      raw,
      size: raw.length,
      // The row is written above; a signup mail has no digest run to race with.
      commit: async () => true,
    });
    await deps.ledger.markResult(key, mail.subscriberId, {
      state: outcome.state,
      code: outcome.code,
      reply: outcome.reply,
    });
    return outcome;
  };
}

function compose(options: ConstructorParameters<typeof MailComposer>[0]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    new MailComposer(options).compile().build((error, message) => (error ? reject(error) : resolve(message)));
  });
}
