import pg from 'pg';
import { describe, expect, it } from 'vitest';
import {
  type Store,
  type SubscriberInput,
  type SubscriberStore,
  subscriberInput,
} from '../../src/store/index.js';
import { type StoreKind, storeKinds } from '../helpers/stores.js';

const HOUR = 60 * 60 * 1000;
const DOUBLE = { doubleOptIn: true, quietMs: HOUR };
const kinds = storeKinds();

/** A fresh store of `kind` on a clock the test sets (`clock.now`). */
async function freshStore(kind: StoreKind) {
  const clock = { now: 1_000 };
  const { store, target } = await kind.fresh({ now: () => clock.now });
  return { subs: store.subscribers, store, target, clock };
}

/** What src/bounces does on a hard bounce: the address's suppression record, reason `bounced`. */
async function suppressAfterBounce(store: Store, id: number): Promise<void> {
  const sql = "UPDATE addresses SET suppressed_at = 1500, suppressed_reason = 'bounced' WHERE id = ";
  if (store.backend.kind === 'sqlite') store.backend.db.prepare(`${sql}?`).run(id);
  else await store.backend.pool.query(`${sql}$1`, [id]);
}

function rows(from: number, to: number, name = 'N'): SubscriberInput[] {
  return Array.from({ length: to - from }, (_, i) => ({
    email: `user${from + i}@example.com`,
    name: `${name}${from + i}`,
    topics: [],
  }));
}

