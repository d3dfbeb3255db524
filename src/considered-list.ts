import type { OutsideWindow } from './content/index.js';
import type { JsonLines, LineWriter } from './json-stream.js';
import type { Considered, ConsideredStatus } from './types.js';

/**
 * A report's `considered` list: the files outside the window as columns (OutsideWindow) and the
 * few other entries (invalid files, the window's articles) as objects, both in path order. The
 * report file is written from it line by line (`jsonText`), so 100,000 out-of-window files
 * never become 100,000 objects; `toArray` makes them for readers that want the array (the
 * preview, `--json` through the generic writer, tests), once.
 */
export class ConsideredList implements JsonLines {
  private readonly outside: OutsideWindow;
  private readonly others: readonly Considered[];
  private array: Considered[] | undefined;

  /** `others` must be in path order. */
  constructor(outside: OutsideWindow, others: readonly Considered[]) {
    this.outside = outside;
    this.others = others;
  }

  get length(): number {
    return this.outside.length + this.others.length;
  }

  /** How many entries have `status`. */
  count(status: ConsideredStatus): number {
    let n = status === 'outOfWindow' ? this.outside.length : 0;
    for (const c of this.others) if (c.status === status) n++;
    return n;
  }

  toArray(): Considered[] {
    this.array ??= this.outside.entries(this.others);
    return this.array;
  }

  /** forEachJson's lines written into a file's buffer; the out-of-window ones as bytes, no text made. */
  writeJsonLines(out: LineWriter): void {
    this.outside.merge(
      this.others,
      (k) => {
        out.line(this.outside.maxJsonBytes(k));
        this.outside.writeJson(k, out);
      },
      (entry) => {
        out.line(0);
        out.put(JSON.stringify(entry));
      },
    );
  }

  /** Each entry's `JSON.stringify`, in path order. */
  forEachJson(visit: (text: string) => void): void {
    this.outside.merge(
      this.others,
      (k) => visit(this.outside.jsonText(k)),
      (entry) => visit(JSON.stringify(entry)),
    );
  }
}
