import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type ClassifyContext,
  DEFAULT_BOUNCE_RULES,
  digestLookup,
  handleMessages,
  readSources,
  type SourceMessage,
  splitMbox,
} from '../../src/bounces/index.js';
import { messageIdFor, parseBounceAddress } from '../../src/deliver/index.js';
import { bounceEventsFor } from '../../src/store/_bounce-events.js';
import type { Store } from '../../src/store/index.js';
import { runCleanups, tempDir } from '../helpers/cleanup.js';
import { type StoreKind, storeKinds } from '../helpers/stores.js';
import * as m from './messages.js';
import { recordSent } from './sent.js';

afterEach(runCleanups);
const KINDS = storeKinds();

const SECRET = 'bounce-test-secret-bounce-test-secret-0123';
const KEY = 'day:2026-11-24@UTC';
const bounce = parseBounceAddress('bounces@digest.example.com') as NonNullable<
  ReturnType<typeof parseBounceAddress>
>;
const PEOPLE = ['ann', 'bob', 'carol', 'dave', 'erin', 'frank', 'gus'] as const;
type Person = (typeof PEOPLE)[number];

/** A list of PEOPLE@example.org with a ledger row each for KEY, as a send leaves it. */
async function sentList(kind: StoreKind): Promise<{
  store: Store;
  original: (p: Person) => m.Original;
  ctx: ClassifyContext;
}> {
  const { store } = await kind.fresh({ now: () => Date.parse('2026-11-24T12:00:00Z') });
  await store.subscribers.importMany(
    PEOPLE.map((p) => ({ email: `${p}@example.org`, name: '', topics: [] })),
  );
  const subscribers = await store.subscribers.list();
  const id = (p: Person) => subscribers.find((s) => s.email === `${p}@example.org`)?.id as number;
  const sent = await recordSent(
    store,
    { key: KEY, date: '2026-11-24', items: 5, bounce, secret: SECRET },
    subscribers,
  );
  const original = (p: Person): m.Original => sent({ id: id(p), email: `${p}@example.org` });
  const ctx: ClassifyContext = {
    rules: DEFAULT_BOUNCE_RULES,
    verp: { bounce, secret: SECRET },
    lookup: digestLookup(store.backend),
    now: Date.parse('2026-11-24T12:00:00Z'),
  };
  return { store, original, ctx };
}

const msg = (label: string, text: string): SourceMessage => ({ label, raw: Buffer.from(text, 'latin1') });

/** Each subscriber's status and suppression, by email. */
async function statuses(store: Store): Promise<{ email: string; status: string; reason: string | null }[]> {
  const suppressions = await bounceEventsFor(store.backend).suppressions();
  return (await store.subscribers.list())
    .map((s) => ({
      email: s.email,
      status: s.status,
      reason: suppressions.get(s.id)?.suppressedReason ?? null,
    }))
    .sort((a, b) => (a.email < b.email ? -1 : 1));
}

