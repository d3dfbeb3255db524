import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore, type Store, subscriberInput } from '../../src/store/index.js';

let store: Store;
let clock = 1_000;

beforeEach(() => {
  clock = 1_000;
  store = openStore(join(mkdtempSync(join(tmpdir(), 'digest-subs-')), 'digest.db'), { now: () => clock });
});
afterEach(() => store.close());

describe('SqliteSubscriberStore', () => {
  it('adds, finds case-insensitively (local part too), lists and removes', async () => {
    const { subscriber, created } = await store.subscribers.add(
      subscriberInput('Ann@Example.COM', 'Ann', 'ai;x'),
    );
    expect(created).toBe(true);
    expect(subscriber).toMatchObject({
      email: 'Ann@example.com',
      name: 'Ann',
      topics: ['ai', 'x'],
      status: 'active',
    });
    expect((await store.subscribers.findByEmail('Ann@EXAMPLE.com'))?.id).toBe(subscriber.id);
    expect((await store.subscribers.findByEmail('ann@example.com'))?.id).toBe(subscriber.id);
    expect(await store.subscribers.add(subscriberInput('ann@example.com', 'Ann'))).toMatchObject({
      created: false,
      subscriber: { id: subscriber.id, email: 'Ann@example.com' },
    });
    expect((await store.subscribers.list()).length).toBe(1);
    expect(await store.subscribers.remove('Ann@example.COM')).toBe(true);
    expect(await store.subscribers.remove('ann@example.com')).toBe(false);
    expect(await store.subscribers.list()).toEqual([]);
  });

  it('import adds and updates in one go, and never re-activates an unsubscribed address', async () => {
    await store.subscribers.importMany([
      { email: 'a@example.com', name: 'A', topics: [] },
      { email: 'b@example.com', name: 'B', topics: [] },
    ]);
    const b = await store.subscribers.findByEmail('b@example.com');
    clock = 2_000;
    expect(await store.subscribers.setStatus(b?.id ?? -1, 'unsubscribed')).toBe(true);
    const counts = await store.subscribers.importMany([
      { email: 'a@example.com', name: 'A', topics: [] },
      { email: 'b@example.com', name: 'B renamed', topics: ['x'] },
      { email: 'c@example.com', name: 'C', topics: [] },
    ]);
    expect(counts).toEqual({ added: 1, updated: 0, unchanged: 1, keptUnsubscribed: 1 });
    expect(await store.subscribers.findByEmail('b@example.com')).toMatchObject({
      name: 'B renamed',
      status: 'unsubscribed',
      unsubscribedAt: 2_000,
    });
    expect((await store.subscribers.list({ status: 'active' })).map((s) => s.email)).toEqual([
      'a@example.com',
      'c@example.com',
    ]);
  });

  it('add never re-activates an unsubscribed address; resubscribe does', async () => {
    const { subscriber } = await store.subscribers.add(subscriberInput('a@example.com'));
    await store.subscribers.setStatus(subscriber.id, 'unsubscribed');
    const again = await store.subscribers.add(subscriberInput('a@example.com', 'A'));
    expect(again).toMatchObject({
      created: false,
      suppressed: true,
      subscriber: { status: 'unsubscribed', name: 'A' },
    });
    expect(await store.subscribers.resubscribe('A@example.com')).toMatchObject({
      wasSuppressed: true,
      subscriber: { id: subscriber.id, status: 'active' },
    });
    expect(await store.subscribers.resubscribe('nobody@example.com')).toEqual({ wasSuppressed: false });
  });

  it('an id is never handed out again, and an address keeps its id across remove and add', async () => {
    const a = (await store.subscribers.add(subscriberInput('a@example.com'))).subscriber;
    const b = (await store.subscribers.add(subscriberInput('b@example.com'))).subscriber;
    expect(await store.subscribers.remove('b@example.com')).toBe(true);
    // b held the highest id: a plain INTEGER PRIMARY KEY would give it to the newcomer
    const c = (await store.subscribers.add(subscriberInput('c@example.com'))).subscriber;
    expect(new Set([a.id, b.id, c.id]).size).toBe(3);
    const bAgain = await store.subscribers.add(subscriberInput('B@example.com'));
    expect(bAgain).toMatchObject({ created: true, suppressed: false, subscriber: { id: b.id } });
  });

  it('an unsubscribe outlives remove: import and add keep the address unsubscribed', async () => {
    const { subscriber } = await store.subscribers.add(subscriberInput('a@example.com', 'A'));
    clock = 3_000;
    await store.subscribers.setStatus(subscriber.id, 'unsubscribed');
    expect(await store.subscribers.remove('a@example.com')).toBe(true);
    clock = 4_000;
    expect(await store.subscribers.importMany([{ email: 'A@Example.com', name: 'A', topics: [] }])).toEqual({
      added: 0,
      updated: 0,
      unchanged: 0,
      keptUnsubscribed: 1,
    });
    expect(await store.subscribers.findByEmail('a@example.com')).toMatchObject({
      id: subscriber.id,
      status: 'unsubscribed',
      unsubscribedAt: 3_000,
    });
    await store.subscribers.remove('a@example.com');
    expect(await store.subscribers.add(subscriberInput('a@example.com'))).toMatchObject({
      created: true,
      suppressed: true,
    });
    // resubscribe lifts the record even while the address is off the list
    await store.subscribers.remove('a@example.com');
    expect(await store.subscribers.resubscribe('a@example.com')).toEqual({ wasSuppressed: true });
    expect((await store.subscribers.add(subscriberInput('a@example.com'))).suppressed).toBe(false);
    await store.subscribers.setStatus(subscriber.id, 'unsubscribed');
    // the subscriber's own "subscribe again" link (setStatus active) clears the record too
    await store.subscribers.setStatus(subscriber.id, 'active');
    await store.subscribers.remove('a@example.com');
    expect(
      await store.subscribers.importMany([{ email: 'a@example.com', name: 'A', topics: [] }]),
    ).toMatchObject({
      added: 1,
    });
  });

  it('setStatus is harmless to repeat and false for an unknown id', async () => {
    const { subscriber } = await store.subscribers.add(subscriberInput('a@example.com'));
    clock = 5_000;
    expect(await store.subscribers.setStatus(subscriber.id, 'unsubscribed')).toBe(true);
    clock = 9_000;
    expect(await store.subscribers.setStatus(subscriber.id, 'unsubscribed')).toBe(true);
    expect((await store.subscribers.findById(subscriber.id))?.unsubscribedAt).toBe(5_000);
    expect(await store.subscribers.setStatus(9999, 'unsubscribed')).toBe(false);
  });

  it('subscriberInput rejects header injection in names', () => {
    expect(() => subscriberInput('a@example.com', 'A\r\nBcc: evil@example.com')).toThrow(/control character/);
    expect(() => subscriberInput('a@example.com\nBcc: e@x.com')).toThrow(/control character/);
  });
});
