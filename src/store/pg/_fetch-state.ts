import {
  type FeedRow,
  type FeedState,
  type FetchFailure,
  type FetchStateStore,
  type FetchSuccess,
  feedStateOf,
} from '../_fetch-state.js';
import type { PgPool } from './_pool.js';

/** FetchStateStore on PostgreSQL's `feeds` and `feed_items` (schema step 1): the same rows as SQLite's. */
export class PgFetchState implements FetchStateStore {
  readonly #pool: PgPool;

  constructor(pool: PgPool) {
    this.#pool = pool;
  }

  async get(url: string): Promise<FeedState | undefined> {
    const { rows } = await this.#pool.query<FeedRow>('SELECT * FROM feeds WHERE url = $1', [url]);
    return rows[0] && feedStateOf(rows[0]);
  }

  async seen(url: string, ids: string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    // One round trip for a whole feed's items, not one per item.
    const { rows } = await this.#pool.query<{ item_id: string }>(
      'SELECT item_id FROM feed_items WHERE feed_url = $1 AND item_id = ANY($2::text[])',
      [url, ids],
    );
    return new Set(rows.map((r) => r.item_id));
  }

  async written(url: string, id: string, path: string, at: number): Promise<void> {
    await this.#pool.query(
      `INSERT INTO feed_items (feed_url, item_id, path, written_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (feed_url, item_id) DO NOTHING`,
      [url, id, path, at],
    );
  }

  async succeeded(url: string, o: FetchSuccess, at: number): Promise<void> {
    // A 304 carries no new validators: the stored ones stay, as on SQLite.
    await this.#pool.query(
      `INSERT INTO feeds (url, current_url, etag, last_modified, last_status, last_success_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $6)
       ON CONFLICT (url) DO UPDATE SET
         current_url = COALESCE(excluded.current_url, feeds.current_url),
         etag = CASE WHEN $5 = 304 THEN feeds.etag ELSE excluded.etag END,
         last_modified = CASE WHEN $5 = 304 THEN feeds.last_modified ELSE excluded.last_modified END,
         last_status = excluded.last_status, last_success_at = excluded.last_success_at,
         last_error = NULL, last_error_at = NULL, retry_after_until = NULL, updated_at = excluded.updated_at`,
      [url, o.currentUrl ?? null, o.etag ?? null, o.lastModified ?? null, o.status, at],
    );
  }

  async failed(url: string, o: FetchFailure, at: number): Promise<void> {
    await this.#pool.query(
      `INSERT INTO feeds (url, last_status, last_error, last_error_at, retry_after_until, updated_at)
       VALUES ($1, $2, $3, $4, $5, $4)
       ON CONFLICT (url) DO UPDATE SET last_status = excluded.last_status, last_error = excluded.last_error,
         last_error_at = excluded.last_error_at, retry_after_until = excluded.retry_after_until,
         updated_at = excluded.updated_at`,
      [url, o.status ?? null, o.error, at, o.retryAfterUntil ?? null],
    );
  }
}
