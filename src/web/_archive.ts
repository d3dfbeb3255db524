import { archivePath, parseArchivePath } from '../editions/index.js';
import { genericRecipient, personalize } from '../render/index.js';
import { type BackendLike, backendOf } from '../store/_backend.js';
import type { SqliteDatabase } from '../store/index.js';
import type { DigestItem, RenderedDigest } from '../types.js';
import { PgArchive } from './_archive-pg.js';

/** One sent digest as the archive lists it. */
export interface ArchiveEntry {
  /** `YYYY-MM-DD`, the digest's local calendar day (a weekly edition: its last day). */
  date: string;
  /** The daily digest, or a weekly edition (docs/editions.md). */
  edition: 'daily' | 'weekly';
  /** Its page under /archive/: the date, or `week-<date>` for a weekly edition (archivePath). */
  path: string;
  subject: string;
  items: number;
  /** When its first message went out, epoch ms. */
  firstSentAt: number;
  /** A web copy was kept (false only for digests sent by something that did not save one). */
  hasPage: boolean;
}

/** The web copy of one sent digest. */
export interface ArchivePage extends ArchiveEntry {
  html: string;
}

/**
 * The archive of sent digests: what `digest serve` lists and shows, on SQLite or PostgreSQL
 * (archiveFor picks one from the store).
 */
export interface Archive {
  /**
   * Keep the web copy of a digest about to be sent. It is replaced until the first message of the
   * digest goes out (the ledger's `digests` row exists), then frozen: the archive shows what the
   * first readers got even if a later resume run renders from changed content.
   */
  saveWebCopy(digestKey: string, html: string, topics?: string[]): Promise<void>;
  /** Every topic of the digests kept, sorted: what signup offers when config signup.topics is empty. */
  topics(): Promise<string[]>;
  /** Sent digests, one daily and one weekly per date at most (the first sent when several share one), newest date first. */
  list(): Promise<ArchiveEntry[]>;
  /** The digest sent for a path (a date, or `week-<date>`), with its web copy; undefined when none was sent. */
  page(path: string): Promise<ArchivePage | undefined>;
  /** Throws when the database cannot be read (for /healthz). */
  check(): Promise<void>;
}

/** A `digests` row joined with its web copy, as both stores return it. */
export interface ArchiveRow {
  digest_key: string;
  date: string;
  subject: string;
  items: number;
  first_sent_at: number;
  html: string | null;
}

/** A row of the list: the page itself left out (they can be 100 KB each). */
export type ArchiveListRow = Omit<ArchiveRow, 'html'> & { has_page: number | boolean };

// The `digests` table is written by the send ledger when a real send starts (never by a dry run or
// a `--to` test copy), so it alone decides what counts as sent.
const SELECT = `SELECT d.digest_key, d.date, d.subject, d.items, d.first_sent_at, w.html
  FROM digests d LEFT JOIN web_copies w ON w.digest_key = d.digest_key`;

// The archive shows the editions of every topic: the daily and the weekly. A topic edition
// (`…#topics=a+b`, docs/editions.md) is a subset some readers chose, not the day's digest.
const PUBLIC_EDITION = `d.digest_key NOT LIKE '%#%'`;

/** The statements both stores run alike (`?` placeholders; the PostgreSQL archive numbers them). */
export const ARCHIVE_SQL = {
  // Replaced until the digest's first message goes out (its `digests` row), then frozen.
  // Arguments: digest key, html, saved at.
  saveCopy: `INSERT INTO web_copies (digest_key, html, saved_at) VALUES (?, ?, ?)
     ON CONFLICT (digest_key) DO UPDATE SET html = excluded.html, saved_at = excluded.saved_at
     WHERE NOT EXISTS (SELECT 1 FROM digests WHERE digest_key = excluded.digest_key)`,
  list: `SELECT d.digest_key, d.date, d.subject, d.items, d.first_sent_at, (w.digest_key IS NOT NULL) AS has_page
     FROM digests d LEFT JOIN web_copies w ON w.digest_key = d.digest_key
     WHERE ${PUBLIC_EDITION}
     ORDER BY d.date DESC, d.first_sent_at ASC`,
  /** The first digest sent on a date (one argument), of the weekly edition or the daily. */
  page: (weekly: boolean) =>
    `${SELECT} WHERE d.date = ? AND ${weekly ? `d.digest_key LIKE 'week:%'` : `d.digest_key NOT LIKE 'week:%'`} AND ${PUBLIC_EDITION} ORDER BY d.first_sent_at ASC LIMIT 1`,
} as const;

/** The edition a digest key names: `week:…` is a weekly edition, every other key the daily. */
function editionOfKey(key: string): ArchiveEntry['edition'] {
  return key.startsWith('week:') ? 'weekly' : 'daily';
}