describe.each(kinds)('%s subscriber store', (_name, kind) => {
  it('adds, finds case-insensitively (local part too), lists and removes', async () => {
    const { subs } = await freshStore(kind);
    const { subscriber, created } = await subs.add(subscriberInput('Ann@Example.COM', 'Ann', 'ai;x'));
    expect(created).toBe(true);
    expect(subscriber).toMatchObject({
      email: 'Ann@example.com',
      name: 'Ann',
      topics: ['ai', 'x'],
      status: 'active',
    });
    expect((await subs.findByEmail('Ann@EXAMPLE.com'))?.id).toBe(subscriber.id);
    expect((await subs.findByEmail('ann@example.com'))?.id).toBe(subscriber.id);
    expect(await subs.findByEmail('not an address')).toBeUndefined();
    expect(await subs.add(subscriberInput('ann@example.com', 'Ann'))).toMatchObject({
      created: false,
      subscriber: { id: subscriber.id, email: 'Ann@example.com' },
    });
    expect((await subs.list()).length).toBe(1);
    expect(await subs.remove('Ann@example.COM')).toBe(true);
    expect(await subs.remove('ann@example.com')).toBe(false);
    expect(await subs.list()).toEqual([]);
  });

  it('import adds and updates in one go, and never re-activates an unsubscribed address', async () => {
    const { subs, clock } = await freshStore(kind);
    await subs.importMany([
      { email: 'a@example.com', name: 'A', topics: [] },
      { email: 'b@example.com', name: 'B', topics: [] },
    ]);
    const b = await subs.findByEmail('b@example.com');
    clock.now = 2_000;
    expect(await subs.setStatus(b?.id ?? -1, 'unsubscribed')).toBe(true);
    const counts = await subs.importMany([
      { email: 'a@example.com', name: 'A', topics: [] },
      { email: 'b@example.com', name: 'B renamed', topics: ['x'] },
      { email: 'c@example.com', name: 'C', topics: [] },
    ]);
    expect(counts).toEqual({ added: 1, updated: 0, unchanged: 1, keptUnsubscribed: 1 });
    expect(await subs.findByEmail('b@example.com')).toMatchObject({
      name: 'B renamed',
      topics: ['x'],
      status: 'unsubscribed',
      unsubscribedAt: 2_000,
      updatedAt: 2_000,
    });
    expect((await subs.list({ status: 'active' })).map((s) => s.email)).toEqual([
      'a@example.com',
      'c@example.com',
    ]);
  });

  it('import counts each kind of row, keeps absent schedule fields, and gives ids in file order', async () => {
    const { subs, clock } = await freshStore(kind);
    await subs.importMany([
      { email: 'z@example.com', name: 'Z', topics: ['a'], frequency: 'weekly', weekday: 3 },
      { email: 'y@example.com', name: 'Y', topics: [] },
      { email: 'x@example.com', name: 'X', topics: [] },
    ]);
    const [z, y, x] = await subs.list();
    expect([z?.email, y?.email, x?.email]).toEqual(['z@example.com', 'y@example.com', 'x@example.com']);
    expect(z).toMatchObject({ frequency: 'weekly', weekday: 3, createdAt: 1_000 });
    expect(y).toMatchObject({ frequency: 'daily', weekday: null });
    clock.now = 7_000;
    const counts = await subs.importMany([
      // no frequency or weekday given: both kept
      { email: 'Z@example.com', name: 'Z', topics: ['a'] },
      // weekday null: back to the default weekday, a change
      { email: 'y@example.com', name: 'Y', topics: [], weekday: null },
      { email: 'x@example.com', name: 'X', topics: ['new'] },
      { email: 'w@example.com', name: 'W', topics: [], frequency: 'paused' },
    ]);
    expect(counts).toEqual({ added: 1, updated: 1, unchanged: 2, keptUnsubscribed: 0 });
    expect(await subs.findByEmail('z@example.com')).toMatchObject({
      email: 'z@example.com',
      frequency: 'weekly',
      weekday: 3,
      updatedAt: 1_000,
    });
    expect(await subs.findByEmail('x@example.com')).toMatchObject({ topics: ['new'], updatedAt: 7_000 });
    expect(await subs.findByEmail('w@example.com')).toMatchObject({ frequency: 'paused', createdAt: 7_000 });
    expect((await subs.list()).map((s) => s.email)).toEqual([
      'z@example.com',
      'y@example.com',
      'x@example.com',
      'w@example.com',
    ]);
  });

  it('import applies two rows of one address in order, as two imports would', async () => {
    const { subs } = await freshStore(kind);
    expect(
      await subs.importMany([
        { email: 'Dup@example.com', name: 'First', topics: [] },
        { email: 'other@example.com', name: 'O', topics: [] },
        { email: 'dup@example.com', name: 'Second', topics: ['t'], frequency: 'weekly' },
        { email: 'DUP@example.com', name: 'Second', topics: ['t'] },
      ]),
    ).toEqual({ added: 2, updated: 1, unchanged: 1, keptUnsubscribed: 0 });
    expect(await subs.findByEmail('dup@example.com')).toMatchObject({
      email: 'Dup@example.com',
      name: 'Second',
      topics: ['t'],
      frequency: 'weekly',
    });
    expect((await subs.list()).length).toBe(2);
  });

  it('import refuses a weekday outside 1-7 and writes nothing', async () => {
    const { subs } = await freshStore(kind);
    await subs.add(subscriberInput('a@example.com', 'A'));
    await expect(
      subs.importMany([
        { email: 'b@example.com', name: 'B', topics: [] },
        { email: 'a@example.com', name: 'A2', topics: [], weekday: 9 },
      ]),
    ).rejects.toThrow(/a@example\.com: weekday 9 is not 1 \(Monday\) to 7 \(Sunday\)/);
    expect((await subs.list()).map((s) => [s.email, s.name])).toEqual([['a@example.com', 'A']]);
  });

  it('import keeps names and topics byte for byte (quotes, backslashes, tabs, non-ASCII)', async () => {
    const { subs } = await freshStore(kind);
    const name = 'Zoë "Z" O\'Brien \\ \t tab';
    const topics = ['a\\b', 'c"d', 'é'];
    expect(await subs.importMany([{ email: 'z@example.com', name, topics }])).toMatchObject({ added: 1 });
    expect(await subs.findByEmail('z@example.com')).toMatchObject({ name, topics });
    expect(await subs.importMany([{ email: 'z@example.com', name, topics }])).toMatchObject({ unchanged: 1 });
  });

  it('import of nothing changes nothing', async () => {
    const { subs } = await freshStore(kind);
    expect(await subs.importMany([])).toEqual({ added: 0, updated: 0, unchanged: 0, keptUnsubscribed: 0 });
    expect(await subs.list()).toEqual([]);
  });

  it('add never re-activates an unsubscribed address; resubscribe does', async () => {
    const { subs } = await freshStore(kind);
    const { subscriber } = await subs.add(subscriberInput('a@example.com'));
    await subs.setStatus(subscriber.id, 'unsubscribed');
    const again = await subs.add(subscriberInput('a@example.com', 'A'));
    expect(again).toMatchObject({
      created: false,
      suppressed: true,
      subscriber: { status: 'unsubscribed', name: 'A' },
    });
    expect(await subs.resubscribe('A@example.com')).toMatchObject({
      wasSuppressed: true,
      subscriber: { id: subscriber.id, status: 'active' },
    });
    expect(await subs.resubscribe('nobody@example.com')).toEqual({ wasSuppressed: false });
    expect(await subs.resubscribe('not an address')).toEqual({ wasSuppressed: false });
  });

  it('an id is never handed out again, and an address keeps its id across remove and add', async () => {
    const { subs } = await freshStore(kind);
    const a = (await subs.add(subscriberInput('a@example.com'))).subscriber;
    const b = (await subs.add(subscriberInput('b@example.com'))).subscriber;
    expect(await subs.remove('b@example.com')).toBe(true);
    // b held the highest id: a plain INTEGER PRIMARY KEY would give it to the newcomer
    const c = (await subs.add(subscriberInput('c@example.com'))).subscriber;
    expect(new Set([a.id, b.id, c.id]).size).toBe(3);
    const bAgain = await subs.add(subscriberInput('B@example.com'));
    expect(bAgain).toMatchObject({ created: true, suppressed: false, subscriber: { id: b.id } });
    // an import of a removed address gives it its old id back too
    await subs.remove('c@example.com');
    await subs.importMany([{ email: 'C@example.com', name: '', topics: [] }]);
    expect((await subs.findByEmail('c@example.com'))?.id).toBe(c.id);
  });

  it('an unsubscribe outlives remove: import and add keep the address unsubscribed', async () => {
    const { subs, clock } = await freshStore(kind);
    const { subscriber } = await subs.add(subscriberInput('a@example.com', 'A'));
    clock.now = 3_000;
    await subs.setStatus(subscriber.id, 'unsubscribed');
    expect(await subs.remove('a@example.com')).toBe(true);
    clock.now = 4_000;
    expect(await subs.importMany([{ email: 'A@Example.com', name: 'A', topics: [] }])).toEqual({
      added: 0,
      updated: 0,
      unchanged: 0,
      keptUnsubscribed: 1,
    });
    expect(await subs.findByEmail('a@example.com')).toMatchObject({
      id: subscriber.id,
      status: 'unsubscribed',
      unsubscribedAt: 3_000,
    });
    await subs.remove('a@example.com');
    expect(await subs.add(subscriberInput('a@example.com'))).toMatchObject({
      created: true,
      suppressed: true,
    });
    // resubscribe lifts the record even while the address is off the list
    await subs.remove('a@example.com');
    expect(await subs.resubscribe('a@example.com')).toEqual({ wasSuppressed: true });
    expect((await subs.add(subscriberInput('a@example.com'))).suppressed).toBe(false);
    await subs.setStatus(subscriber.id, 'unsubscribed');
    // the subscriber's own "subscribe again" link (setStatus active) clears the record too
    await subs.setStatus(subscriber.id, 'active');
    await subs.remove('a@example.com');
    expect(await subs.importMany([{ email: 'a@example.com', name: 'A', topics: [] }])).toMatchObject({
      added: 1,
    });
  });

  it('setStatus is harmless to repeat and false for an unknown id', async () => {
    const { subs, clock } = await freshStore(kind);
    const { subscriber } = await subs.add(subscriberInput('a@example.com'));
    clock.now = 5_000;
    expect(await subs.setStatus(subscriber.id, 'unsubscribed')).toBe(true);
    clock.now = 9_000;
    expect(await subs.setStatus(subscriber.id, 'unsubscribed')).toBe(true);
    expect((await subs.findById(subscriber.id))?.unsubscribedAt).toBe(5_000);
    expect(await subs.setStatus(9999, 'unsubscribed')).toBe(false);
    expect((await subs.list({ status: 'unsubscribed' })).map((s) => s.id)).toEqual([subscriber.id]);
  });

  it('a bounce suppression is lifted by resubscribe only, not by setStatus(active)', async () => {
    const { subs, store } = await freshStore(kind);
    const { subscriber } = await subs.add(subscriberInput('gone@example.com'));
    await subs.setStatus(subscriber.id, 'unsubscribed');
    await suppressAfterBounce(store, subscriber.id);
    expect(await subs.setStatus(subscriber.id, 'active')).toBe(false);
    expect((await subs.findById(subscriber.id))?.status).toBe('unsubscribed');
    expect(await subs.resubscribe('gone@example.com')).toMatchObject({
      wasSuppressed: true,
      subscriber: { status: 'active' },
    });
  });

  it('subscriberInput rejects header injection in names', () => {
    expect(() => subscriberInput('a@example.com', 'A\r\nBcc: evil@example.com')).toThrow(/control character/);
    expect(() => subscriberInput('a@example.com\nBcc: e@x.com')).toThrow(/control character/);
  });
});

