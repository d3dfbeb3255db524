import { beforeAll, describe, expect, it } from 'vitest';
import { DigestError } from '../../src/errors.js';
import { fitToBudget, renderDigest, type Templates, type TrimStep } from '../../src/render/index.js';
import { trimOneStep } from '../../src/select/index.js';
import type { Selection } from '../../src/types.js';
import { CTX, defaultTemplates, digest } from './_factory.js';

const bytes = (s: string) => Buffer.byteLength(s, 'utf8');

let templates: Templates;
beforeAll(async () => {
  templates = await defaultTemplates();
});

/** The reference answer: render after every single trim step until the HTML fits. */
async function slowFit(sel: Selection, budget: number, trim: TrimStep) {
  let current = sel;
  const trimmed: string[] = [];
  for (let step = 0; step < 200; step++) {
    const html = (await renderDigest(current, templates, CTX)).html;
    if (bytes(html) <= budget) return { selection: current, trimmed, size: bytes(html) };
    const next = trim(current);
    if (!next || next.selection.items.length === 0) return undefined;
    current = next.selection;
    trimmed.push(next.dropped);
  }
  return undefined;
}

/** `templates` whose renderDigest calls are counted (the preheader renders once per digest). */
function counting(t: Templates): { templates: Templates; count: () => number } {
  let n = 0;
  const preheader = {
    ...t.preheader,
    render: (c: object) => {
      n++;
      return t.preheader.render(c);
    },
  };
  return { templates: { ...t, preheader }, count: () => n };
}

describe('fitToBudget', () => {
  const sel = digest(10, 3);
  let full: number;
  let oneItem: number;
  beforeAll(async () => {
    full = bytes((await renderDigest(sel, templates, CTX)).html);
    oneItem = bytes(
      (
        await renderDigest(
          { ...sel, items: sel.items.slice(0, 1).map((i) => ({ ...i, related: [] })) },
          templates,
          CTX,
        )
      ).html,
    );
  });

  it('returns the selection untouched when it fits', async () => {
    const fitted = await fitToBudget(sel, templates, CTX, full, trimOneStep);
    expect(fitted.trimmed).toEqual([]);
    expect(fitted.selection).toBe(sel);
    expect(bytes(fitted.rendered.html)).toBe(full);
  });

  it.each([
    ['one byte over', (f: number) => f - 1],
    ['a tenth over', (f: number) => Math.round(f * 0.9)],
    ['a third over', (f: number) => Math.round(f * 0.67)],
    ['twice over', (f: number) => Math.round(f * 0.5)],
    ['nearly everything over', (_f: number, one: number) => one + 200],
  ])('%s: trims exactly as much as rendering after every step would', async (_label, budgetOf) => {
    const budget = budgetOf(full, oneItem);
    const expected = await slowFit(sel, budget, trimOneStep);
    expect(expected).toBeDefined();
    const counted = counting(templates);
    const fitted = await fitToBudget(sel, counted.templates, CTX, budget, trimOneStep);
    expect(fitted.trimmed).toEqual(expected?.trimmed);
    expect(bytes(fitted.rendered.html)).toBeLessThanOrEqual(budget);
    expect(bytes(fitted.rendered.html)).toBe(expected?.size);
    expect(fitted.selection.items.map((i) => i.lead.path)).toEqual(
      expected?.selection.items.map((i) => i.lead.path),
    );
    // Few MJML renders, however many steps (the slow way needs one per step: up to 20 here).
    expect(counted.count()).toBeLessThanOrEqual(6);
  });

  it('drops related links from the lowest-ranked item up, then the lowest-ranked items', async () => {
    const fitted = await fitToBudget(sel, templates, CTX, oneItem + 3000, trimOneStep);
    const related = fitted.trimmed.filter((t) => t.startsWith('related links of item'));
    const items = fitted.trimmed.filter((t) => /^item \d+/.test(t));
    expect(related.map((t) => Number(/item (\d+)/.exec(t)?.[1]))).toEqual([10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);
    expect(fitted.trimmed.slice(0, related.length)).toEqual(related);
    const dropped = items.map((t) => Number(/item (\d+)/.exec(t)?.[1]));
    expect(dropped).toEqual([...dropped].sort((a, b) => b - a));
    expect(dropped[0]).toBe(10);
    expect(fitted.selection.items.length).toBe(10 - items.length);
    expect(fitted.selection.items.every((i) => i.related.length === 0)).toBe(true);
    expect(bytes(fitted.rendered.html)).toBeLessThanOrEqual(oneItem + 3000);
    // The selection records what was trimmed.
    const trimmedPaths = fitted.selection.considered
      .filter((c) => c.status === 'trimmedForSize')
      .map((c) => c.path);
    expect(trimmedPaths.length).toBe(items.length);
  });

  it('never trims to an empty digest: E_BUDGET when one bare item does not fit', async () => {
    const error = await fitToBudget(sel, templates, CTX, oneItem - 1, trimOneStep).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DigestError);
    expect((error as DigestError).code).toBe('E_BUDGET');
    expect((error as DigestError).field).toBe('sizeBudget');
  });

  it('E_BUDGET when there is nothing to trim', async () => {
    const error = await fitToBudget(sel, templates, CTX, 1000, () => undefined).catch((e: unknown) => e);
    expect((error as DigestError).code).toBe('E_BUDGET');
  });

  it('works with any trim step passed in (here: whole items only)', async () => {
    const itemsOnly: TrimStep = (s) =>
      s.items.length === 0
        ? undefined
        : { selection: { ...s, items: s.items.slice(0, -1) }, dropped: `item ${s.items.length}` };
    const budget = Math.round(full * 0.6);
    const expected = await slowFit(sel, budget, itemsOnly);
    const fitted = await fitToBudget(sel, templates, CTX, budget, itemsOnly);
    expect(fitted.trimmed).toEqual(expected?.trimmed);
  });
});
