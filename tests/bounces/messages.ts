/**
 * Bounce and complaint messages in the shapes real systems send, written from RFC 3464 (DSN),
 * RFC 3463 (status codes), RFC 5965 (ARF), RFC 3834 (auto-replies) and what Postfix, Exim, Gmail
 * and Microsoft 365 document of their reports; no copied mail. Each takes what the original
 * message carried: the VERP envelope sender it went out with, its recipient and Message-ID.
 */

/** What the bounced or reported message was. */
export interface Original {
  /** Its envelope sender (a VERP address, or the plain From). */
  returnPath: string;
  to: string;
  messageId: string;
  subject?: string;
}

/** One MIME part: its header lines and its body lines. */
interface Part {
  headers: string[];
  body: string[];
}

/**
 * A message with CRLF line ends: its header lines, the blank line, then its body; with `parts`,
 * the body is MIME multipart (an optional preamble, each part after `--boundary`, then
 * `--boundary--`). The multipart Content-Type header stays in `headers`, as each sender spells it.
 */
function mail(
  headers: string[],
  body: string[] | { boundary: string; parts: Part[]; preamble?: string[] },
): string {
  const lines = Array.isArray(body) ? body : multipart(body.boundary, body.parts, body.preamble);
  return `${[...headers, '', ...lines].join('\r\n')}\r\n`;
}

/** The body lines of a multipart: `preamble`, each part after `--boundary`, the closing `--boundary--`. */
function multipart(boundary: string, parts: Part[], preamble: string[] = []): string[] {
  return [
    ...(preamble.length > 0 ? [...preamble, ''] : []),
    ...parts.flatMap((p) => [`--${boundary}`, ...p.headers, '', ...p.body, '']),
    `--${boundary}--`,
  ];
}

function originalHeaders(o: Original): string[] {
  return [
    `Return-Path: <${o.returnPath}>`,
    'From: "News Digest" <digest@example.com>',
    `To: ${o.to}`,
    `Subject: ${o.subject ?? 'News Digest: the day in brief'}`,
    'Date: Tue, 24 Nov 2026 07:00:00 +0000',
    `Message-ID: ${o.messageId}`,
    'List-Id: News Digest <digest.example.com>',
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
  ];
}

/** The original digest as bounces quote or attach it: its headers and the start of its text. */
function originalMessage(o: Original): string[] {
  return [...originalHeaders(o), '', 'Today in brief: ...'];
}

/** Postfix's bounce: multipart/report with its "mail system" text, a DSN and the whole original. */
export function postfixHardBounce(o: Original, id = '20261124070512.3F2A1C0001@mx.example.net'): string {
  return mail(
    [
      'Return-Path: <>',
      `Delivered-To: ${o.returnPath}`,
      'From: MAILER-DAEMON@mx.example.net (Mail Delivery System)',
      `To: ${o.returnPath}`,
      'Subject: Undelivered Mail Returned to Sender',
      'Date: Tue, 24 Nov 2026 07:05:12 +0000 (UTC)',
      `Message-Id: <${id}>`,
      'Auto-Submitted: auto-replied',
      'MIME-Version: 1.0',
      'Content-Type: multipart/report; report-type=delivery-status;',
      '\tboundary="3F2A1C0001.1795936112/mx.example.net"',
    ],
    {
      boundary: '3F2A1C0001.1795936112/mx.example.net',
      preamble: ['This is a MIME-encapsulated message.'],
      parts: [
        {
          headers: ['Content-Description: Notification', 'Content-Type: text/plain; charset=us-ascii'],
          body: [
            'This is the mail system at host mx.example.net.',
            '',
            "I'm sorry to have to inform you that your message could not",
            "be delivered to one or more recipients. It's attached below.",
            '',
            `<${o.to}>: host mx1.example.org[192.0.2.25] said: 550 5.1.1`,
            `    <${o.to}>: Recipient address rejected: User unknown in virtual mailbox`,
            '    table (in reply to RCPT TO command)',
          ],
        },
        {
          headers: ['Content-Description: Delivery report', 'Content-Type: message/delivery-status'],
          body: [
            'Reporting-MTA: dns; mx.example.net',
            'X-Postfix-Queue-ID: 3F2A1C0001',
            `X-Postfix-Sender: rfc822; ${o.returnPath}`,
            'Arrival-Date: Tue, 24 Nov 2026 07:05:10 +0000 (UTC)',
            '',
            `Final-Recipient: rfc822; ${o.to}`,
            `Original-Recipient: rfc822;${o.to}`,
            'Action: failed',
            'Status: 5.1.1',
            'Remote-MTA: dns; mx1.example.org',
            `Diagnostic-Code: smtp; 550 5.1.1 <${o.to}>: Recipient address rejected: User`,
            '    unknown in virtual mailbox table',
          ],
        },
        {
          headers: ['Content-Description: Undelivered Message', 'Content-Type: message/rfc822'],
          body: originalMessage(o),
        },
      ],
    },
  );
}

