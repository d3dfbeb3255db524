import { DigestError } from '../errors.js';
import type { RenderedDigest, Selection } from '../types.js';
import { buildContext, type RenderContext } from './_context.js';
import { PLACEHOLDERS } from './_placeholders.js';
import { renderDigest } from './_render.js';
import type { Templates } from './_templates.js';

/**
 * One trim step: a smaller selection and what was dropped, or undefined when nothing is left to
 * drop. The select stage's `trimOneStep` is the one the pipeline passes in.
 */
export type TrimStep = (selection: Selection) => { selection: Selection; dropped: string } | undefined;

/** A selection that fits the budget, its rendering, and what was dropped, in order. */
export interface Fitted {
  selection: Selection;
  rendered: RenderedDigest;
  trimmed: string[];
}

// Far more than any digest has (items plus their related lists); a guard against a trim that never ends.
const MAX_STEPS = 2000;

/**
 * Render, and when the HTML is over `budgetBytes`, apply `trim` as few times as needed to fit.
 * The result is the *least* trimmed selection in `trim`'s order whose HTML fits, and never a
 * digest without items. MJML is the slow part, so instead of rendering after every step this
 * predicts each step's HTML size from its MJML source (Handlebars only, cheap) and renders only
 * where the prediction says the boundary is, narrowing until the boundary is rendered on both
 * sides. Throws E_BUDGET when even the most trimmed selection with one item is over budget.
 */
export async function fitToBudget(
  selection: Selection,
  templates: Templates,
  ctx: RenderContext,
  budgetBytes: number,
  trim: TrimStep,
): Promise<Fitted> {
  const first = await renderDigest(selection, templates, ctx);
  if (bytes(first.html) <= budgetBytes) return { selection, rendered: first, trimmed: [] };

  const states = trimStates(selection, trim);
  const last = states.length - 1;
  if (last === 0) throw overBudget(bytes(first.html), budgetBytes, 'there is nothing left to trim');

  const rendered = new Map<number, RenderedDigest>([[0, first]]);
  const sizes = new Map<number, number>([[0, bytes(first.html)]]);
  const lengths = new Map<number, number>();
  const sourceLength = (k: number): number => {
    let n = lengths.get(k);
    if (n === undefined) {
      n = mjmlLength(templates, (states[k] as State).selection, ctx);
      lengths.set(k, n);
    }
    return n;
  };

  // Invariant: state lo is over budget; state hi fits, or hi = last + 1 while none is known to fit.
  let lo = 0;
  let hi = last + 1;
  for (let round = 0; hi - lo > 1 && round <= 2 * states.length; round++) {
    // After a few guesses the model is not working for these templates: fall back to bisection.
    const guess = round < 4 ? predict(lo, hi, budgetBytes, sizes, sourceLength) : Math.floor((lo + hi) / 2);
    const k = Math.min(Math.max(guess, lo + 1), hi - 1, last);
    const r = await renderDigest((states[k] as State).selection, templates, ctx);
    rendered.set(k, r);
    sizes.set(k, bytes(r.html));
    if (bytes(r.html) <= budgetBytes) hi = k;
    else lo = k;
  }
  if (hi > last) {
    throw overBudget(sizes.get(last) ?? 0, budgetBytes, `even with all ${last} trim steps applied`);
  }
  return {
    selection: (states[hi] as State).selection,
    rendered: rendered.get(hi) as RenderedDigest,
    trimmed: states.slice(1, hi + 1).map((s) => s.dropped),
  };
}

interface State {
  selection: Selection;
  dropped: string;
}

// Every selection trimming can reach, in order, stopping before the digest would be empty.
function trimStates(selection: Selection, trim: TrimStep): State[] {
  const states: State[] = [{ selection, dropped: '' }];
  for (let i = 0; i < MAX_STEPS; i++) {
    const next = trim((states.at(-1) as State).selection);
    if (!next || next.selection.items.length === 0) break;
    states.push(next);
  }
  return states;
}

/**
 * The first state predicted to fit. HTML size is close to linear in the MJML source length
 * within one kind of trim step, so predict along the line through the two rendered states
 * nearest the boundary: lo and hi once a fitting state is known, else lo and the state rendered
 * before it (or, after the first render only, the line through the origin).
 */
function predict(
  lo: number,
  hi: number,
  budget: number,
  sizes: Map<number, number>,
  sourceLength: (k: number) => number,
): number {
  const loSize = sizes.get(lo) ?? 0;
  const loSrc = sourceLength(lo);
  const other = sizes.has(hi) ? hi : Math.max(-1, ...[...sizes.keys()].filter((k) => k < lo));
  const otherSize = sizes.get(other);
  const slope =
    otherSize === undefined
      ? loSize / Math.max(1, loSrc)
      : Math.abs(loSize - otherSize) / Math.max(1, Math.abs(loSrc - sourceLength(other)));
  for (let k = lo + 1; k < hi; k++) {
    if (loSize - slope * (loSrc - sourceLength(k)) <= budget) return k;
  }
  return hi - 1;
}

// The length of the layout's output: what MJML will turn into HTML, without running MJML.
function mjmlLength(templates: Templates, selection: Selection, ctx: RenderContext): number {
  const context = { ...buildContext(selection, ctx, PLACEHOLDERS), subject: '', preheader: '' };
  return templates.layout.render(context).length;
}

function bytes(html: string): number {
  return Buffer.byteLength(html, 'utf8');
}

function overBudget(size: number, budget: number, why: string): DigestError {
  return new DigestError(
    'E_BUDGET',
    `The email is ${size} bytes of HTML, over the ${budget}-byte budget, ${why}`,
    { field: 'sizeBudget', hint: 'raise sizeBudget, lower top, or make the templates leaner' },
  );
}
