import { describe, expect, it } from 'vitest';
import {
  type ClaimResult,
  type RunStore,
  type RunStoreOptions,
  type RunWindow,
  runStoreFor,
} from '../../src/schedule/index.js';
import { pidIsAlive } from '../../src/store/index.js';
import { storeKinds } from '../helpers/stores.js';

const window: RunWindow = { kind: 'previous-day', timeZone: 'Europe/Berlin', date: '2025-01-14' };
const claimAt = (now: string, pid = 100, host = 'test-host') => ({
  sendDate: '2025-01-15',
  scheduledAt: new Date('2025-01-15T06:00:00Z'),
  window,
  owner: { pid, host },
  now: new Date(now),
});

/** What a claim came to: `claimed`, `resumed` (a takeover), or the reason it was refused. */
const verdict = (r: ClaimResult) => (r.claimed ? (r.resumed ? 'resumed' : 'claimed') : r.reason);

describe.each(storeKinds())('RunStore on %s', (_name, kind) => {
  /** A fresh store's runs table, and a way to open it again on a connection of its own. */
  async function fresh(options: Partial<RunStoreOptions> = {}) {
    const { store, target } = await kind.fresh();
    const settings = { host: 'test-host', isProcessAlive: () => true, ...options };
    const another = async (more: Partial<RunStoreOptions> = {}): Promise<RunStore> =>
      runStoreFor((await kind.connect(target)).backend, { ...settings, ...more });
    return { runs: runStoreFor(store.backend, settings), another };
  }

  it('of two connections claiming the same day, exactly one wins', async () => {
    const { runs: a, another } = await fresh();
    const b = await another();
    const first = await a.claim(claimAt('2025-01-15T06:00:00Z', 1));
    const second = await b.claim(claimAt('2025-01-15T06:00:00Z', 2));
    expect(first.claimed).toBe(true);
    expect(second).toMatchObject({ claimed: false, reason: 'running', run: { ownerPid: 1 } });
    await a.finish(
      '2025-01-15',
      'sent',
      { recipients: 2, sent: 2, failed: 0 },
      new Date('2025-01-15T06:01:00Z'),
    );
    expect(await b.claim(claimAt('2025-01-15T06:02:00Z', 2))).toMatchObject({
      claimed: false,
      reason: 'sent',
    });
  });

  it('eight schedulers on four machines claiming a new day at once: one wins, seven see it running', async () => {
    const { another } = await fresh();
    const claimers = await Promise.all(Array.from({ length: 8 }, () => another()));
    const results = await Promise.all(
      claimers.map((runs, i) => runs.claim(claimAt('2025-01-15T06:00:00Z', 10 + i, `machine-${i % 4}`))),
    );
    const winners = results.filter((r) => r.claimed);
    expect(winners).toHaveLength(1);
    const owner = winners[0]?.run.ownerPid;
    expect(results.map(verdict).sort()).toEqual(['claimed', ...Array(7).fill('running')]);
    expect(results.every((r) => r.run.ownerPid === owner && r.run.attempts === 1)).toBe(true);
  });

  it("eight schedulers taking over a dead owner's run at once: one resumes it, seven see it running", async () => {
    // pid 1 on machine-0 claimed the day at 06:00 and died; its heartbeat is 20 minutes old.
    const { runs, another } = await fresh({ isProcessAlive: (pid) => pid !== 1 });
    await runs.claim(claimAt('2025-01-15T06:00:00Z', 1, 'machine-0'));
    const claimers = await Promise.all(Array.from({ length: 8 }, () => another()));
    const results = await Promise.all(
      claimers.map((r, i) => r.claim(claimAt('2025-01-15T06:20:00Z', 10 + i, `machine-${i % 4}`))),
    );
    expect(results.map(verdict).sort()).toEqual(['resumed', ...Array(7).fill('running')]);
    const row = await runs.get('2025-01-15');
    expect(row).toMatchObject({ state: 'running', attempts: 2 });
    expect(results.every((r) => r.run.ownerPid === row?.ownerPid)).toBe(true);
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
  ] as const)('%s: %s', async (_label, state, alive, now, expected) => {
    const { runs } = await fresh({ isProcessAlive: () => alive });
    await runs.claim(claimAt('2025-01-15T06:00:00Z', 1));
    if (state !== 'running')
      await runs.finish('2025-01-15', state, { reason: 'earlier' }, new Date('2025-01-15T06:00:00Z'));
    const result = await runs.claim(claimAt(now, 2));
    const got = result.claimed ? 'resumed' : result.reason === 'running' ? 'busy' : result.reason;
    expect(got).toBe(expected);
    if (result.claimed) {
      expect(result.resumed).toBe(true);
      expect(result.run).toMatchObject({ state: 'running', ownerPid: 2, attempts: 2, finishedAt: null });
    }
  });

  it("another host's running row is trusted until its heartbeat is stale", async () => {
    const { runs } = await fresh({ isProcessAlive: () => false });
    await runs.claim(claimAt('2025-01-15T06:00:00Z', 1, 'elsewhere'));
    expect((await runs.claim(claimAt('2025-01-15T06:09:00Z', 2))).claimed).toBe(false);
    await runs.update('2025-01-15', {}, new Date('2025-01-15T06:09:00Z'));
    expect((await runs.claim(claimAt('2025-01-15T06:18:00Z', 2))).claimed).toBe(false);
    expect((await runs.claim(claimAt('2025-01-15T06:20:00Z', 2))).claimed).toBe(true);
  });

  it('recordSkipped does not overwrite a row that exists', async () => {
    const { runs } = await fresh();
    await runs.claim(claimAt('2025-01-15T06:00:00Z'));
    await runs.finish(
      '2025-01-15',
      'failed',
      { reason: 'stopped after 3 of 9 sent' },
      new Date('2025-01-15T06:01:00Z'),
    );
    const row = await runs.recordSkipped({ ...claimAt('2025-01-15T12:00:00Z'), reason: 'past the cutoff' });
    expect(row).toMatchObject({ state: 'failed', reason: 'stopped after 3 of 9 sent' });
  });

  it('update keeps the fields it is not given; finish replaces the reason and records the end', async () => {
    const { runs } = await fresh();
    const { run } = await runs.claim(claimAt('2025-01-15T06:00:00Z', 7));
    expect(run).toMatchObject({
      scheduleKey: 'daily',
      sendDate: '2025-01-15',
      state: 'running',
      scheduledAt: Date.parse('2025-01-15T06:00:00Z'),
      windowKind: 'previous-day',
      windowLabel: '2025-01-14@Europe/Berlin',
      digestKey: null,
      attempts: 1,
      ownerPid: 7,
      ownerHost: 'test-host',
      startedAt: Date.parse('2025-01-15T06:00:00Z'),
      finishedAt: null,
    });
    await runs.update(
      '2025-01-15',
      { digestKey: 'day:2025-01-14@Europe/Berlin', items: 5 },
      new Date(run.startedAt + 1),
    );
    await runs.update('2025-01-15', { recipients: 9, reason: 'halfway' }, new Date(run.startedAt + 2));
    expect(await runs.get('2025-01-15')).toMatchObject({
      digestKey: 'day:2025-01-14@Europe/Berlin',
      items: 5,
      recipients: 9,
      reason: 'halfway',
      updatedAt: run.startedAt + 2,
    });
    const end = new Date(run.startedAt + 60_000);
    const done = await runs.finish('2025-01-15', 'sent', { sent: 9, failed: 0 }, end);
    expect(done).toMatchObject({
      state: 'sent',
      items: 5,
      recipients: 9,
      sent: 9,
      failed: 0,
      reason: null,
      finishedAt: end.getTime(),
      updatedAt: end.getTime(),
    });
  });

  it('list: newest send date first, at most `limit`, only its own schedule key', async () => {
    const { runs, another } = await fresh();
    const weekly = await another({ scheduleKey: 'edition:weekly' });
    for (const date of ['2025-01-09', '2025-01-11', '2025-01-10']) {
      await runs.recordSkipped({ ...claimAt('2025-01-15T12:00:00Z'), sendDate: date, reason: 'missed' });
    }
    await weekly.claim(claimAt('2025-01-15T06:00:00Z'));
    expect((await runs.list()).map((r) => r.sendDate)).toEqual(['2025-01-11', '2025-01-10', '2025-01-09']);
    expect((await runs.list(2)).map((r) => r.sendDate)).toEqual(['2025-01-11', '2025-01-10']);
    expect(await runs.get('2025-01-15')).toBeUndefined();
    expect(await weekly.list()).toMatchObject([{ scheduleKey: 'edition:weekly', sendDate: '2025-01-15' }]);
  });
});

describe('pidIsAlive (the stale-run check)', () => {
  it('knows this process and not a pid that cannot exist', () => {
    expect(pidIsAlive(process.pid)).toBe(true);
    expect(pidIsAlive(2 ** 22 + 12345)).toBe(false);
  });
});
