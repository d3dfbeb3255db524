import { describe, expect, it } from 'vitest';
import { afterSend } from '../../src/bounces/_after-send.js';
import { recordEvents } from '../../src/bounces/_event.js';
import { DEFAULT_BOUNCE_RULES } from '../../src/bounces/_rules.js';
import { bounceEventsFor } from '../../src/store/_bounce-events.js';
import { storeKinds } from '../helpers/stores.js';

const DAY = 86_400_000;
const KINDS = storeKinds();
const KEY = 'day:2026-11-23@UTC';

describe.each(KINDS)('what a send learns about bounces (%s)', (_name, kind) => {
  it("counts the suppressed it skipped, records its own 5.1.1 refusal (once) and not a 5.7.1, and warns of the window's bounce rate", async () => {
    const now = 40 * DAY;
    const { store } = await kind.fresh({ now: () => now });
    for (const n of ['ann', 'bob', 'cy', 'dee']) {
      await store.subscribers.add({ email: `${n}@example.org`, name: '', topics: [] });
    }
    const [ann, bob, cy, dee] = await store.subscribers.list();
    const people = [ann, bob, cy].map((s) => ({ id: s?.id as number, email: s?.email as string }));
    await recordEvents(store, [
      { email: 'dee@example.org', kind: 'complaint', source: 'arf', sourceId: 'c1', at: now - DAY },
    ]);
    await store.ledger.recordDigest({ digestKey: KEY, date: '2026-11-23', subject: 'News', items: 3 });
    await store.ledger.enqueue(
      KEY,
      people.map((p) => ({ subscriberId: p.id, email: p.email, messageId: `<${p.id}@example.org>` })),
    );
    const replies = ['250 ok', '550 5.1.1 <bob@example.org>: user unknown', '550 5.7.1 refused by policy'];
    const failures = people.slice(1).map((p, i) => ({
      subscriberId: p.id,
      email: p.email,
      state: 'failed_perm',
      reply: replies[i + 1] as string,
    }));
    await store.ledger.markResult(KEY, ann?.id as number, { state: 'sent', code: 250 });
    for (const f of failures) {
      await store.ledger.markResult(KEY, f.subscriberId, { state: 'failed_perm', code: 550, reply: f.reply });
    }

    const notes = await afterSend(store.backend, { digestKey: KEY, failures }, DEFAULT_BOUNCE_RULES, now, [
      dee?.id as number,
    ]);
    expect(notes.suppressed).toEqual({ bounced: 0, complained: 1 });
    expect(notes.rejections).toEqual({
      recorded: 1,
      suppressed: [{ email: 'bob@example.org', reason: 'bounced' }],
    });
    // One sent in the last 30 days, one hard bounce: 100 %.
    expect(notes.warnings).toHaveLength(1);
    expect(notes.warnings[0]).toMatch(/^bounce rate 100\.00 % over the last 30 days \(1 of 1 sent\)/);
    const rows = await bounceEventsFor(store.backend).list({ digestKey: KEY });
    expect(rows.map((r) => [r.email, r.kind, r.status, r.source, r.sourceId])).toEqual([
      ['bob@example.org', 'hard', '5.1.1', 'smtp', `smtp:${KEY}:${bob?.id}`],
    ]);

    // A --retry-failed that is refused the same way records nothing new.
    const again = await afterSend(store.backend, { digestKey: KEY, failures }, DEFAULT_BOUNCE_RULES, now, []);
    expect(again.rejections).toEqual({ recorded: 0, suppressed: [] });
  });
});
