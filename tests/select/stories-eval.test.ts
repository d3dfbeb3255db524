import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { clusterStories } from '../../src/select/_cluster.js';
import { compareArticles } from '../../src/select/index.js';
import { cosine, storyModel, titleOverlap } from '../../src/select/_similarity.js';
import { type LabelledDay, labelledDays, pairScores, SHARED } from './_labels.js';

const THRESHOLD = Number(process.env.STORY_T ?? 0.3);

describe('story merging against labelled days', () => {
  it('prints', async () => {
    const files = [join(SHARED, 'stories/labels.json'), join(import.meta.dirname, '../fixtures/stories/labels.json')];
    let all = { tp: 0, fp: 0, fn: 0 };
    for (const file of files) {
      let days: LabelledDay[] = [];
      try { days = await labelledDays(file); } catch { continue; }
      for (const day of days) {
        const ranked = [...day.articles].sort(compareArticles);
        const { stories, links } = clusterStories(ranked, { threshold: THRESHOLD });
        const groups = stories.map((s) => s.map((i) => ranked[i]!.path));
        const r = pairScores(day, groups);
        all = { tp: all.tp + r.tp, fp: all.fp + r.fp, fn: all.fn + r.fn };
        console.log(day.name, r, 'articles', day.articles.length);
        if (process.env.STORY_V) {
          const model = storyModel(ranked);
          const idx = new Map(ranked.map((a, i) => [a.path, i]));
          const gi = new Map<string, number>();
          groups.forEach((g, k) => g.forEach((p) => gi.set(p, k)));
          for (const t of day.stories) for (const a of t) for (const b of t) {
            if (a >= b || gi.get(a) === gi.get(b)) continue;
            if (day.uncertain.some(([x, y]) => (x === a && y === b) || (x === b && y === a))) continue;
            const i = idx.get(a)!; const j = idx.get(b)!;
            console.log('  FN', cosine(model.docs[i]!, model.docs[j]!).toFixed(3), titleOverlap(model.docs[i]!, model.docs[j]!).toFixed(2), '|', ranked[i]!.title.slice(0, 60), '|', ranked[j]!.title.slice(0, 60));
          }
          for (const g of groups) for (const a of g) for (const b of g) {
            if (a >= b) continue;
            const ta = day.stories.findIndex((t) => t.includes(a)); const tb = day.stories.findIndex((t) => t.includes(b));
            if (ta === tb || day.uncertain.some(([x, y]) => (x === a && y === b) || (x === b && y === a))) continue;
            const i = idx.get(a)!; const j = idx.get(b)!;
            console.log('  FP', cosine(model.docs[i]!, model.docs[j]!).toFixed(3), '|', ranked[i]!.title.slice(0, 60), '|', ranked[j]!.title.slice(0, 60));
          }
        }
        if (process.env.STORY_VV) {
          const truthOf = new Map<string, number>();
          day.stories.forEach((s, k) => s.forEach((p) => truthOf.set(p, k)));
          for (const s of stories) {
            if (s.length < 2 && day.stories.find((t) => t.includes(ranked[s[0]!]!.path))!.length < 2) continue;
            console.log('  --');
            for (const i of s) console.log('   ', truthOf.get(ranked[i]!.path), ranked[i]!.title.slice(0, 90), JSON.stringify(links.get(i) ?? {}));
          }
        }
      }
    }
    const p = all.tp / (all.tp + all.fp);
    const r = all.tp / (all.tp + all.fn);
    console.log(`THRESHOLD ${THRESHOLD}: precision ${p.toFixed(3)} recall ${r.toFixed(3)}`, all);
    expect(all.tp).toBeGreaterThan(0);
  });
});