/** Postfix's delay warning: Action delayed, a 4.x.x status; not a bounce yet. */
export function postfixDelayWarning(o: Original): string {
  return postfixHardBounce(o, '20261124110512.3F2A1C0002@mx.example.net')
    .replace('Subject: Undelivered Mail Returned to Sender', 'Subject: Delayed Mail (still being retried)')
    .replace('Action: failed', 'Action: delayed')
    .replace('Status: 5.1.1', 'Status: 4.4.1')
    .replace(
      /Diagnostic-Code: smtp; 550 5\.1\.1[\s\S]*?table\r\n/,
      'Diagnostic-Code: X-Postfix; connect to mx1.example.org[192.0.2.25]:25: Connection timed out\r\n',
    );
}

/** Exim's classic bounce: plain text, X-Failed-Recipients, the original quoted after a marker line. */
export function eximBounce(o: Original, status = '5.2.1'): string {
  return mail(
    [
      'Return-path: <>',
      `Envelope-to: ${o.returnPath}`,
      'Received: from Debian-exim by mail.example.net with local (Exim 4.97)',
      '\tid 1vKp2Q-000abc-7Z; Tue, 24 Nov 2026 07:06:01 +0000',
      `X-Failed-Recipients: ${o.to}`,
      'Auto-Submitted: auto-replied',
      'From: Mail Delivery System <Mailer-Daemon@mail.example.net>',
      `To: ${o.returnPath}`,
      'Content-Type: text/plain; charset=us-ascii',
      'Subject: Mail delivery failed: returning message to sender',
      'Message-Id: <E1vKp2Q-000abc-7Z@mail.example.net>',
      'Date: Tue, 24 Nov 2026 07:06:01 +0000',
    ],
    [
      'This message was created automatically by mail delivery software.',
      '',
      'A message that you sent could not be delivered to one or more of its',
      'recipients. This is a permanent error. The following address(es) failed:',
      '',
      `  ${o.to}`,
      '    host mx.example.org [192.0.2.30]',
      `    SMTP error from remote mail server after RCPT TO:<${o.to}>:`,
      `    550 ${status} The email account that you tried to reach is disabled`,
      '',
      '------ This is a copy of the message, including all the headers. ------',
      '',
      ...originalMessage(o),
    ],
  );
}

/** Gmail's DSN: "Delivery Status Notification (Failure)", a base64 human part, then the DSN and the original. */
export function gmailSoftBounce(
  o: Original,
  status = '5.2.2',
  id = 'CAB1x-gmail-0001@mail.gmail.com',
): string {
  const human = Buffer.from(
    `Address not delivered: ${o.to}\r\nYour message wasn't delivered to ${o.to} because their inbox is full.\r\n`,
  ).toString('base64');
  return mail(
    [
      `Delivered-To: ${o.returnPath}`,
      'Return-Path: <>',
      'From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>',
      `To: ${o.returnPath}`,
      'Auto-Submitted: auto-replied',
      'Subject: Delivery Status Notification (Failure)',
      `References: ${o.messageId}`,
      `In-Reply-To: ${o.messageId}`,
      `X-Failed-Recipients: ${o.to}`,
      `Message-ID: <${id}>`,
      'Date: Tue, 24 Nov 2026 07:07:00 -0800',
      'MIME-Version: 1.0',
      'Content-Type: multipart/report; boundary="000000000000abcdef0123456789"; report-type=delivery-status',
    ],
    {
      boundary: '000000000000abcdef0123456789',
      parts: [
        {
          headers: ['Content-Type: text/plain; charset="UTF-8"', 'Content-Transfer-Encoding: base64'],
          body: [human],
        },
        {
          headers: ['Content-Type: message/delivery-status'],
          body: [
            'Reporting-MTA: dns; googlemail.com',
            'Received-From-MTA: dns; digest.example.com',
            'Arrival-Date: Tue, 24 Nov 2026 07:06:58 -0800 (PST)',
            `X-Original-Message-ID: ${o.messageId}`,
            '',
            `Final-Recipient: rfc822; ${o.to}`,
            'Action: failed',
            `Status: ${status}`,
            'Remote-MTA: dns; gmail-smtp-in.l.google.com. (192.0.2.27, the server for the domain example.org.)',
            `Diagnostic-Code: smtp; 552-${status} The recipient's inbox is out of storage space. Please direct the`,
            `    recipient to https://support.google.com/mail/?p=OverQuotaTemp ${status} 41be03b00d2f7-abc.123 - gsmtp`,
            'Last-Attempt-Date: Tue, 24 Nov 2026 07:07:00 -0800 (PST)',
          ],
        },
        { headers: ['Content-Type: message/rfc822'], body: originalMessage(o) },
      ],
    },
  );
}

