import { describe, expect, it } from 'vitest';
import { archiveFor, saveWebCopy } from '../../src/web/index.js';
import { type StoreKind, storeKinds } from '../helpers/stores.js';

const KINDS = storeKinds();

async function archiveIn(kind: StoreKind) {
  // One clock that ticks on every read: the order of first_sent_at is the order of the calls.
  let now = 1_000;
  const tick = () => now++;
  const { store, target } = await kind.fresh({ now: tick });
  return { store, target, archive: archiveFor(store.backend, { now: tick }) };
}

const digest = (digestKey: string, date: string, subject = `Digest ${date}`) => ({
  digestKey,
  date,
  subject,
  items: 4,
});

describe.each(KINDS)('the archive (%s)', (_name, kind) => {
  it('keeps replacing a web copy until the digest starts sending, then freezes it', async () => {
    const { store, archive } = await archiveIn(kind);
    await archive.saveWebCopy('day:2026-11-23@UTC', '<p>v1</p>');
    await archive.saveWebCopy('day:2026-11-23@UTC', '<p>v2</p>');
    // Saved but not sent: not in the archive.
    expect(await archive.list()).toEqual([]);
    expect(await archive.page('2026-11-23')).toBeUndefined();
    await store.ledger.recordDigest(digest('day:2026-11-23@UTC', '2026-11-23'));
    await archive.saveWebCopy('day:2026-11-23@UTC', '<p>v3 from a later resume run</p>');
    expect(await archive.page('2026-11-23')).toMatchObject({ html: '<p>v2</p>', hasPage: true, items: 4 });
  });

  it('lists one digest per date, newest date first, and marks digests sent without a web copy', async () => {
    const { store, archive } = await archiveIn(kind);
    await archive.saveWebCopy('day:2026-11-22@UTC', '<p>22</p>');
    await store.ledger.recordDigest(digest('day:2026-11-22@UTC', '2026-11-22'));
    await store.ledger.recordDigest(digest('day:2026-11-24@UTC', '2026-11-24'));
    await archive.saveWebCopy('day:2026-11-23@UTC', '<p>23 UTC</p>');
    await store.ledger.recordDigest(digest('day:2026-11-23@UTC', '2026-11-23', 'First of the 23rd'));
    await archive.saveWebCopy('day:2026-11-23@Asia/Tokyo', '<p>23 Tokyo</p>');
    await store.ledger.recordDigest(digest('day:2026-11-23@Asia/Tokyo', '2026-11-23', 'Second of the 23rd'));
    const list = await archive.list();
    expect(list.map((e) => [e.date, e.subject, e.hasPage])).toEqual([
      ['2026-11-24', 'Digest 2026-11-24', false],
      ['2026-11-23', 'First of the 23rd', true],
      ['2026-11-22', 'Digest 2026-11-22', true],
    ]);
    expect((await archive.page('2026-11-23'))?.html).toBe('<p>23 UTC</p>');
    expect(await archive.page('2026-11-24')).toMatchObject({ hasPage: false, html: '' });
    await expect(archive.check()).resolves.toBeUndefined();
  });

  it('a resume that renders another subject and count leaves the archive entry as first sent', async () => {
    const { store, archive } = await archiveIn(kind);
    const key = 'day:2026-11-23@UTC';
    await archive.saveWebCopy(key, '<p>first</p>');
    await store.ledger.recordDigest(digest(key, '2026-11-23', 'First subject'));
    // The resume run: content or templates changed in between.
    await archive.saveWebCopy(key, '<p>later</p>');
    await store.ledger.recordDigest({ ...digest(key, '2026-11-23', 'Later subject'), items: 9 });
    expect(await archive.list()).toMatchObject([{ date: '2026-11-23', subject: 'First subject', items: 4 }]);
    expect(await archive.page('2026-11-23')).toMatchObject({
      subject: 'First subject',
      items: 4,
      html: '<p>first</p>',
    });
  });

  it('offers each topic of the digests kept once, whatever its case, sorted as people read', async () => {
    const { archive } = await archiveIn(kind);
    await archive.saveWebCopy('day:2026-11-23@UTC', '<p>23</p>', ['Climate', 'AI', 'agriculture']);
    await archive.saveWebCopy('day:2026-11-24@UTC', '<p>24</p>', ['ai', 'Climate', 'Zoos']);
    await archive.saveWebCopy('day:2026-11-24@UTC', '<p>24 again</p>', ['Zoos']);
    // The first spelling in binary order: upper case before lower.
    expect(await archive.topics()).toEqual(['agriculture', 'AI', 'Climate', 'Zoos']);
  });

  it('the send path keeps the generic web copy and topics of a built digest, seen by another connection', async () => {
    const { store, target } = await archiveIn(kind);
    const article = (topics: string[]) => ({ topics });
    await saveWebCopy(
      store.backend,
      {
        digestKey: 'day:2026-11-25@UTC',
        rendered: { html: '<p>Hello</p><a href="%%recipient.unsubscribeUrl%%">stop</a>', text: 'Hello' },
        selection: { items: [{ lead: article(['Energy']), alsoCoveredBy: [article(['Grid'])] }] },
      } as Parameters<typeof saveWebCopy>[1],
      'https://news.example.org',
    );
    await store.ledger.recordDigest(digest('day:2026-11-25@UTC', '2026-11-25'));
    const other = await kind.connect(target);
    const archive = archiveFor(other.backend);
    expect(await archive.topics()).toEqual(['Energy', 'Grid']);
    expect(await archive.list()).toMatchObject([{ date: '2026-11-25', path: '2026-11-25', hasPage: true }]);
    expect((await archive.page('2026-11-25'))?.html).toBe(
      '<p>Hello</p><a href="https://news.example.org/unsubscribe">stop</a>',
    );
  });

  it('lists the daily and the weekly edition of a date apart, and never a topic edition', async () => {
    const { store, archive } = await archiveIn(kind);
    await archive.saveWebCopy('day:2026-11-23@UTC', '<p>daily</p>');
    await store.ledger.recordDigest(digest('day:2026-11-23@UTC', '2026-11-23', 'Daily'));
    await archive.saveWebCopy('day:2026-11-23@UTC#topics=ai', '<p>ai only</p>');
    await store.ledger.recordDigest(digest('day:2026-11-23@UTC#topics=ai', '2026-11-23', 'AI only'));
    await archive.saveWebCopy('week:2026-11-23@UTC', '<p>weekly</p>');
    await store.ledger.recordDigest(digest('week:2026-11-23@UTC', '2026-11-23', 'Weekly'));
    expect((await archive.list()).map((e) => [e.path, e.edition, e.subject])).toEqual([
      ['2026-11-23', 'daily', 'Daily'],
      ['week-2026-11-23', 'weekly', 'Weekly'],
    ]);
    expect(await archive.page('week-2026-11-23')).toMatchObject({ edition: 'weekly', html: '<p>weekly</p>' });
    expect(await archive.page('2026-11-23')).toMatchObject({ edition: 'daily', html: '<p>daily</p>' });
  });
});