describe.each(kinds)('%s signup in the subscriber store', (_name, kind) => {
  it('a new address is pending, is not listed as active, and one confirmation is due per hour', async () => {
    const { subs, clock } = await freshStore(kind);
    const first = await subs.signUp(
      { ...subscriberInput('Ann@Example.com', 'Ann', 'ai'), frequency: 'weekly' },
      DOUBLE,
    );
    expect(first).toMatchObject({
      action: 'confirm',
      sequence: 1,
      subscriber: { status: 'pending', frequency: 'weekly', topics: ['ai'], confirmedAt: null },
    });
    expect(await subs.list({ status: 'active' })).toEqual([]);
    clock.now += HOUR - 1;
    expect(await subs.signUp(subscriberInput('ann@example.com'), DOUBLE)).toEqual({
      action: 'none',
      reason: 'recent',
    });
    clock.now += 1;
    const again = await subs.signUp(subscriberInput('ann@example.com'), DOUBLE);
    expect(again).toMatchObject({ action: 'confirm', sequence: 2 });
    if (first.action !== 'confirm' || again.action !== 'confirm') throw new Error('unreachable');
    // The nonce stays while pending, so the first mail's link still works.
    expect(again.nonce).toBe(first.nonce);
  });

  it('the right nonce confirms once; a wrong one, a second use or a suppressed address change nothing', async () => {
    const { subs, clock } = await freshStore(kind);
    const signed = await subs.signUp(subscriberInput('b@example.com'), DOUBLE);
    if (signed.action !== 'confirm') throw new Error(`expected a confirmation, got ${signed.action}`);
    const id = signed.subscriber.id;
    expect(await subs.confirm(id, `${signed.nonce}x`)).toEqual({ outcome: 'invalid' });
    expect(await subs.confirm(id, '')).toEqual({ outcome: 'invalid' });
    expect(await subs.confirm(9999, signed.nonce)).toEqual({ outcome: 'invalid' });
    expect((await subs.findById(id))?.status).toBe('pending');
    clock.now = 5_000;
    expect(await subs.confirm(id, signed.nonce)).toMatchObject({
      outcome: 'confirmed',
      subscriber: { status: 'active', confirmedAt: 5_000, updatedAt: 5_000 },
    });
    expect(await subs.confirm(id, signed.nonce)).toMatchObject({ outcome: 'already' });
    await subs.setStatus(id, 'unsubscribed');
    expect(await subs.confirm(id, signed.nonce)).toEqual({ outcome: 'invalid' });
    expect((await subs.findById(id))?.status).toBe('unsubscribed');
    expect(await subs.signUp(subscriberInput('b@example.com'), DOUBLE)).toEqual({
      action: 'none',
      reason: 'suppressed',
    });
  });

  it('a bounced address (suppressed, even after remove) is never mailed nor added', async () => {
    const { subs, store } = await freshStore(kind);
    const { subscriber } = await subs.add(subscriberInput('gone@example.com'));
    await suppressAfterBounce(store, subscriber.id);
    expect(await subs.signUp(subscriberInput('gone@example.com'), DOUBLE)).toEqual({
      action: 'none',
      reason: 'suppressed',
    });
    await subs.remove('gone@example.com');
    expect(await subs.signUp(subscriberInput('Gone@Example.com'), DOUBLE)).toEqual({
      action: 'none',
      reason: 'suppressed',
    });
    expect(await subs.findByEmail('gone@example.com')).toBeUndefined();
  });

  it('an active address gets at most one notice an hour and keeps its preferences', async () => {
    const { subs, clock } = await freshStore(kind);
    await subs.add({ ...subscriberInput('c@example.com', 'C', 'x'), frequency: 'weekly', weekday: 3 });
    const notice = await subs.signUp(subscriberInput('c@example.com', 'Mallory', 'y'), DOUBLE);
    expect(notice).toMatchObject({ action: 'notice', sequence: 1_000, at: 1_000 });
    expect(await subs.signUp(subscriberInput('c@example.com'), DOUBLE)).toEqual({
      action: 'none',
      reason: 'recent',
    });
    // The notice did not go out: the next signup may send one at once.
    if (notice.action !== 'notice') throw new Error('unreachable');
    await subs.signupMailFailed(notice.subscriber.id, 'notice', notice.at);
    clock.now = 2_000;
    expect(await subs.signUp(subscriberInput('c@example.com'), DOUBLE)).toMatchObject({
      action: 'notice',
      sequence: 2_000,
    });
    expect(await subs.findByEmail('c@example.com')).toMatchObject({
      name: 'C',
      topics: ['x'],
      frequency: 'weekly',
      weekday: 3,
      status: 'active',
    });
  });

  it('a failed confirmation mail lets the next signup mail again; a stale failure changes nothing', async () => {
    const { subs, clock } = await freshStore(kind);
    const first = await subs.signUp(subscriberInput('f@example.com'), DOUBLE);
    if (first.action !== 'confirm') throw new Error(`expected a confirmation, got ${first.action}`);
    await subs.signupMailFailed(first.subscriber.id, 'confirm', first.at + 1);
    clock.now = 2_000;
    expect(await subs.signUp(subscriberInput('f@example.com'), DOUBLE)).toEqual({
      action: 'none',
      reason: 'recent',
    });
    await subs.signupMailFailed(first.subscriber.id, 'confirm', first.at);
    expect(await subs.signUp(subscriberInput('f@example.com', 'F'), DOUBLE)).toMatchObject({
      action: 'confirm',
      sequence: 2,
      subscriber: { name: 'F', status: 'pending' },
    });
  });

  it('without double opt-in a signup is active at once, with nothing to mail', async () => {
    const { subs } = await freshStore(kind);
    const decision = await subs.signUp(subscriberInput('d@example.com'), {
      doubleOptIn: false,
      quietMs: HOUR,
    });
    expect(decision).toMatchObject({ action: 'activated', subscriber: { status: 'active' } });
    expect((await subs.list({ status: 'active' })).map((s) => s.email)).toEqual(['d@example.com']);
  });

  it('setPreferences saves what is given, keeps the rest, and refuses a weekday outside 1-7', async () => {
    const { subs, clock } = await freshStore(kind);
    const { subscriber } = await subs.add(subscriberInput('e@example.com', 'E', 'a;b'));
    expect(subscriber).toMatchObject({ frequency: 'daily', weekday: null });
    clock.now = 2_000;
    expect(await subs.setPreferences(subscriber.id, { frequency: 'weekly', weekday: 7 })).toMatchObject({
      name: 'E',
      topics: ['a', 'b'],
      frequency: 'weekly',
      weekday: 7,
      updatedAt: 2_000,
    });
    await expect(subs.setPreferences(subscriber.id, { weekday: 8 })).rejects.toThrow(/weekday 8/);
    clock.now = 3_000;
    // nothing changes: updatedAt stays
    expect(await subs.setPreferences(subscriber.id, { weekday: 7 })).toMatchObject({ updatedAt: 2_000 });
    expect(
      await subs.setPreferences(subscriber.id, { topics: [], name: 'Eve', frequency: 'paused' }),
    ).toMatchObject({ name: 'Eve', topics: [], frequency: 'paused', weekday: 7, updatedAt: 3_000 });
    expect(await subs.setPreferences(9999, { name: 'x' })).toBeUndefined();
  });
});