describe.each(KINDS)('one classification step for every shape of report (%s)', (_name, kind) => {
  it('Postfix, Exim, Gmail and Microsoft 365 bounces, an ARF complaint, a duplicate, an auto-reply', async () => {
    const { store, original, ctx } = await sentList(kind);
    const report = await handleMessages(
      store,
      [
        msg('postfix.eml', m.postfixHardBounce(original('ann'))),
        msg('exim.eml', m.eximBounce(original('bob'))),
        msg('gmail.eml', m.gmailSoftBounce(original('carol'))),
        msg('microsoft.eml', m.microsoftBounce(original('dave'))),
        msg('arf.eml', m.arfComplaint(original('erin'))),
        msg('postfix-again.eml', m.postfixHardBounce(original('ann'))),
        msg('ooo.eml', m.outOfOffice('gus@example.org', `${bounce.local}@${bounce.domain}`)),
        msg('delay.eml', m.postfixDelayWarning(original('gus'))),
      ],
      { ...ctx, source: 'import' },
    );
    expect(report).toMatchObject({
      messages: 8,
      bounces: 5,
      complaints: 1,
      autoReplies: 1,
      unrecognised: [],
      events: { recorded: 5, duplicates: 1, kinds: { hard: 3, soft: 1, complaint: 1, other: 0 } },
    });
    expect(report.ignored).toEqual([
      { label: 'delay.eml', reason: expect.stringContaining('delay warning') },
    ]);
    expect(report.events.suppressed).toEqual([
      { email: 'ann@example.org', reason: 'bounced' },
      { email: 'bob@example.org', reason: 'bounced' },
      { email: 'dave@example.org', reason: 'bounced' },
      { email: 'erin@example.org', reason: 'complained' },
    ]);
    expect(await statuses(store)).toEqual([
      { email: 'ann@example.org', status: 'unsubscribed', reason: 'bounced' },
      { email: 'bob@example.org', status: 'unsubscribed', reason: 'bounced' },
      { email: 'carol@example.org', status: 'active', reason: null },
      { email: 'dave@example.org', status: 'unsubscribed', reason: 'bounced' },
      { email: 'erin@example.org', status: 'unsubscribed', reason: 'complained' },
      { email: 'frank@example.org', status: 'active', reason: null },
      { email: 'gus@example.org', status: 'active', reason: null },
    ]);
    const rows = await bounceEventsFor(store.backend).list();
    const by = (email: string) => rows.find((r) => r.email === email);
    expect(by('ann@example.org')).toMatchObject({
      kind: 'hard',
      status: '5.1.1',
      digestKey: KEY,
      source: 'dsn',
      effect: 'suppressed',
    });
    expect(by('ann@example.org')?.diagnostic).toBe(
      '550 5.1.1 <ann@example.org>: Recipient address rejected: User unknown in virtual mailbox table',
    );
    expect(by('ann@example.org')?.occurredAt).toBe(Date.parse('2026-11-24T07:05:10Z'));
    expect(by('bob@example.org')).toMatchObject({
      kind: 'hard',
      status: '5.2.1',
      digestKey: KEY,
      source: 'bounce',
    });
    expect(by('bob@example.org')?.diagnostic).toContain('550 5.2.1 The email account');
    expect(by('carol@example.org')).toMatchObject({
      kind: 'soft',
      status: '5.2.2',
      digestKey: KEY,
      effect: 'counted',
    });
    expect(by('dave@example.org')).toMatchObject({ kind: 'hard', status: '5.1.10', digestKey: KEY });
    expect(by('erin@example.org')).toMatchObject({ kind: 'complaint', digestKey: KEY, source: 'arf' });
    expect(by('erin@example.org')?.diagnostic).toBe('Feedback-Type: abuse; User-Agent: SomeGenerator/1.0');
    expect(rows).toHaveLength(5);
  });

  it('a mangled bounce is matched by its VERP address alone; without VERP it is unrecognised, not guessed', async () => {
    const { store, original, ctx } = await sentList(kind);
    const mangled = msg('mangled.eml', m.mangledBounce(original('frank').returnPath));
    const withoutVerp = await handleMessages(store, [mangled], { ...ctx, verp: undefined, source: 'import' });
    expect(withoutVerp.events.recorded).toBe(0);
    expect(withoutVerp.unrecognised).toEqual([
      { label: 'mangled.eml', reason: 'a bounce (Subject "failure notice") but it names no recipient' },
    ]);
    const matched = await handleMessages(store, [mangled], { ...ctx, source: 'import' });
    expect(matched.events).toMatchObject({
      recorded: 1,
      suppressed: [{ email: 'frank@example.org', reason: 'bounced' }],
    });
    const row = (await bounceEventsFor(store.backend).list({ digestKey: KEY }))[0];
    expect(row).toMatchObject({ email: 'frank@example.org', status: '5.1.1', kind: 'hard' });
    // A forged token (another id, the same MAC) matches nobody.
    const forged = original('gus').returnPath.replace(/\+[0-9a-z]+-/, '+zz-');
    const bad = await handleMessages(store, [msg('forged.eml', m.mangledBounce(forged))], {
      ...ctx,
      source: 'import',
    });
    expect(bad.events.recorded).toBe(0);
    expect(bad.unrecognised).toHaveLength(1);
  });

  it('a plain "Undelivered Mail Returned to Sender" is matched by the attached original (no VERP)', async () => {
    const { store, original, ctx } = await sentList(kind);
    const o = { ...original('gus'), returnPath: 'digest@example.com' };
    const report = await handleMessages(store, [msg('plain.eml', m.plainBounceWithOriginal(o))], {
      ...ctx,
      verp: undefined,
      source: 'import',
    });
    expect(report.events).toMatchObject({
      recorded: 1,
      suppressed: [{ email: 'gus@example.org', reason: 'bounced' }],
    });
    expect((await bounceEventsFor(store.backend).list())[0]).toMatchObject({
      digestKey: KEY,
      status: '5.1.1',
      source: 'bounce',
    });
  });

  it('a complaint with the recipient redacted is matched by VERP in Original-Mail-From', async () => {
    const { store, original, ctx } = await sentList(kind);
    const report = await handleMessages(
      store,
      [msg('arf.eml', m.arfComplaint(original('carol'), { redactTo: true }))],
      {
        ...ctx,
        source: 'import',
      },
    );
    expect(report.events.suppressed).toEqual([{ email: 'carol@example.org', reason: 'complained' }]);
  });

  it('a human reply is kept as unrecognised (once), with no effect', async () => {
    const { store, ctx } = await sentList(kind);
    const reply = msg('reply.eml', m.humanReply('ann@example.org', 'bounces@digest.example.com'));
    const report = await handleMessages(store, [reply, reply], { ...ctx, source: 'import' });
    expect(report.unrecognised).toHaveLength(2);
    expect(report.unrecognised[0]?.reason).toContain('not a DSN, complaint or bounce (From ann@example.org');
    const rows = await bounceEventsFor(store.backend).list();
    expect(rows.map((r) => [r.kind, r.effect, r.addressId])).toEqual([['unrecognised', 'none', null]]);
    expect((await statuses(store)).every((s) => s.status === 'active')).toBe(true);
  });

  it('a 5.7.1 policy refusal is stored as "other" with no effect; three soft bounces of one digest count once', async () => {
    const { store, original, ctx } = await sentList(kind);
    const policy = await handleMessages(
      store,
      [msg('policy.eml', m.gmailSoftBounce(original('ann'), '5.7.1'))],
      {
        ...ctx,
        source: 'import',
      },
    );
    expect(policy.events).toMatchObject({ recorded: 1, kinds: { other: 1 }, suppressed: [] });
    const soft = (n: number, key: string) => {
      const o = original('bob');
      return msg(
        `soft${n}.eml`,
        m.gmailSoftBounce(
          { ...o, messageId: messageIdFor(key, 0, 'x') },
          '4.2.2',
          `soft-${n}@mail.gmail.com`,
        ),
      );
    };
    // The same digest (VERP names it) three times counts once: no suppression.
    const one = await handleMessages(store, [soft(1, KEY), soft(2, KEY), soft(3, KEY)], {
      ...ctx,
      source: 'import',
    });
    expect(one.events).toMatchObject({ recorded: 3, suppressed: [] });
    expect((await statuses(store)).find((s) => s.email === 'bob@example.org')?.status).toBe('active');
  });
});