/** Microsoft 365's NDR: "Undeliverable:", an HTML explanation, the DSN and the original's headers only. */
export function microsoftBounce(o: Original): string {
  return mail(
    [
      'From: postmaster@contoso.onmicrosoft.com',
      `To: ${o.returnPath}`,
      `Subject: Undeliverable: ${o.subject ?? 'News Digest: the day in brief'}`,
      'Date: Tue, 24 Nov 2026 07:08:00 +0000',
      'Message-ID: <3a9e0f6c-1b2d-4e5f-8a9b-0c1d2e3f4a5b@DM6PR00MB0000.namprd00.prod.outlook.com>',
      `In-Reply-To: ${o.messageId}`,
      'Auto-Submitted: auto-replied',
      'X-MS-Exchange-Message-Is-Ndr:',
      'Content-Language: en-US',
      'MIME-Version: 1.0',
      'Content-Type: multipart/report; report-type=delivery-status;',
      '\tboundary="_000_3a9e0f6c1b2d4e5f8a9b0c1d2e3f4a5b_"',
    ],
    {
      boundary: '_000_3a9e0f6c1b2d4e5f8a9b0c1d2e3f4a5b_',
      parts: [
        {
          headers: [
            'Content-Type: multipart/alternative; differences=Content-Type;',
            '\tboundary="_002_3a9e0f6c1b2d4e5f8a9b0c1d2e3f4a5b_"',
          ],
          body: multipart('_002_3a9e0f6c1b2d4e5f8a9b0c1d2e3f4a5b_', [
            {
              headers: ['Content-Type: text/plain; charset="us-ascii"'],
              body: [
                `Your message to ${o.to} couldn't be delivered.`,
                `${o.to.split('@')[0]} wasn't found at example.org.`,
              ],
            },
            {
              headers: ['Content-Type: text/html; charset="us-ascii"'],
              body: [
                `<html><body><p>Your message to ${o.to} couldn't be delivered.</p><p>Remote Server returned '550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup'</p></body></html>`,
              ],
            },
          ]),
        },
        {
          headers: ['Content-Type: message/delivery-status'],
          body: [
            'Reporting-MTA: dns;DM6PR00MB0000.namprd00.prod.outlook.com',
            'Received-From-MTA: dns;digest.example.com',
            'Arrival-Date: Tue, 24 Nov 2026 07:07:59 +0000',
            '',
            `Original-Recipient: rfc822;${o.to}`,
            `Final-Recipient: rfc822;${o.to}`,
            'Action: failed',
            'Status: 5.1.10',
            'Diagnostic-Code: smtp;550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup',
          ],
        },
        { headers: ['Content-Type: text/rfc822-headers'], body: originalHeaders(o) },
      ],
    },
  );
}

