import type { UnrecognisedReport } from '../_event.js';
import { findStatus } from '../_rules.js';
import {
  type CertificateFetcher,
  parseSnsMessage,
  SigningKeys,
  type SnsMessage,
  snsUrlProblem,
  verifySnsMessage,
} from './_sns.js';
import {
  jsonBody,
  objectField,
  type ProviderEvent,
  type Received,
  refused,
  stringField,
  timeOf,
  type WebhookProvider,
  type WebhookRequest,
} from './_types.js';

/** How the SES endpoint checks and answers. */
export interface SesOptions {
  /** The SNS topics whose messages are accepted (config `webhooks.sesTopicArns`); any other is refused with 403. */
  topicArns: string[];
  /** Gets a signing certificate (PEM) from its checked URL. */
  fetchCertificate: CertificateFetcher;
  /** Visits a checked SubscribeURL to confirm the subscription; throws when that fails. */
  visit: (url: string) => Promise<void>;
}

/**
 * `POST /webhooks/ses`: Amazon SES bounce and complaint notifications delivered by SNS.
 * 1. the body is an SNS message whose signature verifies with Amazon's certificate (401 otherwise);
 * 2. its TopicArn is one of `topicArns` (403 otherwise: any AWS account can make SNS sign for it);
 * 3. a SubscriptionConfirmation is confirmed by visiting its SubscribeURL (an Amazon SNS URL);
 * 4. a Notification's Message is an SES event: Bounce (Permanent: hard, Transient: soft, each
 *    bounced recipient with its status and diagnostic) or Complaint; other types are ignored.
 */
export function sesProvider(options: SesOptions): WebhookProvider {
  const keys = new SigningKeys(options.fetchCertificate);
  return {
    async receive(request: WebhookRequest, now: Date): Promise<Received> {
      const body = jsonBody(request);
      if (body === undefined) return refused(400, 'the body is not JSON (an SNS message is)');
      const message = parseSnsMessage(body);
      if (typeof message === 'string') return refused(401, `not a signed SNS message: ${message}`);
      const verdict = await verifySnsMessage(message, keys, now);
      if (!verdict.ok) return refused(401, verdict.reason);
      if (!options.topicArns.includes(message.TopicArn)) {
        return refused(403, `TopicArn ${message.TopicArn} is not in webhooks.sesTopicArns`);
      }
      if (message.Type === 'SubscriptionConfirmation') return confirm(message, options.visit);
      if (message.Type !== 'Notification') return { ok: true, events: [], unrecognised: [], ignored: 1 };
      return { ok: true, ...sesEvents(message, now.getTime()) };
    },
  };
}

async function confirm(message: SnsMessage, visit: SesOptions['visit']): Promise<Received> {
  const problem = snsUrlProblem(message.SubscribeURL, 'subscribe');
  if (problem) return refused(400, `SubscribeURL ${problem}`);
  await visit(message.SubscribeURL as string);
  return {
    ok: true,
    events: [],
    unrecognised: [],
    ignored: 0,
    note: `confirmed the SNS subscription to ${message.TopicArn}`,
  };
}

