import { describe, expect, it } from 'vitest';
import { recordEvents } from '../../src/bounces/_event.js';
import { deliveryStatsFor } from '../../src/store/_delivery-stats.js';
import { storeKinds } from '../helpers/stores.js';

const DAY = 86_400_000;
const KINDS = storeKinds();

describe.each(KINDS)('delivery stats (%s)', (_name, kind) => {
  it('counts each digest (ledger, bounces once per address, unsubscribes until the next digest) and a window', async () => {
    let now = DAY;
    const { store } = await kind.fresh({ now: () => now });
    const emails = ['ann', 'bob', 'cy', 'dee', 'eve', 'fay'].map((n) => `${n}@example.org`);
    for (const email of emails) await store.subscribers.add({ email, name: '', topics: [] });
    const [ann, bob, cy, dee, eve, fay] = await store.subscribers.list();
    const send = async (
      digestKey: string,
      date: string,
      results: [typeof ann, 'sent' | 'failed_perm'][],
    ): Promise<void> => {
      await store.ledger.recordDigest({ digestKey, date, subject: `Digest ${date}`, items: 3 });
      await store.ledger.enqueue(
        digestKey,
        results.map(([s]) => ({
          subscriberId: s?.id as number,
          email: s?.email as string,
          messageId: `<${digestKey}.${s?.id}@example.org>`,
        })),
      );
      for (const [s, state] of results) {
        await store.ledger.markResult(digestKey, s?.id as number, {
          state,
          code: state === 'sent' ? 250 : 550,
        });
      }
    };

    now = 10 * DAY;
    await send('day:2026-11-10@UTC', '2026-11-10', [
      [ann, 'sent'],
      [bob, 'sent'],
      [cy, 'sent'],
      [dee, 'failed_perm'],
    ]);
    now = 11 * DAY;
    await store.subscribers.setStatus(eve?.id as number, 'unsubscribed');
    now = 20 * DAY;
    await send('day:2026-11-20@UTC', '2026-11-20', [
      [ann, 'sent'],
      [bob, 'sent'],
    ]);
    now = 21 * DAY;
    await store.subscribers.setStatus(fay?.id as number, 'unsubscribed');
    const on = (email: string | undefined, over: object) => ({
      email: email as string,
      kind: 'hard' as const,
      source: 'dsn',
      sourceId: JSON.stringify(over),
      at: now,
      ...over,
    });
    await recordEvents(store, [
      on(cy?.email, { status: '5.1.1', digestKey: 'day:2026-11-10@UTC', at: 10 * DAY + 1 }),
      // Two soft bounces of one address on one digest count once for it.
      on(bob?.email, { kind: 'soft', status: '4.2.2', digestKey: 'day:2026-11-10@UTC', at: 10 * DAY + 2 }),
      on(bob?.email, { kind: 'soft', status: '4.2.2', digestKey: 'day:2026-11-10@UTC', at: 10 * DAY + 3 }),
      on(ann?.email, { kind: 'complaint', digestKey: 'day:2026-11-20@UTC', at: 20 * DAY + 1 }),
    ]);

    const stats = deliveryStatsFor(store.backend);
    const counts = (d: {
      sent: number;
      failed: number;
      hard: number;
      soft: number;
      complaints: number;
      unsubscribes: number;
    }) => [d.sent, d.failed, d.hard, d.soft, d.complaints, d.unsubscribes];
    const all = await stats.digestCounts();
    expect(all.map((d) => [d.digestKey, d.date, d.subject, d.firstSentAt])).toEqual([
      ['day:2026-11-10@UTC', '2026-11-10', 'Digest 2026-11-10', 10 * DAY],
      ['day:2026-11-20@UTC', '2026-11-20', 'Digest 2026-11-20', 20 * DAY],
    ]);
    // sent, failed, hard, soft, complaints, unsubscribes (eve after the first, fay after the second)
    expect(all.map(counts)).toEqual([
      [3, 1, 1, 1, 0, 1],
      [2, 0, 0, 0, 1, 1],
    ]);
    // One date: its unsubscribe window still ends where the next digest (of any date) went out.
    expect((await stats.digestCounts({ date: '2026-11-10' })).map(counts)).toEqual([[3, 1, 1, 1, 0, 1]]);
    expect(await stats.digestCounts({ date: '2026-11-11' })).toEqual([]);

    // A window counts messages and events (each event, not each address) that fall in it.
    expect(await stats.windowCounts(0, 15 * DAY)).toEqual({
      since: 0,
      until: 15 * DAY,
      sent: 3,
      hard: 1,
      soft: 2,
      complaints: 0,
    });
    expect(await stats.windowCounts(15 * DAY, 30 * DAY)).toMatchObject({ sent: 2, hard: 0, complaints: 1 });
  });
});
