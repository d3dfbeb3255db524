import { describe, expect, it } from 'vitest';
import type { BuildResult } from '../../src/pipeline.js';
import { BuildCache, type BuildSource, type DayBuild } from '../../src/preview/index.js';

/** A stand-in pipeline that counts its calls; `failing` days throw like a broken template. */
function countingSource(failing = new Set<string>()) {
  const calls: string[] = [];
  let lists = 0;
  const source: BuildSource = {
    async buildDay(date, timeZone, top) {
      calls.push(`${date}|${timeZone}|${top}`);
      await new Promise((r) => setTimeout(r, 5));
      if (failing.has(date)) throw new Error(`broken ${date}`);
      const result = {
        report: { items: Array.from({ length: top }, (_, i) => ({ title: `${date} #${i + 1}` })) },
      } as unknown as BuildResult;
      return { result } satisfies DayBuild;
    },
    async listDays() {
      lists += 1;
      if (lists === 1) throw new Error('folder missing');
      return [
        { date: '2020-09-13', articles: 3 },
        { date: '2020-09-12', articles: 1 },
      ];
    },
  };
  return { source, calls, lists: () => lists };
}

describe('BuildCache', () => {
  it('shares one build between concurrent requests and keeps it until the sources change', async () => {
    const { source, calls } = countingSource();
    const cache = new BuildCache(source);
    const [a, b] = await Promise.all([cache.day('2020-09-13', 'UTC', 2), cache.day('2020-09-13', 'UTC', 2)]);
    expect(a).toBe(b);
    await cache.day('2020-09-13', 'UTC', 2);
    expect(calls).toEqual(['2020-09-13|UTC|2']);
    await cache.day('2020-09-13', 'Europe/Berlin', 2);
    await cache.day('2020-09-13', 'UTC', 3);
    expect(calls).toHaveLength(3);
    expect(cache.invalidate()).toBe(1);
    const again = await cache.day('2020-09-13', 'UTC', 2);
    expect(again.version).toBe(1);
    expect(calls).toHaveLength(4);
  });

  it('turns a failed build into an outcome instead of a rejection', async () => {
    const { source } = countingSource(new Set(['2020-09-12']));
    const cache = new BuildCache(source);
    const outcome = await cache.day('2020-09-12', 'UTC', 1);
    expect(outcome.ok).toBe(false);
    expect(!outcome.ok && (outcome.error as Error).message).toBe('broken 2020-09-12');
    expect(cache.summary('2020-09-12', 'UTC', 1)).toMatchObject({ ok: false });
  });

  it('keeps summaries for the index and builds only the missing days, one at a time', async () => {
    const { source, calls } = countingSource();
    const cache = new BuildCache(source);
    await cache.day('2020-09-13', 'UTC', 2);
    expect(cache.summary('2020-09-13', 'UTC', 2)).toEqual({ ok: true, items: 2, headline: '2020-09-13 #1' });
    expect(cache.summary('2020-09-12', 'UTC', 2)).toBeUndefined();
    const first = cache.warm(['2020-09-13', '2020-09-12'], 'UTC', 2);
    expect(cache.warm(['2020-09-13', '2020-09-12'], 'UTC', 2)).toBe(first);
    expect(await first).toBe(0);
    expect(calls).toEqual(['2020-09-13|UTC|2', '2020-09-12|UTC|2']);
    expect(cache.summary('2020-09-12', 'UTC', 2)).toMatchObject({ ok: true, items: 2 });
  });

  it('drops the oldest full builds past its bound but keeps their summaries', async () => {
    const { source, calls } = countingSource();
    const cache = new BuildCache(source, 2);
    for (const date of ['2020-09-01', '2020-09-02', '2020-09-03']) await cache.day(date, 'UTC', 1);
    expect(cache.summary('2020-09-01', 'UTC', 1)).toMatchObject({ ok: true });
    await cache.day('2020-09-01', 'UTC', 1);
    expect(calls.filter((c) => c.startsWith('2020-09-01'))).toHaveLength(2);
  });

  it('keeps the list of days across a template-only change, and rescans after a content change', async () => {
    const { source, lists } = countingSource();
    const cache = new BuildCache(source);
    await cache.days('UTC').catch(() => undefined);
    await cache.days('UTC');
    expect(lists()).toBe(2);
    cache.invalidate({ contentChanged: false });
    await cache.days('UTC');
    expect(lists()).toBe(2);
    cache.invalidate({ contentChanged: true });
    await cache.days('UTC');
    expect(lists()).toBe(3);
  });

  it('retries a day listing that failed instead of remembering the failure', async () => {
    const { source, lists } = countingSource();
    const cache = new BuildCache(source);
    await expect(cache.days('UTC')).rejects.toThrow('folder missing');
    expect(await cache.days('UTC')).toHaveLength(2);
    await cache.days('UTC');
    expect(lists()).toBe(2);
  });
});
