import { describe, expect, it } from 'vitest';
import { selectDigest, trimOneStep } from '../../src/select/index.js';
import type { Selection } from '../../src/types.js';
import { art, OPTS, rel, WIDE } from './_articles.js';

function sample(): Selection {
  const provider = (domain: string) => ({ name: domain, domain });
  return selectDigest(
    [
      art({
        path: 'one.md',
        quality: 100,
        title: 'First story of the day',
        provider: provider('one.com'),
        related: [rel({ webUrl: 'https://r.com/1a' }), rel({ webUrl: 'https://r.com/1b' })],
      }),
      art({ path: 'two.md', quality: 90, title: 'Second story of note', provider: provider('two.com') }),
      art({
        path: 'three.md',
        quality: 80,
        title: 'Third piece about weather patterns',
        provider: provider('three.com'),
        related: [rel({ webUrl: 'https://r.com/3a' })],
      }),
      art({
        path: 'three-copy.md',
        quality: 5,
        title: 'Third piece about weather patterns',
        // The same outlet again: one story, still ranked by one outlet.
        webUrl: 'https://three.com/copy',
        provider: provider('three.com'),
      }),
    ],
    WIDE,
    OPTS,
  );
}

describe('trimOneStep', () => {
  it('drops related links bottom-up, then items bottom-up, then stops', () => {
    let sel: Selection | undefined = sample();
    const dropped: string[] = [];
    for (let i = 0; i < 10 && sel; i++) {
      const step = trimOneStep(sel);
      if (!step) break;
      dropped.push(step.dropped);
      sel = step.selection;
    }
    expect(dropped).toEqual([
      'related links of item 3 (Third piece about weather patterns)',
      'related links of item 1 (First story of the day)',
      'item 3 (Third piece about weather patterns)',
      'item 2 (Second story of note)',
      'item 1 (First story of the day)',
    ]);
    expect(sel?.items).toEqual([]);
    expect(sel?.considered.map((c) => c.status)).toEqual(Array(4).fill('trimmedForSize'));
  });

  it('marks a dropped item and its merged articles trimmedForSize, with reasons', () => {
    let sel = sample();
    for (let i = 0; i < 3; i++) sel = trimOneStep(sel)?.selection ?? sel;
    const by = (path: string) => sel.considered.find((c) => c.path === path);
    expect(sel.items.map((i) => i.lead.path)).toEqual(['one.md', 'two.md']);
    expect(by('three.md')).toMatchObject({
      status: 'trimmedForSize',
      reason: 'item 3 dropped to fit the size budget',
    });
    expect(by('three-copy.md')).toMatchObject({
      status: 'trimmedForSize',
      mergedInto: 'https://example.com/three',
      reason:
        'same story as "Third piece about weather patterns" (same title), which is item 3, dropped to fit the size budget',
    });
    expect(by('one.md')?.status).toBe('included');
  });

  it('does not change its input', () => {
    const sel = sample();
    const before = JSON.stringify(sel);
    const step = trimOneStep(sel);
    expect(step?.selection.items[2]?.related).toEqual([]);
    expect(JSON.stringify(sel)).toBe(before);
  });

  it('returns undefined for an empty selection', () => {
    expect(trimOneStep({ window: WIDE, items: [], considered: [] })).toBeUndefined();
  });
});
