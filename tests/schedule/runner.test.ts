import { describe, expect, it } from 'vitest';
import { DigestError } from '../../src/errors.js';
import {
  instantOn,
  nextRun,
  outcomeLine,
  type RunnerDeps,
  type RunOutcome,
  retryWanted,
  runScheduled,
  startScheduler,
} from '../../src/schedule/index.js';
import { berlin, fakeBuild, freshDb, recordingSend, store } from './helpers.js';

function deps(overrides: Partial<RunnerDeps> = {}): RunnerDeps {
  const { db } = freshDb();
  return {
    schedule: berlin,
    runs: store(db),
    build: fakeBuild(),
    send: recordingSend(),
    owner: { pid: 4242, host: 'test-host' },
    clock: () => new Date('2000-01-01T00:00:00Z'),
    ...overrides,
  };
}

describe('a simulated year through the runner and a real runs table', () => {
  it.each(['Europe/Berlin', 'America/New_York'])(
    '%s: 365 sends, one per day, at each trigger; checks before, after and late in the day send nothing more',
    async (timeZone) => {
      const send = recordingSend();
      const d = deps({ schedule: { ...berlin, timeZone }, send });
      const end = instantOn('2026-01-01', '00:00', timeZone);
      let trigger = nextRun(instantOn('2025-01-01', '00:00', timeZone), d.schedule);
      const kinds = new Map<string, number>();
      for (let day = 0; day < 370 && trigger < end; day++) {
        // A restart at 03:00, the trigger itself, a second process at 07:30, a restart at 13:00.
        const checks = [-4 * 3600e3, 0, 1800e3, 6 * 3600e3].map((ms) => new Date(trigger.getTime() + ms));
        for (const now of checks) {
          const outcome = await runScheduled(d, now);
          kinds.set(outcome.kind, (kinds.get(outcome.kind) ?? 0) + 1);
        }
        trigger = nextRun(trigger, d.schedule);
      }
      expect(send.sent).toHaveLength(365);
      expect(new Set(send.sent).size).toBe(365);
      expect(send.sent[0]).toBe(`day:2024-12-31@${timeZone}`);
      expect(send.sent.at(-1)).toBe(`day:2025-12-30@${timeZone}`);
      expect(Object.fromEntries(kinds)).toEqual({ 'not-yet': 365, sent: 365, 'already-sent': 730 });
      const rows = await d.runs.list(400);
      expect(rows).toHaveLength(365);
      expect(rows.every((r) => r.state === 'sent' && r.sent === 3 && r.attempts === 1)).toBe(true);
    },
  );
});

