import { describe, expect, it } from 'vitest';
import { type BounceEvent, recordEvents } from '../../src/bounces/_event.js';
import { DEFAULT_BOUNCE_RULES, findStatus, kindOfStatus } from '../../src/bounces/_rules.js';
import { bounceEventsFor } from '../../src/store/_bounce-events.js';
import type { Store } from '../../src/store/index.js';
import { type StoreKind, storeKinds } from '../helpers/stores.js';

const DAY = 86_400_000;
const KINDS = storeKinds();

/** A fresh store of `kind` with these subscribers, and the target another process would open. */
async function storeOf(kind: StoreKind, ...emails: string[]): Promise<{ store: Store; target: string }> {
  const fresh = await kind.fresh();
  for (const email of emails) await fresh.store.subscribers.add({ email, name: '', topics: [] });
  return fresh;
}

function event(over: Partial<BounceEvent>): BounceEvent {
  return { email: 'ann@example.org', kind: 'hard', source: 'dsn', sourceId: 'id-1', at: 10 * DAY, ...over };
}

describe('kindOfStatus (default rules)', () => {
  it.each([
    ['5.1.1', 'hard'],
    ['5.1.10', 'hard'],
    ['5.2.1', 'hard'],
    ['5.4.4', 'hard'],
    ['5.2.2', 'soft'],
    ['4.2.2', 'soft'],
    ['4.4.7', 'soft'],
    ['5.7.1', 'other'],
    ['5.2.3', 'other'],
    ['2.0.0', undefined],
    ['garbage', 'other'],
  ])('%s is %s', (status, kind) => {
    expect(kindOfStatus(status, DEFAULT_BOUNCE_RULES)).toBe(kind);
  });

  it.each([
    ['smtp; 550 5.1.1 <ann@example.org>: Recipient address rejected', '5.1.1'],
    ['550-5.1.1 The email account that you tried to reach does not exist', '5.1.1'],
    ['452 4.2.2 Mailbox full', '4.2.2'],
    ['version 1.2.3.4 only', undefined],
    ['no code here', undefined],
  ])('findStatus(%j) is %j', (text, status) => {
    expect(findStatus(text)).toBe(status);
  });
});