/** The events in one SES notification (the Message of a verified SNS Notification). */
export function sesEvents(
  message: Pick<SnsMessage, 'Message' | 'MessageId' | 'Timestamp'>,
  nowMs: number,
): { events: ProviderEvent[]; unrecognised: UnrecognisedReport[]; ignored: number } {
  let ses: unknown;
  try {
    ses = JSON.parse(message.Message);
  } catch {
    ses = undefined;
  }
  // SES notifications say notificationType; event publishing (configuration sets) says eventType.
  const type = stringField(ses, 'notificationType') ?? stringField(ses, 'eventType');
  const at = timeOf(message.Timestamp, nowMs);
  const hints = mailHints(objectField(ses, 'mail'));
  const unreadable = (why: string) => ({
    events: [],
    unrecognised: [{ source: 'ses', sourceId: `ses:${message.MessageId}`, diagnostic: why, at }],
    ignored: 0,
  });
  if (type === 'Bounce') {
    const bounce = objectField(ses, 'bounce');
    const recipients = recipientsOf(bounce, 'bouncedRecipients');
    if (!bounce || recipients.length === 0) return unreadable('SES Bounce without bouncedRecipients');
    const bounceType = stringField(bounce, 'bounceType');
    const kind = bounceType === 'Permanent' ? 'hard' : bounceType === 'Transient' ? 'soft' : undefined;
    const id = stringField(bounce, 'feedbackId') ?? message.MessageId;
    const when = timeOf(bounce.timestamp, at);
    const events: ProviderEvent[] = [];
    const unrecognised: UnrecognisedReport[] = [];
    for (const r of recipients) {
      const diagnostic = stringField(r, 'diagnosticCode');
      const status = validStatus(stringField(r, 'status')) ?? findStatus(diagnostic);
      const sourceId = `ses:${id}:${r.emailAddress}`;
      // Undetermined (SES could not tell) with no status code: kept and reported, not guessed.
      if (!kind && !status) {
        unrecognised.push({
          source: 'ses',
          sourceId,
          diagnostic: `SES bounce of type ${bounceType ?? '(none)'} for ${r.emailAddress}${diagnostic ? `: ${diagnostic}` : ''}`,
          at: when,
        });
        continue;
      }
      // With a status code the rules decide hard or soft; `kind` is SES's verdict for the rest.
      events.push({
        email: r.emailAddress,
        kind: kind ?? 'soft',
        status,
        diagnostic,
        source: 'ses',
        sourceId,
        at: when,
        hints,
      });
    }
    return { events, unrecognised, ignored: 0 };
  }
  if (type === 'Complaint') {
    const complaint = objectField(ses, 'complaint');
    const recipients = recipientsOf(complaint, 'complainedRecipients');
    if (!complaint || recipients.length === 0)
      return unreadable('SES Complaint without complainedRecipients');
    // "not-spam" is a reader taking a message out of the spam folder: the opposite of a complaint.
    // OnAccountSuppressionList: SES did not send it (the address was on its list): no new report.
    const feedbackType = stringField(complaint, 'complaintFeedbackType');
    if (
      feedbackType === 'not-spam' ||
      stringField(complaint, 'complaintSubType') === 'OnAccountSuppressionList'
    ) {
      return { events: [], unrecognised: [], ignored: recipients.length };
    }
    const id = stringField(complaint, 'feedbackId') ?? message.MessageId;
    const when = timeOf(complaint.timestamp, at);
    const events = recipients.map(
      (r): ProviderEvent => ({
        email: r.emailAddress,
        kind: 'complaint',
        hints,
        diagnostic: feedbackType ? `complaint (${feedbackType})` : 'complaint',
        source: 'ses',
        sourceId: `ses:${id}:${r.emailAddress}`,
        at: when,
      }),
    );
    return { events, unrecognised: [], ignored: 0 };
  }
  if (type === undefined) return unreadable('SNS notification whose Message is not an SES event');
  return { events: [], unrecognised: [], ignored: 1 }; // Delivery, Send, Open, Click...
}

/** The original message's envelope sender (`source`, a VERP address) and Message-ID header. */
function mailHints(mail: Record<string, unknown> | undefined): ProviderEvent['hints'] {
  const common = objectField(mail, 'commonHeaders');
  let messageId = stringField(common, 'messageId');
  const headers = mail?.headers;
  if (!messageId && Array.isArray(headers)) {
    const found = headers.find((h) => stringField(h, 'name')?.toLowerCase() === 'message-id');
    messageId = stringField(found, 'value');
  }
  return { returnPath: stringField(mail, 'source'), messageId };
}

function recipientsOf(
  parent: Record<string, unknown> | undefined,
  key: string,
): (Record<string, unknown> & { emailAddress: string })[] {
  const list = parent?.[key];
  if (!Array.isArray(list)) return [];
  return list.filter(
    (r): r is Record<string, unknown> & { emailAddress: string } =>
      stringField(r, 'emailAddress') !== undefined,
  );
}

function validStatus(status: string | undefined): string | undefined {
  return status && /^[245]\.\d{1,3}\.\d{1,3}$/.test(status) ? status : undefined;
}
