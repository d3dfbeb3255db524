import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { MIGRATIONS, openDatabase, openStore, type Store, userVersion } from '../../src/store/index.js';

let store: Store | undefined;
afterEach(() => store?.close());

/** A database as the release before schema step 8 left it: two subscribers, one unsubscribed, a ledger row. */
function beforeStep8(): string {
  const file = join(mkdtempSync(join(tmpdir(), 'digest-step8-')), 'digest.db');
  const db = openDatabase(file, { migrations: MIGRATIONS.slice(0, 7) });
  expect(userVersion(db)).toBe(7);
  const address = db.prepare(
    'INSERT INTO addresses (id, address, suppressed_at, suppressed_reason, created_at) VALUES (?, ?, ?, ?, ?)',
  );
  address.run(4, 'ann@example.com', null, null, 10);
  address.run(9, 'bob@example.com', 45, 'unsubscribed', 20);
  const sub = db.prepare(
    `INSERT INTO subscribers (id, email, name, topics, status, created_at, updated_at, unsubscribed_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  sub.run(4, 'Ann@example.com', 'Ann', '["ai"]', 'active', 10, 11, null);
  sub.run(9, 'bob@example.com', 'Bob', '[]', 'unsubscribed', 20, 45, 45);
  db.prepare(
    `INSERT INTO deliveries (digest_key, subscriber_id, email, message_id, state, attempts, created_at, updated_at)
     VALUES ('day:2026-11-23@UTC', 4, 'Ann@example.com', '<1@x>', 'sent', 1, 30, 30)`,
  ).run();
  db.close();
  return file;
}

it('step 8 keeps every subscriber, id and index; old rows are daily with no weekday; the new checks hold', async () => {
  const file = beforeStep8();
  store = openStore(file);
  expect(userVersion(store.db)).toBeGreaterThanOrEqual(8);
  expect(await store.subscribers.list()).toMatchObject([
    {
      id: 4,
      email: 'Ann@example.com',
      name: 'Ann',
      topics: ['ai'],
      status: 'active',
      frequency: 'daily',
      weekday: null,
      confirmedAt: null,
      updatedAt: 11,
    },
    { id: 9, email: 'bob@example.com', status: 'unsubscribed', unsubscribedAt: 45, frequency: 'daily' },
  ]);
  const indexes = store.db
    .prepare(
      "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'subscribers' AND sql IS NOT NULL ORDER BY name",
    )
    .all() as { name: string }[];
  expect(indexes.map((i) => i.name)).toEqual(['subscribers_address', 'subscribers_status']);
  // Case-insensitive uniqueness survived the rebuild; so did the ledger and the lookup by address.
  expect(() =>
    store?.db
      .prepare(
        "INSERT INTO subscribers (id, email, created_at, updated_at) VALUES (5, 'ann@EXAMPLE.com', 1, 1)",
      )
      .run(),
  ).toThrow(/UNIQUE/);
  expect((await store.subscribers.findByEmail('ANN@example.com'))?.id).toBe(4);
  expect(await store.ledger.counts('day:2026-11-23@UTC')).toMatchObject({ sent: 1 });
  let next = 100;
  const insert = (status: string, frequency: string, weekday: number | null) => () => {
    next++;
    store?.db
      .prepare(
        'INSERT INTO subscribers (id, email, status, frequency, weekday, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 1, 1)',
      )
      .run(next, `x${next}@example.com`, status, frequency, weekday);
  };
  expect(insert('pending', 'weekly', 7)).not.toThrow();
  expect(insert('bounced', 'daily', null)).toThrow(/CHECK/);
  expect(insert('active', 'monthly', null)).toThrow(/CHECK/);
  expect(insert('active', 'weekly', 0)).toThrow(/CHECK/);
  expect(insert('active', 'weekly', 8)).toThrow(/CHECK/);
});
