import { describe, expect, it } from 'vitest';
import { digestLookup } from '../../src/bounces/_lookup.js';
import { digestRefOf, messageIdFor } from '../../src/deliver/index.js';
import { storeKinds } from '../helpers/stores.js';

const KINDS = storeKinds();

describe.each(KINDS)('the digest lookup (%s)', (_name, kind) => {
  it('finds a digest by its VERP reference and a copy by its Message-ID, with or without the recipient, also for a digest sent after the first question', async () => {
    const { store } = await kind.fresh();
    await store.subscribers.add({ email: 'ann@example.org', name: '', topics: [] });
    const [ann] = await store.subscribers.list();
    const id = ann?.id as number;
    const send = async (key: string, date: string) => {
      await store.ledger.recordDigest({ digestKey: key, date, subject: 'News', items: 1 });
      await store.ledger.enqueue(key, [
        { subscriberId: id, email: 'ann@example.org', messageId: messageIdFor(key, id, 'example.org') },
      ]);
    };
    await send('day:2026-11-23@UTC', '2026-11-23');
    // One lookup for the life of the process (digest serve keeps its own for weeks).
    const lookup = digestLookup(store.backend);
    expect(await lookup.digestByRef(digestRefOf('day:2026-11-23@UTC'))).toBe('day:2026-11-23@UTC');
    expect(await lookup.digestByRef(digestRefOf('day:2026-11-24@UTC'))).toBeUndefined();

    await send('day:2026-11-24@UTC', '2026-11-24');
    expect(await lookup.digestByRef(digestRefOf('day:2026-11-24@UTC').toUpperCase())).toBe(
      'day:2026-11-24@UTC',
    );
    const copy = messageIdFor('day:2026-11-24@UTC', id, 'example.org');
    const found = { digestKey: 'day:2026-11-24@UTC', subscriberId: id };
    expect(await lookup.original(copy, 'Ann@Example.org')).toEqual(found);
    // A recipient the report does not name (or names wrongly): the ledger row with that Message-ID.
    expect(await lookup.original(copy)).toEqual(found);
    expect(await lookup.original(copy, 'someone-else@example.net')).toEqual(found);
    expect(await lookup.original('<not-ours@example.org>', 'ann@example.org')).toBeUndefined();
  });
});
