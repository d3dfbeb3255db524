import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StoryCache } from '../../src/cache/index.js';
import { clusterStories, compareArticles } from '../../src/select/index.js';
import { openDatabase, type SqliteDatabase } from '../../src/store/index.js';
import type { Article } from '../../src/types.js';
import { tempDirs } from '../scale/_helpers.js';
import { labelledDays, SHARED } from '../select/_labels.js';

const OPTS = { threshold: 0.3 };
const temp = tempDirs();
let ranked: Article[];
let db: SqliteDatabase;

beforeAll(async () => {
  // A real day with stories of several articles, ranked as the select stage ranks.
  const days = await labelledDays(join(SHARED, 'stories/labels.json'));
  const day = days.find((d) => clusterStories([...d.articles].sort(compareArticles), OPTS).links.size >= 3);
  if (!day) throw new Error('no labelled day with three merges');
  ranked = [...day.articles].sort(compareArticles);
  db = openDatabase(join(temp.make('digest-story-cache-'), 'digest.db'));
});
afterAll(() => {
  db.close();
  temp.cleanup();
});

const plain = (c: ReturnType<typeof clusterStories>) => JSON.stringify([c.stories, [...c.links]]);
const storedKeys = () =>
  (db.prepare(`SELECT key FROM render_cache WHERE key LIKE 'stories:%'`).all() as { key: string }[]).map(
    (r) => r.key,
  );

describe('StoryCache', () => {
  it('answers as clusterStories does, and stores the answer once per distinct day', () => {
    const cache = new StoryCache(db);
    const expected = plain(clusterStories(ranked, OPTS));
    expect(plain(cache.cluster(ranked, OPTS))).toBe(expected);
    expect(storedKeys()).toHaveLength(1);
    expect(plain(new StoryCache(db).cluster(ranked, OPTS))).toBe(expected);
    expect(storedKeys()).toHaveLength(1);
  });

  it('takes a stored grouping instead of grouping again', () => {
    // Every article alone is a valid grouping that clusterStories would never give for this day:
    // seeing it back proves the answer came from the table.
    const alone = JSON.stringify({ stories: ranked.map((_, i) => [i]), links: [] });
    db.prepare(`UPDATE render_cache SET value = ? WHERE key LIKE 'stories:%'`).run(alone);
    const hit = new StoryCache(db).cluster(ranked, OPTS);
    expect(hit.stories).toHaveLength(ranked.length);
    expect(hit.links.size).toBe(0);
  });

  it('groups again when the row is damaged, the day changed or the options changed', () => {
    const expected = plain(clusterStories(ranked, OPTS));
    for (const damaged of [
      '{',
      '{"stories":[[0]],"links":[]}',
      JSON.stringify({ stories: [[0, 0]], links: [] }),
    ]) {
      db.prepare(`UPDATE render_cache SET value = ? WHERE key LIKE 'stories:%'`).run(damaged);
      expect(plain(new StoryCache(db).cluster(ranked, OPTS))).toBe(expected);
    }
    const alone = JSON.stringify({ stories: ranked.map((_, i) => [i]), links: [] });
    db.prepare(`UPDATE render_cache SET value = ? WHERE key LIKE 'stories:%'`).run(alone);
    const edited = ranked.map((a, i) => (i === 0 ? { ...a, title: `${a.title} (updated)` } : a));
    expect(plain(new StoryCache(db).cluster(edited, OPTS))).toBe(plain(clusterStories(edited, OPTS)));
    const stricter = { threshold: 0.9 };
    expect(plain(new StoryCache(db).cluster(ranked, stricter))).toBe(plain(clusterStories(ranked, stricter)));
  });

  it('writes nothing when read-only', () => {
    const before = storedKeys().length;
    const other = ranked.slice(1);
    expect(plain(new StoryCache(db, { readonly: true }).cluster(other, OPTS))).toBe(
      plain(clusterStories(other, OPTS)),
    );
    expect(storedKeys()).toHaveLength(before);
  });
});