describe.each(KINDS)('recordEvents (%s)', (_name, kind) => {
  const storeWith = async (...emails: string[]) => (await storeOf(kind, ...emails)).store;

  it('suppresses a hard bounce at once, stores it once, and leaves others alone', async () => {
    const store = await storeWith('Ann@Example.org', 'bob@example.org');
    const hard = event({
      email: 'ANN@example.org',
      status: '5.1.1',
      diagnostic: ' smtp; 550 5.1.1 unknown ',
    });
    const first = await recordEvents(store, [hard, hard]);
    expect(first).toMatchObject({
      recorded: 1,
      duplicates: 1,
      suppressed: [{ email: 'ann@example.org', reason: 'bounced' }],
    });
    const again = await recordEvents(store, [hard]);
    expect(again).toMatchObject({ recorded: 0, duplicates: 1, suppressed: [] });
    const list = await store.subscribers.list();
    expect(list.map((s) => [s.email, s.status])).toEqual([
      ['Ann@Example.org', 'unsubscribed'],
      ['bob@example.org', 'active'],
    ]);
    const table = bounceEventsFor(store.backend);
    const rows = await table.list();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      kind: 'hard',
      status: '5.1.1',
      diagnostic: 'smtp; 550 5.1.1 unknown',
      effect: 'suppressed',
    });
    expect((await table.suppressions()).get(rows[0]?.addressId as number)?.suppressedReason).toBe('bounced');
  });

  it('suppresses a soft-bouncing address only on the third digest within the window', async () => {
    const store = await storeWith('ann@example.org');
    const soft = (n: number, digestKey: string, at: number) =>
      event({ kind: 'soft', status: '4.2.2', sourceId: `s${n}`, digestKey, at });
    // Two on one digest count once; the one 31 days before the last falls out of the window.
    const outcome = await recordEvents(store, [
      soft(1, 'day:1', 0),
      soft(2, 'day:40', 40 * DAY),
      soft(3, 'day:40', 40 * DAY + 1),
      soft(4, 'day:50', 50 * DAY),
    ]);
    expect(outcome.suppressed).toEqual([]);
    expect((await store.subscribers.list())[0]?.status).toBe('active');
    const third = await recordEvents(store, [soft(5, 'day:60', 60 * DAY)]);
    expect(third.suppressed).toEqual([{ email: 'ann@example.org', reason: 'bounced' }]);
    expect((await store.subscribers.list())[0]?.status).toBe('unsubscribed');
  });

  it('after a resubscribe, the soft bounces before it count no more', async () => {
    const store = await storeWith('ann@example.org');
    const soft = (n: number) =>
      event({ kind: 'soft', status: '4.2.2', sourceId: `s${n}`, digestKey: `day:${n}`, at: n * DAY });
    const first = await recordEvents(store, [soft(1), soft(2), soft(3)]);
    expect(first.suppressed).toEqual([{ email: 'ann@example.org', reason: 'bounced' }]);
    await store.subscribers.resubscribe('ann@example.org');
    expect((await recordEvents(store, [soft(4), soft(5)])).suppressed).toEqual([]);
    expect((await store.subscribers.list())[0]?.status).toBe('active');
    expect((await recordEvents(store, [soft(6)])).suppressed).toEqual([
      { email: 'ann@example.org', reason: 'bounced' },
    ]);
  });

  it('the rules decide from the status: a 5.7.1 "permanent" from a provider is stored with no effect', async () => {
    const store = await storeWith('ann@example.org');
    const outcome = await recordEvents(store, [event({ kind: 'hard', status: '5.7.1' })]);
    expect(outcome).toMatchObject({ recorded: 1, kinds: { other: 1, hard: 0 }, suppressed: [] });
    expect((await store.subscribers.list())[0]?.status).toBe('active');
  });

  it('a complaint unsubscribes and suppresses, and its reason wins over an earlier bounce', async () => {
    const store = await storeWith('ann@example.org');
    await recordEvents(store, [event({ status: '5.1.1' })]);
    const outcome = await recordEvents(store, [event({ kind: 'complaint', source: 'arf', sourceId: 'c1' })]);
    expect(outcome.suppressed).toEqual([{ email: 'ann@example.org', reason: 'complained' }]);
    const table = bounceEventsFor(store.backend);
    expect([...(await table.suppressions()).values()].map((a) => a.suppressedReason)).toEqual(['complained']);
  });

  it('an address not on the list is stored with no effect; a subscriber id (VERP) wins over the address', async () => {
    const store = await storeWith('ann@example.org');
    const ann = await store.subscribers.findByEmail('ann@example.org');
    const outcome = await recordEvents(store, [
      event({ email: 'stranger@example.net', sourceId: 'u1' }),
      event({ email: 'garbled', subscriberId: ann?.id, sourceId: 'v1', status: '5.1.1' }),
    ]);
    expect(outcome).toMatchObject({
      recorded: 2,
      unknownAddress: 1,
      suppressed: [{ email: 'ann@example.org' }],
    });
  });

  it('resubscribe lifts a bounce suppression; a later add keeps a suppressed address unsubscribed', async () => {
    const store = await storeWith('ann@example.org');
    await recordEvents(store, [event({ status: '5.1.1' })]);
    await store.subscribers.remove('ann@example.org');
    const readded = await store.subscribers.add({ email: 'ann@example.org', name: '', topics: [] });
    expect(readded.subscriber.status).toBe('unsubscribed');
    const back = await store.subscribers.resubscribe('ann@example.org');
    expect(back).toMatchObject({ wasSuppressed: true, subscriber: { status: 'active' } });
    expect((await bounceEventsFor(store.backend).suppressions()).size).toBe(0);
  });

  it('two processes recording the same events at once store each once, and three soft bounces on three digests suppress', async () => {
    const { store, target } = await storeOf(kind, 'ann@example.org');
    const other = await kind.connect(target);
    const soft = (n: number) =>
      event({ kind: 'soft', status: '4.2.2', sourceId: `s${n}`, digestKey: `day:${n}`, at: n * DAY });
    const batch = [soft(1), soft(2), soft(3)];
    // The same three webhook deliveries reach two servers: each event is decided once.
    const [a, b] = await Promise.all([recordEvents(store, batch), recordEvents(other, [...batch].reverse())]);
    expect(a.recorded + b.recorded).toBe(3);
    expect(a.duplicates + b.duplicates).toBe(3);
    expect([...a.suppressed, ...b.suppressed]).toEqual([{ email: 'ann@example.org', reason: 'bounced' }]);
    const rows = await bounceEventsFor(store.backend).list();
    expect(rows.map((r) => r.sourceId).sort()).toEqual(['s1', 's2', 's3']);
    expect(rows.filter((r) => r.effect === 'suppressed')).toHaveLength(1);
    expect((await store.subscribers.findByEmail('ann@example.org'))?.status).toBe('unsubscribed');
  });

  it("lists events newest first by address, digest and kind, and each address's last event", async () => {
    const store = await storeWith('ann@example.org', 'bob@example.org');
    const [ann, bob] = await store.subscribers.list();
    await recordEvents(store, [
      event({ sourceId: 'h1', status: '5.1.1', digestKey: 'day:1', at: 1 * DAY }),
      event({
        email: 'bob@example.org',
        kind: 'soft',
        status: '4.2.2',
        sourceId: 's1',
        digestKey: 'day:1',
        at: 2 * DAY,
      }),
      event({ email: 'bob@example.org', kind: 'complaint', sourceId: 'c1', digestKey: 'day:2', at: 3 * DAY }),
    ]);
    const table = bounceEventsFor(store.backend);
    expect((await table.list()).map((r) => r.sourceId)).toEqual(['c1', 's1', 'h1']);
    expect((await table.list({ digestKey: 'day:1' })).map((r) => r.sourceId)).toEqual(['s1', 'h1']);
    expect((await table.list({ kind: 'soft' })).map((r) => r.sourceId)).toEqual(['s1']);
    expect((await table.list({ addressId: bob?.id, limit: 1 })).map((r) => r.sourceId)).toEqual(['c1']);
    const last = await table.lastEvents();
    expect([...last.entries()].map(([id, r]) => [id, r.sourceId]).sort()).toEqual(
      [
        [ann?.id, 'h1'],
        [bob?.id, 'c1'],
      ].sort(),
    );
    expect(await table.list({ kind: 'unrecognised' })).toEqual([]);
  });
});

describe.each(KINDS)('the way back (%s)', (_name, kind) => {
  it("a subscriber's own resubscribe link (setStatus active) does not lift a bounce or complaint; resubscribe does", async () => {
    const { store } = await storeOf(kind, 'ann@example.org', 'bob@example.org', 'cy@example.org');
    const [ann, bob, cy] = await store.subscribers.list();
    await recordEvents(store, [
      event({ status: '5.1.1' }),
      event({ email: 'bob@example.org', kind: 'complaint', sourceId: 'c1' }),
    ]);
    await store.subscribers.setStatus(cy?.id as number, 'unsubscribed');
    expect(await store.subscribers.setStatus(ann?.id as number, 'active')).toBe(false);
    expect(await store.subscribers.setStatus(bob?.id as number, 'active')).toBe(false);
    // A plain unsubscribe is the person's own: their link takes it back.
    expect(await store.subscribers.setStatus(cy?.id as number, 'active')).toBe(true);
    expect((await store.subscribers.list()).map((s) => s.status)).toEqual([
      'unsubscribed',
      'unsubscribed',
      'active',
    ]);
    await store.subscribers.resubscribe('ann@example.org');
    expect((await store.subscribers.findByEmail('ann@example.org'))?.status).toBe('active');
  });
});