describe('downtime and catch-up (Europe/Berlin, 07:00, catchUpUntil 12:00)', () => {
  // 2025-01-15 in Berlin is UTC+1: 09:00 local = 08:00Z, 13:00 local = 12:00Z.
  it('a start at 09:00 sends the missed digest once; a second start sends nothing', async () => {
    const send = recordingSend();
    const d = deps({ send });
    const first = await runScheduled(d, new Date('2025-01-15T08:00:00Z'));
    expect(first.kind).toBe('sent');
    expect(first.message).toMatch(/caught up/);
    const again = await runScheduled(d, new Date('2025-01-15T08:05:00Z'));
    expect(again.kind).toBe('already-sent');
    expect(send.sent).toEqual(['day:2025-01-14@Europe/Berlin']);
    expect(outcomeLine(first)).toBe(
      'digest 2025-01-15 window 2025-01-14 (Europe/Berlin): sent: 3 of 3 sent (caught up); ' +
        'next run 2025-01-16 07:00 Europe/Berlin (06:00Z)',
    );
  });

  it('a start at 13:00 sends nothing, records the day as skipped and says why', async () => {
    const send = recordingSend();
    const d = deps({ send });
    const outcome = await runScheduled(d, new Date('2025-01-15T12:00:00Z'));
    expect(outcome.kind).toBe('missed');
    expect(send.sent).toEqual([]);
    expect(await d.runs.get('2025-01-15')).toMatchObject({
      state: 'skipped',
      reason: expect.stringMatching(/catchUpUntil 12:00/),
    });
    expect(outcomeLine(outcome)).toMatch(
      /^digest 2025-01-15 window 2025-01-14 \(Europe\/Berlin\): missed: the 07:00 run of 2025-01-15 did not happen and it is past catchUpUntil 12:00 Europe\/Berlin, so it is not sent; next run 2025-01-16 07:00/,
    );
    // Later the same day nothing changes.
    expect((await runScheduled(d, new Date('2025-01-15T15:00:00Z'))).kind).toBe('already-skipped');
  });

  it("yesterday's digest is never sent: after two days down, only today's goes out", async () => {
    const send = recordingSend();
    const d = deps({ send });
    // Last run on the 13th; the machine was off on the 14th; it comes back at 09:00 on the 15th.
    await runScheduled(d, new Date('2025-01-13T06:00:00Z'));
    await runScheduled(d, new Date('2025-01-15T08:00:00Z'));
    // Just after midnight, yesterday's missed digest is not due either.
    const { kind } = await runScheduled(d, new Date('2025-01-16T23:30:00Z'));
    expect(kind).toBe('not-yet');
    expect(send.sent).toEqual(['day:2025-01-12@Europe/Berlin', 'day:2025-01-14@Europe/Berlin']);
    expect(await d.runs.get('2025-01-14')).toBeUndefined();
    expect((await d.runs.list()).map((r) => r.sendDate)).toEqual(['2025-01-15', '2025-01-13']);
  });
});

describe('a thin day', () => {
  it('below minItems: no email, the reason logged, the run recorded as skipped', async () => {
    const send = recordingSend();
    const d = deps({ send, schedule: { ...berlin, minItems: 3 }, build: fakeBuild(() => 2) });
    const outcome = await runScheduled(d, new Date('2025-01-15T06:00:00Z'));
    expect(outcome.kind).toBe('thin');
    expect(send.sent).toEqual([]);
    expect(outcomeLine(outcome)).toMatch(
      /thin: thin day: 2 items in the window, fewer than minItems 3; no email sent/,
    );
    expect(await d.runs.get('2025-01-15')).toMatchObject({ state: 'skipped', items: 2, recipients: null });
    expect((await runScheduled(d, new Date('2025-01-15T07:00:00Z'))).kind).toBe('already-skipped');
  });

  it('an empty window is skipped even with minItems 0', async () => {
    const send = recordingSend();
    const d = deps({ send, schedule: { ...berlin, minItems: 0 }, build: fakeBuild(() => 0) });
    const outcome = await runScheduled(d, new Date('2025-01-15T06:00:00Z'));
    expect(outcome).toMatchObject({ kind: 'thin', message: 'no articles in the window; no email sent' });
    expect(send.sent).toEqual([]);
  });
});

