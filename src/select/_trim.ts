import type { Considered, Selection } from '../types.js';

/**
 * One step of fitting the email into its size budget: drop the related links of the
 * lowest-ranked item that still has any; when no item has related links, drop the lowest-ranked
 * item (its lead and merged articles become `trimmedForSize`). Returns what was dropped, or
 * undefined when there is nothing left to drop. Pure: the input is not changed.
 */
export function trimOneStep(selection: Selection): { selection: Selection; dropped: string } | undefined {
  const { items } = selection;
  for (let i = items.length - 1; i >= 0; i--) {
    const item = items[i];
    if (!item || item.related.length === 0) continue;
    const trimmed = items.map((it, k) => (k === i ? { ...it, related: [] } : it));
    return {
      selection: { ...selection, items: trimmed },
      dropped: `related links of item ${i + 1} (${item.lead.title})`,
    };
  }
  const last = items.at(-1);
  if (!last) return undefined;
  const number = items.length;
  const leadPath = last.lead.path;
  const considered = selection.considered.map((entry): Considered => {
    if (entry.path === leadPath && entry.status === 'included') {
      return { ...entry, status: 'trimmedForSize', reason: `item ${number} dropped to fit the size budget` };
    }
    // Every article merged into the item goes with it, shown under it or not (one per outlet is shown).
    if (entry.status === 'merged' && entry.mergedInto === last.lead.webUrl) {
      return {
        ...entry,
        status: 'trimmedForSize',
        reason: `${entry.reason}, which is item ${number}, dropped to fit the size budget`,
      };
    }
    return entry;
  });
  return {
    selection: { ...selection, items: items.slice(0, -1), considered },
    dropped: `item ${number} (${last.lead.title})`,
  };
}
