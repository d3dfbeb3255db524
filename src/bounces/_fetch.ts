import { ImapFlow } from 'imapflow';
import { DigestError } from '../errors.js';
import type { Store } from '../store/_store.js';
import type { ClassifyContext } from './_classify.js';
import { emptyHandleReport, type HandleReport, handleMessage } from './_import.js';

/** Where `bounces fetch` reads: BOUNCE_IMAP_URL taken apart. */
export interface ImapSettings {
  host: string;
  port: number;
  /** TLS from the start (imaps://). Plain imap:// must upgrade with STARTTLS, except on a loopback host. */
  secure: boolean;
  user: string;
  pass: string;
  mailbox: string;
}

/** Messages fetched and handled per round; a round's messages are marked (or moved) before the next. */
const BATCH = 100;
/** Most rounds of one run (BATCH x this messages); a cron run picks up the rest. */
const MAX_ROUNDS = 1000;

/** Parse BOUNCE_IMAP_URL (`imaps://user:pass@host[:port]/MAILBOX`, mailbox default INBOX), or E_CONFIG. */
export function imapFromUrl(value: string | undefined): ImapSettings {
  const refuse = (why: string) =>
    new DigestError('E_CONFIG', `BOUNCE_IMAP_URL ${why}`, {
      field: 'BOUNCE_IMAP_URL',
      hint: 'set it to the bounce mailbox, e.g. imaps://bounces%40news.example.org:PASSWORD@imap.example.org/INBOX (percent-encode @ and : in the user and password)',
    });
  if (!value) throw refuse('is not set');
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw refuse('is not a URL');
  }
  if (url.protocol !== 'imaps:' && url.protocol !== 'imap:')
    throw refuse(`must start with imaps:// or imap:// (got ${url.protocol}//)`);
  if (!url.username || !url.password) throw refuse('has no user and password (imaps://user:pass@host/INBOX)');
  const secure = url.protocol === 'imaps:';
  const mailbox = decodeURIComponent(url.pathname.replace(/^\//, '')) || 'INBOX';
  return {
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port: url.port ? Number(url.port) : secure ? 993 : 143,
    secure,
    user: decodeURIComponent(url.username),
    pass: decodeURIComponent(url.password),
    mailbox,
  };
}

/** BOUNCE_IMAP_URL without its password, for messages. */
export function describeImap(settings: ImapSettings): string {
  const scheme = settings.secure ? 'imaps' : 'imap';
  return `${scheme}://${encodeURIComponent(settings.user)}:****@${settings.host}:${settings.port}/${settings.mailbox}`;
}

/**
 * Handle every unseen message of the mailbox once, in rounds of BATCH: fetch their sources,
 * classify and record each (see handleMessage), then mark them \Seen, or move them to `moveTo`
 * (created when missing). A run that dies before marking leaves them unseen: the next run handles
 * them again, which records nothing twice (events are idempotent), so it is safe from cron.
 */
export async function fetchBounces(
  store: Pick<Store, 'backend'>,
  settings: ImapSettings,
  ctx: ClassifyContext & { moveTo?: string; signal?: AbortSignal },
): Promise<HandleReport> {
  const loopback = /^(127\.|::1$|localhost$)/.test(settings.host);
  const client = new ImapFlow({
    host: settings.host,
    port: settings.port,
    secure: settings.secure,
    doSTARTTLS: settings.secure ? undefined : loopback ? undefined : true,
    auth: { user: settings.user, pass: settings.pass },
    logger: false,
    disableAutoIdle: true,
    connectionTimeout: 30_000,
    greetingTimeout: 15_000,
    socketTimeout: 120_000,
  });
  client.on('error', () => undefined); // a dropped connection surfaces as the failing command's error
  try {
    await client.connect();
  } catch (cause) {
    throw new DigestError('E_IO', `can't log in to ${describeImap(settings)}`, {
      field: 'BOUNCE_IMAP_URL',
      hint: 'check the host, port, user and password in BOUNCE_IMAP_URL',
      cause,
    });
  }
  const report = emptyHandleReport();
  try {
    const lock = await client.getMailboxLock(settings.mailbox);
    try {
      if (ctx.moveTo) await ensureMailbox(client, ctx.moveTo);
      for (let round = 0; round < MAX_ROUNDS && !ctx.signal?.aborted; round++) {
        const unseen = (await client.search({ seen: false }, { uid: true })) || [];
        const uids = unseen.slice(0, BATCH);
        if (uids.length === 0) break;
        const messages: { uid: number; raw: Buffer }[] = [];
        for await (const message of client.fetch(
          uids.join(','),
          { uid: true, source: true },
          { uid: true },
        )) {
          if (message.source) messages.push({ uid: message.uid, raw: message.source });
        }
        for (const message of messages) {
          await handleMessage(
            store,
            { label: `${settings.mailbox} uid ${message.uid}`, raw: message.raw },
            { ...ctx, source: 'imap' },
            report,
          );
        }
        const done = messages.map((m) => m.uid).join(',');
        if (done === '') break;
        if (ctx.moveTo) await client.messageMove(done, ctx.moveTo, { uid: true });
        else await client.messageFlagsAdd(done, ['\\Seen'], { uid: true });
      }
    } finally {
      lock.release();
    }
  } catch (cause) {
    if (cause instanceof DigestError) throw cause;
    throw new DigestError('E_IO', `reading ${describeImap(settings)} failed`, {
      field: 'BOUNCE_IMAP_URL',
      cause,
    });
  } finally {
    await client.logout().catch(() => client.close());
  }
  return report;
}

async function ensureMailbox(client: ImapFlow, path: string): Promise<void> {
  const list = await client.list();
  if (list.some((box) => box.path === path)) return;
  await client.mailboxCreate(path);
}