/** An ARF complaint (RFC 5965): the human part, message/feedback-report, and the original (recipient redacted). */
export function arfComplaint(o: Original, options: { redactTo?: boolean } = {}): string {
  const original = originalMessage(o).map((h) =>
    options.redactTo && h.startsWith('To:') ? 'To: redacted@example.org' : h,
  );
  return mail(
    [
      'From: Feedback Loop <fbl@isp.example.net>',
      'To: abuse@digest.example.com',
      'Subject: Email Feedback Report for IP 192.0.2.1',
      'Date: Tue, 24 Nov 2026 09:00:00 +0000',
      'Message-ID: <fbl-20261124-0001@isp.example.net>',
      'MIME-Version: 1.0',
      'Content-Type: multipart/report; report-type=feedback-report;',
      '\tboundary="part1_13d.2e68ed54_boundary"',
    ],
    {
      boundary: 'part1_13d.2e68ed54_boundary',
      parts: [
        {
          headers: ['Content-Type: text/plain; charset="US-ASCII"', 'Content-Transfer-Encoding: 7bit'],
          body: [
            'This is an email abuse report for an email message received from IP',
            '192.0.2.1 on Tue, 24 Nov 2026 07:00:03 +0000.',
            'For more information about this format please see',
            'https://www.rfc-editor.org/rfc/rfc5965.',
          ],
        },
        {
          headers: ['Content-Type: message/feedback-report'],
          body: [
            'Feedback-Type: abuse',
            'User-Agent: SomeGenerator/1.0',
            'Version: 1',
            `Original-Mail-From: <${o.returnPath}>`,
            ...(options.redactTo ? [] : [`Original-Rcpt-To: <${o.to}>`]),
            'Arrival-Date: Tue, 24 Nov 2026 07:00:03 +0000',
            'Reporting-MTA: dns; mail.isp.example.net',
            'Source-IP: 192.0.2.1',
            'Authentication-Results: mail.isp.example.net; dkim=pass header.d=example.com',
            'Reported-Domain: example.com',
          ],
        },
        { headers: ['Content-Type: message/rfc822', 'Content-Disposition: inline'], body: original },
      ],
    },
  );
}

/**
 * A bounce whose body was mangled on the way (a relay re-wrapped it, a gateway stripped the
 * attachment and the recipient): only its envelope, the VERP address it was sent to, says who.
 */
export function mangledBounce(verpAddress: string): string {
  return mail(
    [
      'Return-Path: <>',
      `Delivered-To: ${verpAddress}`,
      'From: MAILER-DAEMON@relay.example.net',
      `To: ${verpAddress}`,
      'Subject: failure notice',
      'Date: Tue, 24 Nov 2026 07:09:00 +0000',
      'Message-ID: <mangled-0001@relay.example.net>',
    ],
    [
      'Hi. This is the qmail-send program at relay.example.net.',
      "I'm afraid I wasn't able to deliver your message to the following addresses.",
      '',
      '<[address removed by the gateway]>:',
      'Remote host said: 550 5.1.1 mailbox unavailable',
      '',
      '--- Below this line is a copy of the message (removed).',
    ],
  );
}

/** A vacation answer (RFC 3834: Auto-Submitted: auto-replied), not a bounce. */
export function outOfOffice(from: string, to: string): string {
  return mail(
    [
      `From: ${from}`,
      `To: ${to}`,
      'Subject: Automatic reply: News Digest: the day in brief',
      'Date: Tue, 24 Nov 2026 07:10:00 +0000',
      'Message-ID: <ooo-0001@example.org>',
      'Auto-Submitted: auto-replied',
      'X-Auto-Response-Suppress: All',
      'Content-Type: text/plain; charset=utf-8',
    ],
    ['I am out of the office until Monday 30 November with no access to email.'],
  );
}

/** A non-standard bounce: "Undelivered Mail Returned to Sender" as multipart/mixed, no DSN part, the original attached. */
export function plainBounceWithOriginal(o: Original): string {
  return mail(
    [
      'From: Mail Delivery System <MAILER-DAEMON@old-mx.example.org>',
      `To: ${o.returnPath}`,
      'Subject: Undelivered Mail Returned to Sender',
      'Date: Tue, 24 Nov 2026 07:11:00 +0000',
      'Message-ID: <plain-0001@old-mx.example.org>',
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="plainbounce"',
    ],
    {
      boundary: 'plainbounce',
      parts: [
        {
          headers: ['Content-Type: text/plain; charset=us-ascii'],
          body: ['Your message could not be delivered.', 'The server answered: 550 5.1.1 No such user here'],
        },
        { headers: ['Content-Type: message/rfc822'], body: originalMessage(o) },
      ],
    },
  );
}

/** A person answering the digest at the bounce address: not a report of anything. */
export function humanReply(from: string, to: string): string {
  return mail(
    [
      `From: ${from}`,
      `To: ${to}`,
      'Subject: Re: News Digest: the day in brief',
      'Date: Tue, 24 Nov 2026 08:00:00 +0000',
      'Message-ID: <reply-0001@example.org>',
      'Content-Type: text/plain; charset=utf-8',
    ],
    ['Great issue today, thanks!'],
  );
}
