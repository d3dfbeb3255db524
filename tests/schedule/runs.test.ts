import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { RunWindow } from '../../src/schedule/index.js';
import { pidIsAlive } from '../../src/store/index.js';
import { freshDb, store } from './helpers.js';

const window: RunWindow = { kind: 'previous-day', timeZone: 'Europe/Berlin', date: '2025-01-14' };
const claimAt = (now: string, pid = 100, host = 'test-host') => ({
  sendDate: '2025-01-15',
  scheduledAt: new Date('2025-01-15T06:00:00Z'),
  window,
  owner: { pid, host },
  now: new Date(now),
});

describe('RunStore.claim', () => {
  it('of two connections to one file claiming the same day, exactly one wins', () => {
    const { file, db } = freshDb();
    const other = new Database(file);
    other.pragma('busy_timeout = 5000');
    const a = store(db);
    const b = store(other);
    const first = a.claim(claimAt('2025-01-15T06:00:00Z', 1));
    const second = b.claim(claimAt('2025-01-15T06:00:00Z', 2));
    expect(first.claimed).toBe(true);
    expect(second).toMatchObject({ claimed: false, reason: 'running', run: { ownerPid: 1 } });
    a.finish('2025-01-15', 'sent', { recipients: 2, sent: 2, failed: 0 }, new Date('2025-01-15T06:01:00Z'));
    expect(b.claim(claimAt('2025-01-15T06:02:00Z', 2))).toMatchObject({ claimed: false, reason: 'sent' });
    other.close();
  });

  it.each([
    // what the earlier row looks like, whether its owner lives, when we look, expected
    ['running, owner alive, fresh heartbeat', 'running', true, '2025-01-15T06:05:00Z', 'busy'],
    ['running, owner dead on this host', 'running', false, '2025-01-15T06:05:00Z', 'resumed'],
    [
      'running, owner alive but no heartbeat for 11 minutes',
      'running',
      true,
      '2025-01-15T06:11:00Z',
      'resumed',
    ],
    ['failed', 'failed', true, '2025-01-15T06:05:00Z', 'resumed'],
    ['skipped', 'skipped', true, '2025-01-15T06:05:00Z', 'skipped'],
  ] as const)('%s: %s', (_label, state, alive, now, expected) => {
    const { db } = freshDb();
    const runs = store(db, { isProcessAlive: () => alive });
    runs.claim(claimAt('2025-01-15T06:00:00Z', 1));
    if (state !== 'running')
      runs.finish('2025-01-15', state, { reason: 'earlier' }, new Date('2025-01-15T06:00:00Z'));
    const result = runs.claim(claimAt(now, 2));
    const got = result.claimed ? 'resumed' : result.reason === 'running' ? 'busy' : result.reason;
    expect(got).toBe(expected);
    if (result.claimed) {
      expect(result.resumed).toBe(true);
      expect(result.run).toMatchObject({ state: 'running', ownerPid: 2, attempts: 2 });
    }
  });

  it("another host's running row is trusted until its heartbeat is stale", () => {
    const { db } = freshDb();
    const runs = store(db, { isProcessAlive: () => false });
    runs.claim(claimAt('2025-01-15T06:00:00Z', 1, 'elsewhere'));
    expect(runs.claim(claimAt('2025-01-15T06:09:00Z', 2)).claimed).toBe(false);
    runs.update('2025-01-15', {}, new Date('2025-01-15T06:09:00Z'));
    expect(runs.claim(claimAt('2025-01-15T06:18:00Z', 2)).claimed).toBe(false);
    expect(runs.claim(claimAt('2025-01-15T06:20:00Z', 2)).claimed).toBe(true);
  });

  it('recordSkipped does not overwrite a row that exists', () => {
    const { db } = freshDb();
    const runs = store(db);
    runs.claim(claimAt('2025-01-15T06:00:00Z'));
    runs.finish(
      '2025-01-15',
      'failed',
      { reason: 'stopped after 3 of 9 sent' },
      new Date('2025-01-15T06:01:00Z'),
    );
    const row = runs.recordSkipped({ ...claimAt('2025-01-15T12:00:00Z'), reason: 'past the cutoff' });
    expect(row).toMatchObject({ state: 'failed', reason: 'stopped after 3 of 9 sent' });
  });
});

describe('pidIsAlive (the stale-run check)', () => {
  it('knows this process and not a pid that cannot exist', () => {
    expect(pidIsAlive(process.pid)).toBe(true);
    expect(pidIsAlive(2 ** 22 + 12345)).toBe(false);
  });
});
