import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore, type Store, subscriberInput } from '../../src/store/index.js';
import { SqliteArchive } from '../../src/web/index.js';

const HOUR = 60 * 60 * 1000;
const DOUBLE = { doubleOptIn: true, quietMs: HOUR };
let store: Store;
let clock = 1_000;

beforeEach(() => {
  clock = 1_000;
  store = openStore(join(mkdtempSync(join(tmpdir(), 'digest-signup-')), 'digest.db'), { now: () => clock });
});
afterEach(() => store.close());

describe('signup in the subscriber store', () => {
  it('a new address is pending, is not listed as active, and one confirmation is due per hour', async () => {
    const first = await store.subscribers.signUp(
      { ...subscriberInput('Ann@Example.com', 'Ann', 'ai'), frequency: 'weekly' },
      DOUBLE,
    );
    expect(first).toMatchObject({
      action: 'confirm',
      sequence: 1,
      subscriber: { status: 'pending', frequency: 'weekly', topics: ['ai'], confirmedAt: null },
    });
    expect(await store.subscribers.list({ status: 'active' })).toEqual([]);
    clock += HOUR - 1;
    expect(await store.subscribers.signUp(subscriberInput('ann@example.com'), DOUBLE)).toEqual({
      action: 'none',
      reason: 'recent',
    });
    clock += 1;
    const again = await store.subscribers.signUp(subscriberInput('ann@example.com'), DOUBLE);
    expect(again).toMatchObject({ action: 'confirm', sequence: 2 });
    // The nonce stays while pending, so the first mail's link still works.
    if (first.action !== 'confirm' || again.action !== 'confirm') throw new Error('unreachable');
    expect(again.nonce).toBe(first.nonce);
  });

  it('the right nonce confirms once; a wrong one, a second use or a suppressed address change nothing', async () => {
    const signed = await store.subscribers.signUp(subscriberInput('b@example.com'), DOUBLE);
    if (signed.action !== 'confirm') throw new Error(`expected a confirmation, got ${signed.action}`);
    const id = signed.subscriber.id;
    expect(await store.subscribers.confirm(id, `${signed.nonce}x`)).toEqual({ outcome: 'invalid' });
    expect(await store.subscribers.confirm(id, '')).toEqual({ outcome: 'invalid' });
    expect((await store.subscribers.findById(id))?.status).toBe('pending');
    clock = 5_000;
    expect(await store.subscribers.confirm(id, signed.nonce)).toMatchObject({
      outcome: 'confirmed',
      subscriber: { status: 'active', confirmedAt: 5_000 },
    });
    expect(await store.subscribers.confirm(id, signed.nonce)).toMatchObject({ outcome: 'already' });
    await store.subscribers.setStatus(id, 'unsubscribed');
    expect(await store.subscribers.confirm(id, signed.nonce)).toEqual({ outcome: 'invalid' });
    expect((await store.subscribers.findById(id))?.status).toBe('unsubscribed');
    expect(await store.subscribers.signUp(subscriberInput('b@example.com'), DOUBLE)).toEqual({
      action: 'none',
      reason: 'suppressed',
    });
  });

  it('a bounced address (suppressed by the bounce rules, even after remove) is never mailed nor added', async () => {
    const { subscriber } = await store.subscribers.add(subscriberInput('gone@example.com'));
    // What src/bounces does on a hard bounce: the address's suppression record.
    store.db
      .prepare("UPDATE addresses SET suppressed_at = 1500, suppressed_reason = 'bounced' WHERE id = ?")
      .run(subscriber.id);
    expect(await store.subscribers.signUp(subscriberInput('gone@example.com'), DOUBLE)).toEqual({
      action: 'none',
      reason: 'suppressed',
    });
    await store.subscribers.remove('gone@example.com');
    expect(await store.subscribers.signUp(subscriberInput('Gone@Example.com'), DOUBLE)).toEqual({
      action: 'none',
      reason: 'suppressed',
    });
    expect(await store.subscribers.findByEmail('gone@example.com')).toBeUndefined();
  });

  it('an active address gets at most one notice an hour and keeps its preferences', async () => {
    await store.subscribers.add({
      ...subscriberInput('c@example.com', 'C', 'x'),
      frequency: 'weekly',
      weekday: 3,
    });
    const notice = await store.subscribers.signUp(subscriberInput('c@example.com', 'Mallory', 'y'), DOUBLE);
    expect(notice).toMatchObject({ action: 'notice', sequence: 1_000 });
    expect(await store.subscribers.signUp(subscriberInput('c@example.com'), DOUBLE)).toEqual({
      action: 'none',
      reason: 'recent',
    });
    expect(await store.subscribers.findByEmail('c@example.com')).toMatchObject({
      name: 'C',
      topics: ['x'],
      frequency: 'weekly',
      weekday: 3,
      status: 'active',
    });
  });

  it('without double opt-in a signup is active at once, with nothing to mail', async () => {
    const decision = await store.subscribers.signUp(subscriberInput('d@example.com'), {
      doubleOptIn: false,
      quietMs: HOUR,
    });
    expect(decision).toMatchObject({ action: 'activated', subscriber: { status: 'active' } });
    expect((await store.subscribers.list({ status: 'active' })).map((s) => s.email)).toEqual([
      'd@example.com',
    ]);
  });

  it('setPreferences saves what is given, keeps the rest, and refuses a weekday outside 1-7', async () => {
    const { subscriber } = await store.subscribers.add(subscriberInput('e@example.com', 'E', 'a;b'));
    expect(subscriber).toMatchObject({ frequency: 'daily', weekday: null });
    clock = 2_000;
    expect(
      await store.subscribers.setPreferences(subscriber.id, { frequency: 'weekly', weekday: 7 }),
    ).toMatchObject({
      name: 'E',
      topics: ['a', 'b'],
      frequency: 'weekly',
      weekday: 7,
      updatedAt: 2_000,
    });
    await expect(store.subscribers.setPreferences(subscriber.id, { weekday: 8 })).rejects.toThrow(
      /weekday 8/,
    );
    expect(
      await store.subscribers.setPreferences(subscriber.id, { topics: [], name: 'Eve', frequency: 'paused' }),
    ).toMatchObject({
      name: 'Eve',
      topics: [],
      frequency: 'paused',
      weekday: 7,
    });
    expect(await store.subscribers.setPreferences(9999, { name: 'x' })).toBeUndefined();
  });

  it('the archive offers each topic of its digests once, whatever its case, in reading order', async () => {
    const archive = new SqliteArchive(store.db);
    expect(await archive.topics()).toEqual([]);
    await archive.saveWebCopy('day:2026-11-23@UTC', '<p>23</p>', ['Climate', 'AI', 'agriculture']);
    await archive.saveWebCopy('day:2026-11-24@UTC', '<p>24</p>', ['ai', 'Climate', 'Zoos']);
    expect(await archive.topics()).toEqual(['agriculture', 'AI', 'Climate', 'Zoos']);
  });
});