/** The topics of a digest's items and of the articles merged into them, each once. */
export function topicsOf(selection?: { items: Pick<DigestItem, 'lead' | 'alsoCoveredBy'>[] }): string[] {
  const topics = new Set<string>();
  for (const item of selection?.items ?? []) {
    for (const article of [item.lead, ...item.alsoCoveredBy]) for (const t of article.topics) topics.add(t);
  }
  return [...topics];
}

/** The list from its rows (ARCHIVE_SQL.list): one daily and one weekly per date, the first sent. */
export function entriesOf(rows: ArchiveListRow[]): ArchiveEntry[] {
  const seen = new Set<string>();
  const entries: ArchiveEntry[] = [];
  for (const row of rows) {
    const edition = editionOfKey(row.digest_key);
    const path = archivePath({ frequency: edition, topics: [] }, row.date);
    if (seen.has(path)) continue;
    seen.add(path);
    entries.push({
      date: row.date,
      edition,
      path,
      subject: row.subject,
      items: row.items,
      firstSentAt: row.first_sent_at,
      hasPage: row.has_page === 1 || row.has_page === true,
    });
  }
  return entries;
}

/** The page at `path` from its row (ARCHIVE_SQL.page). */
export function pageOf(row: ArchiveRow, path: string, weekly: boolean): ArchivePage {
  return {
    date: row.date,
    edition: weekly ? 'weekly' : 'daily',
    path,
    subject: row.subject,
    items: row.items,
    firstSentAt: row.first_sent_at,
    hasPage: row.html !== null,
    html: row.html ?? '',
  };
}

/** The Archive of a store's backend (or of a SQLite handle): its SQLite file or its PostgreSQL database. */
export function archiveFor(where: BackendLike, options: { now?: () => number } = {}): Archive {
  const backend = backendOf(where);
  return backend.kind === 'sqlite'
    ? new SqliteArchive(backend.db, options)
    : new PgArchive(backend.pool, options);
}

/** The Archive in the SQLite database of the subscriber store (tables `digests` and `web_copies`). */
export class SqliteArchive implements Archive {
  readonly #db: SqliteDatabase;
  readonly #now: () => number;

  /** `now` is the clock for `saved_at` (epoch ms), default Date.now. */
  constructor(db: SqliteDatabase, options: { now?: () => number } = {}) {
    this.#db = db;
    this.#now = options.now ?? Date.now;
  }

  async saveWebCopy(digestKey: string, html: string, topics: string[] = []): Promise<void> {
    const addTopic = this.#db.prepare<[string, string]>(
      'INSERT OR IGNORE INTO digest_topics (digest_key, topic) VALUES (?, ?)',
    );
    this.#db.transaction(() => {
      this.#db.prepare(ARCHIVE_SQL.saveCopy).run(digestKey, html, this.#now());
      for (const topic of topics) addTopic.run(digestKey, topic);
    })();
  }

  async topics(): Promise<string[]> {
    // One spelling per topic whatever the case (the first in binary order), sorted as people read.
    return this.#db
      .prepare<[], { topic: string }>(
        'SELECT MIN(topic) AS topic FROM digest_topics GROUP BY lower(topic) ORDER BY lower(topic)',
      )
      .all()
      .map((r) => r.topic);
  }

  async list(): Promise<ArchiveEntry[]> {
    return entriesOf(this.#db.prepare<[], ArchiveListRow>(ARCHIVE_SQL.list).all());
  }

  async page(path: string): Promise<ArchivePage | undefined> {
    const { frequency, date } = parseArchivePath(path);
    const weekly = frequency === 'weekly';
    const row = this.#db.prepare<[string], ArchiveRow>(ARCHIVE_SQL.page(weekly)).get(date);
    return row && pageOf(row, path, weekly);
  }

  async check(): Promise<void> {
    this.#db.prepare('SELECT count(*) FROM digests').get();
    this.#db.prepare('SELECT count(*) FROM subscribers').get();
  }
}

/** The web copy of a rendered digest: the recipient parts filled with nobody's (see genericRecipient). */
export function webCopyHtml(rendered: Pick<RenderedDigest, 'html' | 'text'>, publicUrl: string): string {
  return personalize(rendered, genericRecipient(publicUrl)).html;
}

/**
 * Keep the archive page of a digest that a real send is about to deliver; the one call the send
 * paths make (not dry runs, not `--to` test copies), with the list's store (its backend, or the
 * handle of its SQLite file). See Archive.saveWebCopy for when it is frozen.
 */
export async function saveWebCopy(
  where: BackendLike,
  digest: {
    digestKey: string;
    rendered?: Pick<RenderedDigest, 'html' | 'text'>;
    selection?: { items: Pick<DigestItem, 'lead' | 'alsoCoveredBy'>[] };
  },
  publicUrl: string,
): Promise<void> {
  if (!digest.rendered) return;
  await archiveFor(where).saveWebCopy(
    digest.digestKey,
    webCopyHtml(digest.rendered, publicUrl),
    topicsOf(digest.selection),
  );
}