describe.each(KINDS)('auto-replies are ignored, whatever marks them (%s)', (_name, kind) => {
  const base = m.outOfOffice('gus@example.org', 'bounces@digest.example.com');
  const without = base
    .replace('Auto-Submitted: auto-replied\r\n', '')
    .replace('X-Auto-Response-Suppress: All\r\n', '');
  it.each([
    ['Auto-Submitted (RFC 3834)', base],
    ['X-Autoreply', without.replace('Subject: Automatic reply:', 'X-Autoreply: yes\r\nSubject: Re:')],
    [
      'Precedence: auto_reply',
      without.replace('Subject: Automatic reply:', 'Precedence: auto_reply\r\nSubject: Re:'),
    ],
    ['an "Out of Office" subject', without.replace('Subject: Automatic reply:', 'Subject: Out of Office:')],
  ])('%s', async (_, text) => {
    const { store, ctx } = await sentList(kind);
    const report = await handleMessages(store, [msg('ooo.eml', text)], { ...ctx, source: 'import' });
    expect(report).toMatchObject({ autoReplies: 1, unrecognised: [], events: { recorded: 0 } });
  });

  it('the same message without any of them is unrecognised', async () => {
    const { store, ctx } = await sentList(kind);
    const plain = without.replace('Subject: Automatic reply:', 'Subject: Re:');
    const report = await handleMessages(store, [msg('reply.eml', plain)], { ...ctx, source: 'import' });
    expect(report).toMatchObject({ autoReplies: 0, unrecognised: [{ label: 'reply.eml' }] });
  });
});

