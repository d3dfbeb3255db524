import type { SqliteDatabase } from './_db.js';

/** What `digest fetch` remembers of one feed between runs (table `feeds`). */
export interface FeedState {
  /** The feed as configured. */
  url: string;
  /** Where a permanent redirect (301/308) moved it; fetched instead of `url`. */
  currentUrl?: string;
  etag?: string;
  lastModified?: string;
  lastStatus?: number;
  lastSuccessAt?: number;
  lastError?: string;
  lastErrorAt?: number;
  /** Not to be fetched before this instant (a 429 or 503 with Retry-After), epoch ms. */
  retryAfterUntil?: number;
}

/**
 * The fetch stage's view of the database: feed state and the ids of items already written.
 * Implementations: SqliteFetchState (below) and PgFetchState (src/store/pg/_fetch-state.ts);
 * fetchStateFor (src/store/_fetch-state-for.ts) picks one from the store's backend.
 */
export interface FetchStateStore {
  get(url: string): Promise<FeedState | undefined>;
  /** Which of `ids` were already written for this feed. */
  seen(url: string, ids: string[]): Promise<Set<string>>;
  /** Remember a written item (its id and the file, relative to the content folder). */
  written(url: string, id: string, path: string, at: number): Promise<void>;
  /** A fetch that worked (200 parsed, or 304): validators and the permanent URL kept, the error cleared. */
  succeeded(url: string, outcome: FetchSuccess, at: number): Promise<void>;
  /** A fetch that failed; `retryAfterUntil` when the server asked to wait. Validators are kept. */
  failed(url: string, outcome: FetchFailure, at: number): Promise<void>;
}

/** What a fetch that worked leaves: its status (200 or 304), where it moved, its validators. */
export interface FetchSuccess {
  status: number;
  currentUrl?: string;
  etag?: string;
  lastModified?: string;
}

/** What a fetch that failed leaves. */
export interface FetchFailure {
  status?: number;
  error: string;
  retryAfterUntil?: number;
}

/** A `feeds` row as both databases return it (times in epoch ms). */
export interface FeedRow {
  url: string;
  current_url: string | null;
  etag: string | null;
  last_modified: string | null;
  last_status: number | null;
  last_success_at: number | null;
  last_error: string | null;
  last_error_at: number | null;
  retry_after_until: number | null;
}

/** A `feeds` row as FeedState: a NULL column is a field left out. */
export function feedStateOf(row: FeedRow): FeedState {
  const state: FeedState = { url: row.url };
  if (row.current_url !== null) state.currentUrl = row.current_url;
  if (row.etag !== null) state.etag = row.etag;
  if (row.last_modified !== null) state.lastModified = row.last_modified;
  if (row.last_status !== null) state.lastStatus = row.last_status;
  if (row.last_success_at !== null) state.lastSuccessAt = row.last_success_at;
  if (row.last_error !== null) state.lastError = row.last_error;
  if (row.last_error_at !== null) state.lastErrorAt = row.last_error_at;
  if (row.retry_after_until !== null) state.retryAfterUntil = row.retry_after_until;
  return state;
}

/** FetchStateStore on the tables of schema step 6 (`feeds`, `feed_items`). */
export class SqliteFetchState implements FetchStateStore {
  readonly #db: SqliteDatabase;

  constructor(db: SqliteDatabase) {
    this.#db = db;
  }

  async get(url: string): Promise<FeedState | undefined> {
    const row = this.#db.prepare<[string], FeedRow>('SELECT * FROM feeds WHERE url = ?').get(url);
    return row && feedStateOf(row);
  }

  async seen(url: string, ids: string[]): Promise<Set<string>> {
    const query = this.#db.prepare<[string, string], { item_id: string }>(
      'SELECT item_id FROM feed_items WHERE feed_url = ? AND item_id = ?',
    );
    return new Set(ids.filter((id) => query.get(url, id) !== undefined));
  }

  async written(url: string, id: string, path: string, at: number): Promise<void> {
    this.#db
      .prepare('INSERT OR IGNORE INTO feed_items (feed_url, item_id, path, written_at) VALUES (?, ?, ?, ?)')
      .run(url, id, path, at);
  }

  async succeeded(url: string, o: FetchSuccess, at: number): Promise<void> {
    // A 304 carries no new validators: the stored ones stay (COALESCE).
    this.#db
      .prepare(
        `INSERT INTO feeds (url, current_url, etag, last_modified, last_status, last_success_at, updated_at)
         VALUES (@url, @currentUrl, @etag, @lastModified, @status, @at, @at)
         ON CONFLICT (url) DO UPDATE SET
           current_url = COALESCE(excluded.current_url, current_url),
           etag = CASE WHEN @status = 304 THEN etag ELSE excluded.etag END,
           last_modified = CASE WHEN @status = 304 THEN last_modified ELSE excluded.last_modified END,
           last_status = excluded.last_status, last_success_at = excluded.last_success_at,
           last_error = NULL, last_error_at = NULL, retry_after_until = NULL, updated_at = excluded.updated_at`,
      )
      .run({
        url,
        currentUrl: o.currentUrl ?? null,
        etag: o.etag ?? null,
        lastModified: o.lastModified ?? null,
        status: o.status,
        at,
      });
  }

  async failed(url: string, o: FetchFailure, at: number): Promise<void> {
    this.#db
      .prepare(
        `INSERT INTO feeds (url, last_status, last_error, last_error_at, retry_after_until, updated_at)
         VALUES (@url, @status, @error, @at, @until, @at)
         ON CONFLICT (url) DO UPDATE SET last_status = excluded.last_status, last_error = excluded.last_error,
           last_error_at = excluded.last_error_at, retry_after_until = excluded.retry_after_until,
           updated_at = excluded.updated_at`,
      )
      .run({ url, status: o.status ?? null, error: o.error, at, until: o.retryAfterUntil ?? null });
  }
}
