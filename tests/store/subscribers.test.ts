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
  it('adds, finds case-insensitively in the domain only, lists and removes', async () => {
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
    expect(await store.subscribers.findByEmail('ann@example.com')).toBeUndefined();
    expect((await store.subscribers.list()).length).toBe(1);
    expect(await store.subscribers.remove('Ann@example.COM')).toBe(true);
    expect(await store.subscribers.remove('Ann@example.com')).toBe(false);
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

  it('add re-activates an unsubscribed address (an explicit request)', async () => {
    const { subscriber } = await store.subscribers.add(subscriberInput('a@example.com'));
    await store.subscribers.setStatus(subscriber.id, 'unsubscribed');
    const again = await store.subscribers.add(subscriberInput('a@example.com', 'A'));
    expect(again).toMatchObject({
      created: false,
      reactivated: true,
      subscriber: { status: 'active', name: 'A' },
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
