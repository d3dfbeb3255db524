import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { sampleFiles } from '../src/sample/index.js';
import { dirtyMarker } from './_corpus.js';

/** The edit of the warm-after-edit measurement: what it did and how to undo it. */
export interface EditSet {
  changed: number;
  added: number;
  deleted: number;
  /** Put every file back as it was (same bytes; new times, so the next build reads them again). */
  revert(): void;
}

/**
 * Edit the content folder the way a day of feed updates does: change `change` files (a new
 * title, so a new size), add `add` new articles published on `date` (under an `added/` folder),
 * delete `remove` files. Changed and deleted files are spread evenly over the folder; a tenth of
 * the changed ones are in the digest's window (`inWindow`), so the digest itself changes and
 * has to be rendered again, as it would after a real update. A marker file exists while the
 * folder is edited, so an interrupted benchmark regenerates the folder next time.
 */
export function applyEdits(
  dir: string,
  paths: string[],
  inWindow: string[],
  date: string,
  counts = { change: 100, add: 10, remove: 10 },
): EditSet {
  writeFileSync(dirtyMarker(dir), '');
  const windowPicks = spread(inWindow, Math.min(inWindow.length, Math.round(counts.change / 10)));
  const picked = new Set(windowPicks);
  const others = spread(
    paths.filter((p) => !picked.has(p)),
    counts.change - windowPicks.length + counts.remove,
  );
  const changed = [...windowPicks, ...others.slice(0, counts.change - windowPicks.length)];
  const removed = others.slice(counts.change - windowPicks.length);
  const originals = new Map<string, Buffer>();
  for (const path of [...changed, ...removed]) originals.set(path, readFileSync(join(dir, path)));

  for (const path of changed) {
    const text = (originals.get(path) as Buffer).toString('utf8');
    writeFileSync(join(dir, path), text.replace(/^title: "/m, 'title: "Updated: '));
  }
  for (const path of removed) rmSync(join(dir, path));
  const added: string[] = [];
  for (const file of sampleFiles({ count: counts.add, days: 1, start: date, seed: 20_250_101 })) {
    const path = `added/${file.path}`;
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), file.text);
    added.push(path);
  }
  return {
    changed: changed.length,
    added: added.length,
    deleted: removed.length,
    revert() {
      for (const [path, bytes] of originals) writeFileSync(join(dir, path), bytes);
      rmSync(join(dir, 'added'), { recursive: true, force: true });
      rmSync(dirtyMarker(dir), { force: true });
    },
  };
}

/** `n` items spread evenly over `list`. */
function spread<T>(list: T[], n: number): T[] {
  if (n <= 0 || list.length === 0) return [];
  const step = list.length / n;
  return Array.from({ length: n }, (_, i) => list[Math.floor(i * step + step / 2)] as T);
}
