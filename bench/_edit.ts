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
 * title, so a new size), add `add` new articles published on `addDate` (under an `added/`
 * folder), delete `remove` files. Changed and deleted files are spread evenly over the folder.
 * With `touchWindow`, a tenth of the changes (at least one) go to `inWindow` files, the digest's
 * own day, so the digest itself changes and must be rendered again; without it the picks fall
 * where the even spread puts them, as in a real update (a few of 100,000 files, and new
 * articles for today rather than for yesterday's digest). A marker file exists while the folder
 * is edited, so an interrupted benchmark regenerates the folder next time.
 */
export function applyEdits(
  dir: string,
  paths: string[],
  inWindow: string[],
  options: { addDate: string; touchWindow: boolean; change?: number; add?: number; remove?: number },
): EditSet {
  const { change = 100, add = 10, remove = 10 } = options;
  writeFileSync(dirtyMarker(dir), '');
  const windowPicks = options.touchWindow ? spread(inWindow, Math.max(1, Math.round(change / 10))) : [];
  const picked = new Set(windowPicks);
  const others = spread(
    paths.filter((p) => !picked.has(p)),
    change - windowPicks.length + remove,
  );
  const changed = [...windowPicks, ...others.slice(0, change - windowPicks.length)];
  const removed = others.slice(change - windowPicks.length);
  const originals = new Map<string, Buffer>();
  for (const path of [...changed, ...removed]) originals.set(path, readFileSync(join(dir, path)));

  for (const path of changed) {
    const text = (originals.get(path) as Buffer).toString('utf8');
    writeFileSync(join(dir, path), text.replace(/^title: "/m, 'title: "Updated: '));
  }
  for (const path of removed) rmSync(join(dir, path));
  const added: string[] = [];
  for (const file of sampleFiles({ count: add, days: 1, start: options.addDate, seed: 20_250_101 })) {
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
