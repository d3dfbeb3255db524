import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { MIGRATIONS, openDatabase, openStore, type Store, userVersion } from '../../src/store/index.js';

/**
 * A database as the release before schema step 5 wrote it: its four steps (append-only, so they are
 * exactly what shipped), filled the way that release filled it, with its holes in the data:
 * - id 5 was eve@example.com, sent digest D1, removed; SQLite then gave id 5 to zed@example.com;
 * - Cy@Example.com (3) and cy@example.com (4) were two subscribers of one mailbox;
 * - bob@example.com (2) failed permanently for D1; ann (1) was sent D1 and D2.
 */
function releaseDatabase(): string {
  const file = join(mkdtempSync(join(tmpdir(), 'digest-migrate-')), 'digest.db');
  const db = openDatabase(file, { migrations: MIGRATIONS.slice(0, 4) });
  expect(userVersion(db)).toBe(4);
  const sub = db.prepare(
    `INSERT INTO subscribers (id, email, name, status, created_at, updated_at, unsubscribed_at)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
  );
  sub.run(1, 'ann@example.com', 'Ann', 'active', 10, 10, null);
  sub.run(2, 'bob@example.com', 'Bob', 'active', 20, 20, null);
  sub.run(3, 'Cy@Example.com', '', 'active', 30, 30, null);
  sub.run(4, 'cy@example.com', 'Cy', 'unsubscribed', 40, 45, 45);
  sub.run(5, 'zed@example.com', 'Zed', 'active', 60, 60, null); // the reused id
  const row = db.prepare(
    `INSERT INTO deliveries (digest_key, subscriber_id, email, message_id, state, attempts, last_code,
       created_at, updated_at, sent_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  row.run('D1', 1, 'ann@example.com', '<1@x>', 'sent', 1, 250, 50, 51, 51);
  row.run('D1', 2, 'bob@example.com', '<2@x>', 'failed_perm', 2, 550, 50, 52, null);
  row.run('D1', 3, 'Cy@Example.com', '<3@x>', 'sent', 1, 250, 50, 53, 53);
  row.run('D1', 4, 'cy@example.com', '<4@x>', 'failed_temp', 1, 451, 50, 54, null);
  row.run('D1', 5, 'eve@example.com', '<5@x>', 'sent', 1, 250, 50, 55, 55);
  row.run('D2', 1, 'ann@example.com', '<6@x>', 'unknown', 1, null, 70, 71, null);
  db.close();
  return file;
}

const stores: Store[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
});

describe('schema step 5 on a database written by the previous release', () => {
  it('keeps every sent and failed row on the person it was sent to, merges case duplicates, and frees nobody from a reused id', async () => {
    const file = releaseDatabase();
    const store = openStore(file);
    stores.push(store);
    expect(userVersion(store.db)).toBe(MIGRATIONS.length);
    const people = await store.subscribers.list();
    expect(people.map((s) => [s.id, s.email, s.name, s.status])).toEqual([
      [1, 'ann@example.com', 'Ann', 'active'],
      [2, 'bob@example.com', 'Bob', 'active'],
      // merged: the oldest row's id and address, the first name given, and the unsubscribe honoured
      [3, 'Cy@Example.com', 'Cy', 'unsubscribed'],
      [5, 'zed@example.com', 'Zed', 'active'],
    ]);
    const byEmail = new Map(
      store.db
        .prepare(
          `SELECT d.digest_key || ' ' || a.address AS k, d.state, d.attempts, d.subscriber_id AS id
           FROM deliveries d JOIN addresses a ON a.id = d.subscriber_id`,
        )
        .all()
        .map((r) => {
          const { k, ...rest } = r as { k: string; state: string; attempts: number; id: number };
          return [k, rest];
        }),
    );
    expect(Object.fromEntries(byEmail)).toEqual({
      'D1 ann@example.com': { state: 'sent', attempts: 1, id: 1 },
      'D1 bob@example.com': { state: 'failed_perm', attempts: 2, id: 2 },
      'D1 cy@example.com': { state: 'sent', attempts: 2, id: 3 },
      // eve, removed, keeps her sent row under an id nobody else holds
      'D1 eve@example.com': { state: 'sent', attempts: 1, id: 6 },
      'D2 ann@example.com': { state: 'unknown', attempts: 1, id: 1 },
    });
    // zed, who inherited id 5, has no row for D1: the next send of D1 reaches him
    expect((await store.ledger.list('D1')).find((r) => r.subscriberId === 5)).toBeUndefined();
    // eve's address row exists, so re-adding her gives her id 6 back and D1 stays sent to her
    const eve = await store.subscribers.add({ email: 'eve@example.com', name: '', topics: [] });
    expect(eve.subscriber.id).toBe(6);
    // and the next new address gets an id never used before
    const fresh = await store.subscribers.add({ email: 'new@example.com', name: '', topics: [] });
    expect(fresh.subscriber.id).toBe(7);
    // the merged unsubscribe is a suppression record: a remove and re-import keep it
    await store.subscribers.remove('cy@example.com');
    expect(
      await store.subscribers.importMany([{ email: 'CY@example.com', name: '', topics: [] }]),
    ).toMatchObject({ keptUnsubscribed: 1 });
  });

  it('leaves the file at the previous version when the step fails (one transaction)', () => {
    const file = releaseDatabase();
    const raw = new Database(file);
    // a table the step means to create already exists: the step fails and nothing of it stays
    raw.exec('CREATE TABLE addresses (x)');
    raw.close();
    expect(() => openStore(file)).toThrow(/migration 5/);
    const after = new Database(file, { readonly: true });
    expect(userVersion(after)).toBe(4);
    expect(after.prepare('SELECT COUNT(*) AS n FROM deliveries').get()).toEqual({ n: 6 });
    after.close();
  });
});
