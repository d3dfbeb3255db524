import { parseArchivePath } from '../editions/index.js';
import type { PgPool } from '../store/index.js';
import { inTransaction } from '../store/pg/_pool.js';
import { numbered } from '../store/pg/_sql.js';
import {
  ARCHIVE_SQL,
  type Archive,
  type ArchiveEntry,
  type ArchiveListRow,
  type ArchivePage,
  type ArchiveRow,
  entriesOf,
  pageOf,
} from './_archive.js';

/**
 * The Archive in a PostgreSQL store: the same tables and statements as SqliteArchive. Text is
 * compared byte by byte (COLLATE "C") where SQLite's binary order decides, so both stores offer
 * the same topics in the same order whatever the database's locale.
 */
export class PgArchive implements Archive {
  readonly #pool: PgPool;
  readonly #now: () => number;

  /** `now` is the clock for `saved_at` (epoch ms), default Date.now. */
  constructor(pool: PgPool, options: { now?: () => number } = {}) {
    this.#pool = pool;
    this.#now = options.now ?? Date.now;
  }

  async saveWebCopy(digestKey: string, html: string, topics: string[] = []): Promise<void> {
    await inTransaction(this.#pool, async (client) => {
      await client.query(numbered(ARCHIVE_SQL.saveCopy), [digestKey, html, this.#now()]);
      await client.query(
        `INSERT INTO digest_topics (digest_key, topic) SELECT $1, t FROM unnest($2::text[]) AS t
         ON CONFLICT DO NOTHING`,
        [digestKey, topics],
      );
    });
  }

  async topics(): Promise<string[]> {
    const { rows } = await this.#pool.query<{ topic: string }>(
      `SELECT MIN(topic COLLATE "C") AS topic FROM digest_topics
       GROUP BY lower(topic) ORDER BY lower(topic) COLLATE "C"`,
    );
    return rows.map((r) => r.topic);
  }

  async list(): Promise<ArchiveEntry[]> {
    return entriesOf((await this.#pool.query<ArchiveListRow>(ARCHIVE_SQL.list)).rows);
  }

  async page(path: string): Promise<ArchivePage | undefined> {
    const { frequency, date } = parseArchivePath(path);
    const weekly = frequency === 'weekly';
    const { rows } = await this.#pool.query<ArchiveRow>(numbered(ARCHIVE_SQL.page(weekly)), [date]);
    return rows[0] && pageOf(rows[0], path, weekly);
  }

  async check(): Promise<void> {
    await this.#pool.query('SELECT count(*) FROM digests');
    await this.#pool.query('SELECT count(*) FROM subscribers');
  }
}