describe('reading messages', () => {
  it('splits an mbox on From lines after an empty line and unquotes >From', () => {
    const mbox = [
      'From MAILER-DAEMON Tue Nov 24 07:05:12 2026',
      'Subject: one',
      '',
      'first body',
      '>From here on, quoted',
      '>>From twice',
      'From the desk (not a separator: no empty line before it)',
      '',
      'From MAILER-DAEMON Tue Nov 24 07:06:12 2026',
      'Subject: two',
      '',
      'second body',
      '',
    ].join('\n');
    const messages = splitMbox(Buffer.from(mbox)).map((b) => b.toString());
    expect(messages).toEqual([
      'Subject: one\n\nfirst body\nFrom here on, quoted\n>From twice\nFrom the desk (not a separator: no empty line before it)\n',
      'Subject: two\n\nsecond body\n',
    ]);
  });

  it('reads .eml files, an mbox and a Maildir (cur/ and new/, not tmp/)', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'one.eml'), 'Subject: one\r\n\r\nx\r\n');
    writeFileSync(
      join(dir, 'box.mbox'),
      'From a@b Tue Nov 24 07:05:12 2026\nSubject: m1\n\nx\n\nFrom a@b Tue Nov 24 07:05:13 2026\nSubject: m2\n\ny\n',
    );
    for (const sub of ['cur', 'new', 'tmp']) mkdirSync(join(dir, 'Maildir', sub), { recursive: true });
    writeFileSync(join(dir, 'Maildir', 'cur', '1.M1.host:2,S'), 'Subject: seen\r\n\r\nx\r\n');
    writeFileSync(join(dir, 'Maildir', 'new', '2.M2.host'), 'Subject: new\r\n\r\nx\r\n');
    writeFileSync(join(dir, 'Maildir', 'tmp', '3.M3.host'), 'Subject: half-written\r\n\r\nx\r\n');
    const read = [...readSources(['one.eml', 'box.mbox', 'Maildir'], dir)];
    expect(read.map((r) => [r.label, /Subject: (\S+)/.exec(r.raw.toString())?.[1]])).toEqual([
      ['one.eml', 'one'],
      ['box.mbox#1', 'm1'],
      ['box.mbox#2', 'm2'],
      [join('Maildir', 'cur', '1.M1.host:2,S'), 'seen'],
      [join('Maildir', 'new', '2.M2.host'), 'new'],
    ]);
    expect(() => [...readSources(['missing.eml'], dir)]).toThrow("can't read missing.eml");
    mkdirSync(join(dir, 'plain'));
    expect(() => [...readSources(['plain'], dir)]).toThrow('not a Maildir');
  });
});