describe('imports on both stores', () => {
  it('the same mixed batches give the same counts and the same rows, ids included', async () => {
    const stores = await Promise.all(kinds.map(([, kind]) => freshStore(kind)));
    // A small seeded generator: the batches are the same on every run.
    let seed = 7;
    const next = (n: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      // The high bits: the low bits of this generator repeat after a few steps.
      return Math.floor(seed / 65_536) % n;
    };
    const frequencies = [undefined, 'daily', 'weekly', 'paused'] as const;
    const weekdays = [undefined, null, 1, 5, 7] as const;
    for (let batch = 0; batch < 6; batch++) {
      const input: SubscriberInput[] = Array.from({ length: 60 }, () => {
        const n = next(80);
        // Case variants of one address, and repeats within a batch.
        const local = next(4) === 0 ? `User${n}` : `user${n}`;
        return {
          email: `${local}@example.com`,
          name: `Name ${next(3)}`,
          topics: next(2) === 0 ? [] : [`t${next(3)}`],
          frequency: frequencies[next(4)],
          weekday: weekdays[next(5)],
        };
      });
      const counts = [];
      for (const { subs, clock } of stores) {
        clock.now = 10_000 * (batch + 1);
        counts.push(await subs.importMany(input));
        // Between batches: one unsubscribe and one remove, the same on each store.
        const listed = await subs.list();
        const victim = listed[batch * 3];
        if (victim) await subs.setStatus(victim.id, 'unsubscribed');
        const removed = listed[batch * 5 + 1];
        if (removed) await subs.remove(removed.email);
      }
      expect(counts[1], `batch ${batch}`).toEqual(counts[0]);
    }
    const [sqlite, postgres] = await Promise.all(stores.map(({ subs }) => subs.list()));
    expect((sqlite ?? []).length).toBeGreaterThan(40);
    expect(postgres).toEqual(sqlite);
  });
});

