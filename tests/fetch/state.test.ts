import { describe, expect, it } from 'vitest';
import { fetchStateFor } from '../../src/store/index.js';
import { storeKinds } from '../helpers/stores.js';

const FEED = 'https://example.com/feed.xml';
const MOVED = 'https://example.org/feed.xml';
const T0 = Date.parse('2026-12-01T06:00:00Z');

describe.each(storeKinds())('fetch state on %s', (_name, kind) => {
  it('keeps validators across a 304 and a failure, and clears the error on the next success', async () => {
    const { store } = await kind.fresh();
    const state = fetchStateFor(store.backend);
    expect(await state.get(FEED)).toBeUndefined();

    await state.succeeded(FEED, { status: 200, currentUrl: MOVED, etag: '"v1"', lastModified: 'Mon' }, T0);
    expect(await state.get(FEED)).toEqual({
      url: FEED,
      currentUrl: MOVED,
      etag: '"v1"',
      lastModified: 'Mon',
      lastStatus: 200,
      lastSuccessAt: T0,
    });

    await state.failed(FEED, { status: 503, error: 'busy', retryAfterUntil: T0 + 3_600_000 }, T0 + 60_000);
    expect(await state.get(FEED)).toEqual({
      url: FEED,
      currentUrl: MOVED,
      etag: '"v1"',
      lastModified: 'Mon',
      lastStatus: 503,
      lastSuccessAt: T0,
      lastError: 'busy',
      lastErrorAt: T0 + 60_000,
      retryAfterUntil: T0 + 3_600_000,
    });

    // A 304 names no validators and no new address: the stored ones stay.
    await state.succeeded(FEED, { status: 304 }, T0 + 7_200_000);
    expect(await state.get(FEED)).toEqual({
      url: FEED,
      currentUrl: MOVED,
      etag: '"v1"',
      lastModified: 'Mon',
      lastStatus: 304,
      lastSuccessAt: T0 + 7_200_000,
    });

    // A 200 without validators drops the old ones: the next request must not send stale ones.
    await state.succeeded(FEED, { status: 200 }, T0 + 8_000_000);
    expect(await state.get(FEED)).toEqual({
      url: FEED,
      currentUrl: MOVED,
      lastStatus: 200,
      lastSuccessAt: T0 + 8_000_000,
    });
  });

  it('a first fetch that fails leaves a row with only the error', async () => {
    const { store } = await kind.fresh();
    const state = fetchStateFor(store.backend);
    await state.failed(FEED, { error: 'connection refused' }, T0);
    expect(await state.get(FEED)).toEqual({ url: FEED, lastError: 'connection refused', lastErrorAt: T0 });
  });

  it('an item is written once per feed; seen answers for the asked ids of that feed only', async () => {
    const { store } = await kind.fresh();
    const state = fetchStateFor(store.backend);
    expect(await state.seen(FEED, [])).toEqual(new Set());
    await state.written(FEED, 'guid-1', 'example/2026-12-01-one.md', T0);
    await state.written(FEED, 'guid-2', 'example/2026-12-01-two.md', T0);
    await state.written(FEED, 'guid-1', 'example/2026-12-01-one-2.md', T0 + 1);
    await state.written(MOVED, 'guid-3', 'other/2026-12-01-three.md', T0);
    expect(await state.seen(FEED, ['guid-1', 'guid-3', 'guid-4', 'guid-2'])).toEqual(
      new Set(['guid-1', 'guid-2']),
    );
    expect(await state.seen(MOVED, ['guid-1', 'guid-3'])).toEqual(new Set(['guid-3']));
  });

  it('another connection to the same database sees what one fetcher wrote', async () => {
    const { store, target } = await kind.fresh();
    await fetchStateFor(store.backend).written(FEED, 'guid-1', 'example/one.md', T0);
    await fetchStateFor(store.backend).succeeded(FEED, { status: 200, etag: '"v2"' }, T0);
    const other = fetchStateFor((await kind.connect(target)).backend);
    expect(await other.seen(FEED, ['guid-1'])).toEqual(new Set(['guid-1']));
    expect(await other.get(FEED)).toMatchObject({ etag: '"v2"', lastStatus: 200 });
  });
});
