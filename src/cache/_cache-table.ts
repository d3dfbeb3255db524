import type { SqliteDatabase } from '../store/index.js';

const DAY = 86_400_000;
const KEEP_MS = 30 * DAY;

export interface CacheTableOptions {
  /** Read, never write (a dry run leaves the database untouched). */
  readonly?: boolean;
  /** The wall clock. Default Date.now. */
  now?: () => number;
}

/**
 * Derived build values by hash key, in the database's render_cache table: rendered emails and
 * story groupings. A row is touched at most once a day when read; rows unused for 30 days go.
 * Never throws: a database error reads as a miss and writes nothing.
 */
export class CacheTable {
  constructor(
    private readonly db: SqliteDatabase,
    private readonly options: CacheTableOptions = {},
  ) {}

  /** The stored text of `key`, or undefined. */
  get(key: string): string | undefined {
    try {
      const row = this.db.prepare('SELECT value, used_at FROM render_cache WHERE key = ?').get(key) as
        | { value: string; used_at: number }
        | undefined;
      if (!row) return undefined;
      const now = this.now();
      if (!this.options.readonly && row.used_at < now - DAY) {
        this.db.prepare('UPDATE render_cache SET used_at = ? WHERE key = ?').run(now, key);
      }
      return row.value;
    } catch {
      return undefined;
    }
  }

  /** Store `value` under `key` and drop the rows unused for 30 days. */
  put(key: string, value: string): void {
    if (this.options.readonly) return;
    try {
      const now = this.now();
      this.db.transaction(() => {
        this.db
          .prepare('INSERT OR REPLACE INTO render_cache (key, value, used_at) VALUES (?, ?, ?)')
          .run(key, value, now);
        this.db.prepare('DELETE FROM render_cache WHERE used_at < ?').run(now - KEEP_MS);
      })();
    } catch {
      // A cache that can't be written costs the next build the work again, nothing else.
    }
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }
}

/** JSON.parse, or undefined for a damaged text. */
export function parseJson(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
