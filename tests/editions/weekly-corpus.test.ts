import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { type Edition, editionRequest } from '../../src/editions/index.js';
import { type BuildResult, buildDigest } from '../../src/pipeline.js';
import { localDate } from '../../src/select/index.js';
import { tempDir } from '../helpers/cleanup.js';
import { CORPUS, ROOT } from '../helpers/cli.js';

// The weekly edition sent on Monday 2020-09-14 in New York: the 7 local days 2020-09-07 … 2020-09-13.
const ZONE = 'America/New_York';
const LAST_DAY = '2020-09-13';
const WEEKLY: Edition = { frequency: 'weekly', topics: [] };

interface Labels {
  [name: string]: {
    day: string;
    timeZone: string;
    stories: string[][];
    uncertain: [string, string, string][];
  };
}

describe('the weekly edition of the real election corpus', () => {
  let built: BuildResult;
  /** Per item: the corpus paths of its lead and its other coverage. */
  let items: string[][];

  beforeAll(async () => {
    const cwd = tempDir('digest-weekly-');
    const { config } = loadConfig(cwd, {}, { timeZone: ZONE, top: 200, templates: join(ROOT, 'templates') });
    const base = {
      config: { ...config, content: join(CORPUS, 'election') },
      cwd,
      now: new Date('2020-09-14T11:00:00Z'),
      date: LAST_DAY,
    };
    built = await buildDigest(editionRequest(base, WEEKLY, LAST_DAY));
    items = built.selection.items.map((item) => [item.lead, ...item.alsoCoveredBy].map((a) => a.path));
  }, 120_000);

  it('covers the 7 local days up to the last day, under the weekly key, with its own subject', () => {
    expect(built.digestKey).toBe(`week:${LAST_DAY}@${ZONE}`);
    expect(built.window.date).toBe(LAST_DAY);
    expect(localDate(built.window.since, ZONE)).toBe('2020-09-07');
    expect(localDate(built.window.until - 1, ZONE)).toBe(LAST_DAY);
    expect(built.rendered?.subject).toMatch(/^This week in News Digest: /);
    expect(built.rendered?.html).toContain('September 7 – September 13, 2020');
    // Stories of several days, not one day's digest.
    const days = new Set(built.selection.items.map((item) => localDate(item.lead.publishedMs, ZONE)));
    expect(days.size).toBeGreaterThanOrEqual(4);
  });

  it('merges a story across days: some items hold coverage from two local days', () => {
    const spans = built.selection.items.filter(
      (item) =>
        new Set([item.lead, ...item.alsoCoveredBy].map((a) => localDate(a.publishedMs, ZONE))).size > 1,
    );
    expect(spans.length).toBeGreaterThanOrEqual(1);
  });

  it('holds each article once', () => {
    const all = items.flat();
    expect(new Set(all).size).toBe(all.length);
  });

  it('holds each labelled story once: all its articles in the edition are in one item', () => {
    const labels = JSON.parse(readFileSync(join(CORPUS, '../stories/labels.json'), 'utf8')) as Labels;
    const day = labels[`election_${LAST_DAY}`];
    expect(day?.timeZone).toBe(ZONE);
    const itemOf = new Map(items.flatMap((paths, i) => paths.map((p) => [p, i] as const)));
    let checked = 0;
    for (const story of day?.stories ?? []) {
      const where = new Set(story.filter((p) => itemOf.has(p)).map((p) => itemOf.get(p)));
      expect(where.size, story.join('\n')).toBeLessThanOrEqual(1);
      if (story.length > 1 && where.size === 1) checked++;
    }
    // Stories of several articles were merged into one item each (not only left out).
    expect(checked).toBeGreaterThanOrEqual(5);
  });
});