describe('interrupted and failed sends', () => {
  it('a send stopped by the signal is recorded as failed and resumed by the next run', async () => {
    const controller = new AbortController();
    const send = recordingSend((_key, call) => {
      if (call === 1) {
        controller.abort('SIGTERM');
        return { recipients: 10, sent: 4, failed: 0, stopped: true };
      }
      return { recipients: 10, sent: 10, failed: 0 };
    });
    const d = deps({ send, signal: controller.signal });
    const stopped = await runScheduled(d, new Date('2025-01-15T06:00:00Z'));
    expect(stopped).toMatchObject({
      kind: 'stopped',
      message: 'stopped after 4 of 10 sent; the next run sends the rest',
    });
    expect(await d.runs.get('2025-01-15')).toMatchObject({ state: 'failed', sent: 4, recipients: 10 });
    // While stopping, nothing new starts.
    expect((await runScheduled(d, new Date('2025-01-15T06:01:00Z'))).kind).toBe('stopped');
    const resumed = await runScheduled({ ...d, signal: undefined }, new Date('2025-01-15T06:10:00Z'));
    expect(resumed).toMatchObject({ kind: 'sent', message: '10 of 10 sent (resumed)' });
    expect(await d.runs.get('2025-01-15')).toMatchObject({
      state: 'sent',
      sent: 10,
      attempts: 2,
      reason: null,
    });
  });

  it('failed recipients leave the day failed, to be retried before the cutoff', async () => {
    const send = recordingSend(() => ({ recipients: 10, sent: 8, failed: 2 }));
    const d = deps({ send });
    const outcome = await runScheduled(d, new Date('2025-01-15T06:00:00Z'));
    expect(outcome.kind).toBe('failed');
    expect(await d.runs.get('2025-01-15')).toMatchObject({ state: 'failed', failed: 2 });
    expect((await runScheduled(d, new Date('2025-01-15T09:00:00Z'))).kind).toBe('failed');
    expect(send.sent).toHaveLength(2);
  });

  it('an error is recorded with its causes; a send refused as locked is reported as busy', async () => {
    const d = deps({
      send: async () => {
        throw new DigestError('E_SMTP', 'the SMTP server refused the connection', {
          cause: new Error('ECONNREFUSED'),
        });
      },
    });
    const outcome = await runScheduled(d, new Date('2025-01-15T06:00:00Z'));
    expect(outcome.kind).toBe('failed');
    expect((await d.runs.get('2025-01-15'))?.reason).toBe(
      'the SMTP server refused the connection; ECONNREFUSED',
    );
    const locked = deps({
      send: async () => {
        throw new DigestError('E_SEND_LOCKED', 'another send of day:2025-01-14 is running');
      },
    });
    expect((await runScheduled(locked, new Date('2025-01-15T06:00:00Z'))).kind).toBe('busy');
  });
});

describe('retryWanted', () => {
  const outcome = (kind: RunOutcome['kind']): RunOutcome => ({
    kind,
    sendDate: '2025-01-15',
    scheduledAt: new Date('2025-01-15T06:00:00Z'),
    deadline: new Date('2025-01-15T11:00:00Z'),
    window: { kind: 'previous-day', timeZone: 'Europe/Berlin', date: '2025-01-14' },
    message: '',
    next: new Date('2025-01-16T06:00:00Z'),
  });
  it.each([
    ['failed', '2025-01-15T06:15:00Z', 0, true],
    ['busy', '2025-01-15T06:15:00Z', 3, true],
    ['failed', '2025-01-15T06:15:00Z', 8, false],
    ['failed', '2025-01-15T11:00:00Z', 0, false],
    ['failed', '2025-01-16T06:15:00Z', 0, false],
    ['sent', '2025-01-15T06:15:00Z', 0, false],
    ['stopped', '2025-01-15T06:15:00Z', 0, false],
    ['thin', '2025-01-15T06:15:00Z', 0, false],
    ['missed', '2025-01-15T12:15:00Z', 0, false],
  ] as const)('after %s, at %s with %i retries so far: %s', (kind, now, retries, expected) => {
    expect(retryWanted(outcome(kind), new Date(now), retries)).toBe(expected);
  });
  it('nothing before any outcome', () => {
    expect(retryWanted(undefined, new Date(), 0)).toBe(false);
  });
});

describe('startScheduler', () => {
  it('checks once at start (sending a missed run), plans the next trigger, and stops when aborted', async () => {
    const send = recordingSend();
    const d = deps({ send });
    const controller = new AbortController();
    const outcomes: RunOutcome[] = [];
    let resolveFirst: () => void = () => {};
    const first = new Promise<void>((r) => (resolveFirst = r));
    const scheduler = startScheduler({
      schedule: berlin,
      runOnce: (now) => runScheduled(d, now),
      onOutcome: (o) => {
        outcomes.push(o);
        resolveFirst();
      },
      onError: (e) => {
        throw e;
      },
      clock: () => new Date(),
      startAt: new Date('2025-01-15T08:00:00Z'),
      signal: controller.signal,
    });
    await first;
    expect(outcomes.map((o) => o.kind)).toEqual(['sent']);
    const next = scheduler.nextRun();
    expect(next).toBeInstanceOf(Date);
    // The planned trigger is 07:00 in Berlin on a day after today.
    expect(
      new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Berlin', timeStyle: 'short' }).format(
        next as Date,
      ),
    ).toBe('07:00');
    controller.abort();
    await scheduler.done;
    expect(scheduler.nextRun()).toBeNull();
  });
});