describe('postgres subscriber store under concurrency', () => {
  const postgres = kinds.find(([name]) => name === 'postgres')?.[1] as StoreKind;

  /** Two stores on one database, as two processes (each its own pool) would have. */
  async function twoStores(): Promise<{ one: SubscriberStore; two: SubscriberStore; target: string }> {
    const { store, target } = await postgres.fresh();
    return { one: store.subscribers, two: (await postgres.connect(target)).subscribers, target };
  }

  it('two imports of overlapping lists at once: every address once, with one id, and counts that add up', async () => {
    const { one, two } = await twoStores();
    const [a, b] = await Promise.all([
      one.importMany(rows(0, 2000, 'A')),
      two.importMany(rows(1000, 3000, 'B')),
    ]);
    const all = await one.list();
    expect(all.length).toBe(3000);
    expect(new Set(all.map((s) => s.id)).size).toBe(3000);
    expect(new Set(all.map((s) => s.email.toLowerCase())).size).toBe(3000);
    // Whichever ran second found the 1000 shared addresses and renamed them.
    expect(a.added + b.added).toBe(3000);
    expect(a.updated + b.updated).toBe(1000);
    expect(a.unchanged + b.unchanged + a.keptUnsubscribed + b.keptUnsubscribed).toBe(0);
  });

  it('imports and adds of the same addresses at once never fail nor duplicate', async () => {
    const { one, two } = await twoStores();
    const adds = rows(0, 40).map((row) => two.add(row));
    const [counts, ...added] = await Promise.all([one.importMany(rows(0, 500)), ...adds]);
    const all = await one.list();
    expect(all.length).toBe(500);
    expect(new Set(all.map((s) => s.id)).size).toBe(500);
    // Each of the 40 was created once: by the import or by its add.
    expect(counts.added + added.filter((outcome) => outcome.created).length).toBe(500);
  });

  it('two signups of one new address at once: one confirmation mail, one row', async () => {
    const { one, two, target } = await twoStores();
    // A third connection holds the new address's row uncommitted, so both signups queue on it and
    // are let go together: without the lock both would see no subscriber and both insert.
    const holder = new pg.Client({ connectionString: target });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query("INSERT INTO addresses (address, created_at) VALUES ('race@example.com', 1)");
      const both = Promise.all([
        one.signUp(subscriberInput('race@example.com', 'One'), DOUBLE),
        two.signUp(subscriberInput('Race@example.com', 'Two'), DOUBLE),
      ]);
      await waitForLockWaiters(holder, 2);
      await holder.query('COMMIT');
      const decisions = await both;
      expect(decisions.map((d) => d.action).sort()).toEqual(['confirm', 'none']);
      expect(decisions.find((d) => d.action === 'none')).toEqual({ action: 'none', reason: 'recent' });
      const listed = await one.list();
      expect(listed.length).toBe(1);
      expect(listed[0]).toMatchObject({ status: 'pending' });
    } finally {
      await holder.end();
    }
  });

  it('two adds of one address at once: one creates, the other updates the same row', async () => {
    const { one, two } = await twoStores();
    for (let round = 0; round < 10; round++) {
      const email = `same${round}@example.com`;
      const outcomes = await Promise.all([
        one.add(subscriberInput(email, 'One')),
        two.add(subscriberInput(email.toUpperCase().replace('@EXAMPLE.COM', '@example.com'), 'Two')),
      ]);
      expect(outcomes.map((o) => o.created).sort()).toEqual([false, true]);
      expect(outcomes[0]?.subscriber.id).toBe(outcomes[1]?.subscriber.id);
    }
    expect((await one.list()).length).toBe(10);
  });
});

/** Wait (at most 10 s) until `count` other connections wait on a lock. */
async function waitForLockWaiters(client: pg.Client, count: number): Promise<void> {
  for (let tries = 0; tries < 200; tries++) {
    const waiting = await client.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
    );
    if ((waiting.rows[0]?.n ?? 0) >= count) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`fewer than ${count} connections waited on the lock within 10 s`);
}
