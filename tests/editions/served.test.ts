import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { servedElsewhere } from '../../src/editions/index.js';
import { connectStore, type DeliveryResult, type Store } from '../../src/store/index.js';
import { pgAdminUrl } from '../helpers/pg.js';
import { storeKinds } from '../helpers/stores.js';

type Outcome = DeliveryResult['state'] | 'sending' | 'pending';

/** The ledger rows of the week of Monday 2026-11-23 (UTC): reader → [digest key, how it ended]. */
const ROWS: [string, string, Outcome][] = [
  ['daily', 'day:2026-11-23@UTC', 'sent'],
  ['daily-pending', 'day:2026-11-23@UTC', 'pending'],
  ['daily-bounced', 'day:2026-11-23@UTC', 'failed_perm'],
  ['daily-retry', 'day:2026-11-23@UTC', 'failed_temp'],
  ['topics', 'day:2026-11-23@UTC#topics=science', 'unknown'],
  ['berlin', 'day:2026-11-23@Europe/Berlin', 'sending'],
  ['weekly', 'week:2026-11-23@UTC', 'sent'],
  ['last-wednesday', 'week:2026-11-18@UTC', 'sent'],
  ['last-tuesday', 'week:2026-11-17@UTC', 'sent'],
  ['a-week-ago', 'week:2026-11-16@UTC', 'sent'],
  ['yesterday', 'day:2026-11-22@UTC', 'sent'],
  ['tomorrow', 'day:2026-11-24@UTC', 'sent'],
  ['range', 'range:2026-11-23T00:00:00.000Z..2026-11-24T00:00:00.000Z', 'sent'],
];

/**
 * Subscribers named by ROWS, and their ledger rows, written as a send writes them: under the send
 * lock, claimed first on a shared ledger (PostgreSQL), `sending` before the outcome.
 */
async function fill(store: Store): Promise<Map<number, string>> {
  const names = [...new Set(ROWS.map(([name]) => name))];
  await store.subscribers.importMany(names.map((n) => ({ email: `${n}@example.com`, name: n, topics: [] })));
  const ids = new Map((await store.subscribers.list()).map((s) => [s.email.split('@')[0] as string, s.id]));
  const { ledger } = store;
  for (const key of new Set(ROWS.map(([, k]) => k))) {
    const rows = ROWS.filter(([, k]) => k === key).map(([name, , outcome]) => ({
      id: ids.get(name) as number,
      name,
      outcome,
    }));
    const lock = await ledger.lock(key);
    await ledger.enqueue(
      key,
      rows.map((r) => ({ subscriberId: r.id, email: `${r.name}@example.com`, messageId: `<${r.name}@x>` })),
    );
    await ledger.claim?.(lock, rows.length, { failedPerm: false, unknown: false });
    for (const { id, outcome } of rows) {
      if (outcome === 'pending') continue;
      expect(await ledger.markSending(key, id)).toBe(true);
      if (outcome !== 'sending') await ledger.markResult(key, id, { state: outcome });
    }
    await lock.release();
  }
  return new Map([...ids].map(([name, id]) => [id, name]));
}

describe.each(storeKinds())('servedElsewhere on %s', (_name, kind) => {
  it('the same day: every other edition a reader has or may have (sent, sending, unknown)', async () => {
    const { store } = await kind.fresh();
    const names = await fill(store);
    const served = await servedElsewhere(store.backend, 'day:2026-11-23@UTC', '2026-11-23', false);
    expect([...served].map((id) => names.get(id)).sort()).toEqual(['berlin', 'topics', 'weekly']);
  });

  it('a weekly: the other editions of its day and the weeklies of the 6 days before', async () => {
    const { store } = await kind.fresh();
    const names = await fill(store);
    const served = await servedElsewhere(store.backend, 'week:2026-11-23@UTC', '2026-11-23', true);
    expect([...served].map((id) => names.get(id)).sort()).toEqual([
      'berlin',
      'daily',
      'last-tuesday',
      'last-wednesday',
      'topics',
    ]);
  });
});

// en-US with punctuation ignored at first (ka-shifted), as glibc's en_US.UTF-8 orders: the locale
// many servers are created with.
describe('servedElsewhere on a PostgreSQL database whose default collation ignores punctuation', () => {
  const undo: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const step of undo.splice(0).reverse()) await step();
  });

  /** Run `sql` on the test server's admin database. */
  async function admin(sql: string): Promise<void> {
    const client = new pg.Client({ connectionString: pgAdminUrl() });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  }

  it('reads the key ranges byte by byte, as SQLite does, not in the locale order', async () => {
    const name = `digest_test_icu_${randomBytes(6).toString('hex')}`;
    await admin(
      `CREATE DATABASE ${name} TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en-US-u-ka-shifted' LOCALE 'C.UTF-8'`,
    );
    undo.push(() => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    const url = new URL(pgAdminUrl());
    url.pathname = `/${name}`;
    const store = await connectStore(url.toString());
    undo.push(() => store.close());
    if (store.backend.kind !== 'postgres') throw new Error('expected a PostgreSQL store');
    // The premise: in this locale `@` counts for nothing, so a Berlin key sorts after `…A`.
    const { rows } = await store.backend.pool.query<{ before: boolean }>(
      `SELECT 'day:2026-11-23@Europe/Berlin' < 'day:2026-11-23A' AS before`,
    );
    expect(rows[0]?.before).toBe(false);
    const names = await fill(store);
    const daily = await servedElsewhere(store.backend, 'day:2026-11-23@UTC', '2026-11-23', false);
    expect([...daily].map((id) => names.get(id)).sort()).toEqual(['berlin', 'topics', 'weekly']);
    const weekly = await servedElsewhere(store.backend, 'week:2026-11-23@UTC', '2026-11-23', true);
    expect([...weekly].map((id) => names.get(id)).sort()).toEqual([
      'berlin',
      'daily',
      'last-tuesday',
      'last-wednesday',
      'topics',
    ]);
  });
});