describe('joinRunning (a shared ledger): a day another live process holds', () => {
  const at = new Date('2025-01-15T06:05:00Z');
  /** Runner deps whose runs table has the day running, claimed at 06:00 by pid 77 on another host. */
  async function heldElsewhere(overrides: Partial<RunnerDeps>): Promise<RunnerDeps> {
    const d = deps(overrides);
    const window = { kind: 'previous-day', timeZone: 'Europe/Berlin', date: '2025-01-14' } as const;
    const owner = { pid: 77, host: 'other-host' };
    const now = new Date('2025-01-15T06:00:00Z');
    await d.runs.claim({ sendDate: '2025-01-15', scheduledAt: now, window, owner, now });
    return d;
  }

  it('is built and sent alongside its owner, whose run row is left as it was', async () => {
    const send = recordingSend(() => ({ recipients: 30, sent: 30, sentHere: 22, failed: 0 }));
    const d = await heldElsewhere({ send, joinRunning: true });
    const before = await d.runs.get('2025-01-15');
    const outcome = await runScheduled(d, at);
    expect(outcome).toMatchObject({
      kind: 'joined',
      message: 'joined the send of pid 77 on other-host: 22 sent by this process; 30 of 30 sent',
      digestKey: 'day:2025-01-14@Europe/Berlin',
      items: 5,
    });
    expect(send.sent).toEqual(['day:2025-01-14@Europe/Berlin']);
    expect(await d.runs.get('2025-01-15')).toEqual(before);
  });

  it('without it (SQLite, one sender) the day is left to its owner as busy', async () => {
    const send = recordingSend();
    const d = await heldElsewhere({ send });
    expect(await runScheduled(d, at)).toMatchObject({
      kind: 'busy',
      message: 'the digest of 2025-01-15 is being sent by pid 77 on other-host',
    });
    expect(send.sent).toEqual([]);
  });

  it("a thin day is left to the owner; a joiner's failure is its own, not the row's", async () => {
    const thin = await heldElsewhere({ build: fakeBuild(() => 0), joinRunning: true });
    expect(await runScheduled(thin, at)).toMatchObject({ kind: 'busy', items: 0 });
    const broken = await heldElsewhere({
      joinRunning: true,
      send: async () => {
        throw new DigestError('E_SMTP', 'the SMTP server refused the connection');
      },
    });
    const outcome = await runScheduled(broken, at);
    expect(outcome).toMatchObject({ kind: 'failed', message: 'the SMTP server refused the connection' });
    expect(await broken.runs.get('2025-01-15')).toMatchObject({
      state: 'running',
      ownerPid: 77,
      reason: null,
    });
  });
});

describe('the heartbeat of a running run', () => {
  it('a heartbeat the database refuses is left for the next one: the send goes on and is recorded', async () => {
    const d = deps();
    const runs = d.runs;
    let beat: () => void = () => {};
    const beaten = new Promise<void>((resolve) => (beat = resolve));
    // The runs table refuses heartbeats (updates with no fields), as a database briefly away would.
    const flaky = Object.assign(Object.create(runs), {
      update: async (...args: Parameters<typeof runs.update>) => {
        if (Object.keys(args[1]).length > 0) return runs.update(...args);
        beat();
        throw new DigestError('E_DB', 'the database is away');
      },
    }) as typeof runs;
    const send = async () => {
      await beaten;
      return { recipients: 3, sent: 3, failed: 0 };
    };
    const outcome = await runScheduled(
      { ...d, runs: flaky, send, heartbeatMs: 5 },
      new Date('2025-01-15T06:00:00Z'),
    );
    expect(outcome.kind).toBe('sent');
    expect(await runs.get('2025-01-15')).toMatchObject({ state: 'sent', sent: 3 });
  });
});
