import type Database from 'better-sqlite3';
import { migrateAddresses } from './_migrate-addresses.js';

/** One schema step. `version` is its position in MIGRATIONS, starting at 1; `up` runs inside a transaction. */
export interface Migration {
  version: number;
  name: string;
  up(db: Database.Database): void;
}

/**
 * The database schema, as an ordered list of steps. `PRAGMA user_version` holds how many have run.
 *
 * APPEND ONLY: other features (the scheduler's `runs`, the content index, ...) add their tables by
 * appending a step with the next version number. Never edit or reorder a step that has shipped:
 * databases in the field have already run it.
 */
export const MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'subscribers, send ledger and send locks',
    up(db) {
      db.exec(`
        CREATE TABLE subscribers (
          id              INTEGER PRIMARY KEY,
          -- normalised: domain lower-cased (addresses compare case-insensitively in the domain only)
          email           TEXT NOT NULL UNIQUE,
          name            TEXT NOT NULL DEFAULT '',
          -- JSON array of strings
          topics          TEXT NOT NULL DEFAULT '[]',
          status          TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'unsubscribed')),
          created_at      INTEGER NOT NULL,
          updated_at      INTEGER NOT NULL,
          unsubscribed_at INTEGER
        );
        CREATE INDEX subscribers_status ON subscribers (status);

        -- One row per (digest, subscriber): the send ledger. No foreign key on purpose: removing a
        -- subscriber keeps the record of what was sent to them.
        CREATE TABLE deliveries (
          digest_key    TEXT NOT NULL,
          subscriber_id INTEGER NOT NULL,
          email         TEXT NOT NULL,
          message_id    TEXT NOT NULL,
          state         TEXT NOT NULL DEFAULT 'pending'
                        CHECK (state IN ('pending', 'sending', 'sent', 'failed_temp', 'failed_perm', 'unknown')),
          attempts      INTEGER NOT NULL DEFAULT 0,
          last_code     INTEGER,
          last_reply    TEXT,
          created_at    INTEGER NOT NULL,
          updated_at    INTEGER NOT NULL,
          sent_at       INTEGER,
          PRIMARY KEY (digest_key, subscriber_id)
        ) WITHOUT ROWID;

        -- Who is sending which digest right now; see SqliteLedger.lock.
        CREATE TABLE send_locks (
          digest_key   TEXT PRIMARY KEY,
          owner        TEXT NOT NULL,
          pid          INTEGER NOT NULL,
          host         TEXT NOT NULL,
          started_at   INTEGER NOT NULL,
          heartbeat_at INTEGER NOT NULL
        );

        -- One row per digest that a send run started: what the archive and reports need.
        CREATE TABLE digests (
          digest_key  TEXT PRIMARY KEY,
          date        TEXT NOT NULL,
          subject     TEXT NOT NULL,
          items       INTEGER NOT NULL DEFAULT 0,
          first_sent_at INTEGER NOT NULL,
          last_sent_at  INTEGER NOT NULL
        );
      `);
    },
  },
  {
    version: 2,
    name: 'scheduled runs',
    up(db) {
      // One row per (schedule, local send date): each day's digest is sent at most once however
      // many schedulers or restarts there are. Owned by src/schedule (RunStore). Times: epoch ms.
      db.exec(`
        CREATE TABLE runs (
          id           INTEGER PRIMARY KEY,
          schedule_key TEXT NOT NULL,
          send_date    TEXT NOT NULL,
          state        TEXT NOT NULL CHECK (state IN ('running', 'sent', 'skipped', 'failed')),
          scheduled_at INTEGER NOT NULL,
          window_kind  TEXT NOT NULL,
          window_label TEXT NOT NULL,
          digest_key   TEXT,
          items        INTEGER,
          recipients   INTEGER,
          sent         INTEGER,
          failed       INTEGER,
          reason       TEXT,
          attempts     INTEGER NOT NULL DEFAULT 0,
          owner_pid    INTEGER,
          owner_host   TEXT,
          started_at   INTEGER NOT NULL,
          updated_at   INTEGER NOT NULL,
          finished_at  INTEGER,
          UNIQUE (schedule_key, send_date)
        );
      `);
    },
  },
  {
    version: 3,
    name: 'web copies of sent digests',
    up(db) {
      // The archive page of a digest (src/web): its HTML with the generic recipient parts, kept
      // beside the `digests` row so `digest serve` shows what was sent even after content or
      // templates change. Owned by src/web (SqliteArchive). Times: epoch ms.
      db.exec(`
        CREATE TABLE web_copies (
          digest_key TEXT PRIMARY KEY,
          html       TEXT NOT NULL,
          saved_at   INTEGER NOT NULL
        );
      `);
    },
  },
  {
    version: 4,
    name: 'content index and render cache',
    up(db) {
      // The content index (src/content-index, ContentIndex), a cache: dropping its rows only makes the
      // next build read every file again. `root` is the content folder's real path, so one
      // database serves several folders.
      // - content_snapshots: per folder, every file's stat (size, mtime, ctime, inode) and date,
      //   packed in one value with its checksum (src/content-index/_snapshot.ts), written by the
      //   parser whose fingerprint it carries;
      // - content_parsed: full parses (article or problem as JSON) with the stat and zone they
      //   were made for; rows unused for 30 days are dropped.
      db.exec(`
        CREATE TABLE content_snapshots (
          root        TEXT PRIMARY KEY,
          fingerprint TEXT NOT NULL,
          time_zone   TEXT NOT NULL,
          files       INTEGER NOT NULL,
          checksum    TEXT NOT NULL,
          data        BLOB NOT NULL,
          updated_at  INTEGER NOT NULL
        );
        CREATE TABLE content_parsed (
          root        TEXT NOT NULL,
          path        TEXT NOT NULL,
          size        INTEGER NOT NULL,
          mtime_ms    REAL NOT NULL,
          ctime_ms    REAL NOT NULL,
          ino         REAL NOT NULL,
          time_zone   TEXT NOT NULL,
          fingerprint TEXT NOT NULL,
          result      TEXT NOT NULL,
          used_at     INTEGER NOT NULL,
          PRIMARY KEY (root, path)
        );
        -- The rendered email of a selection (src/cache, RenderCache), keyed by a hash of
        -- everything rendering reads: the selected items, the template files, the render
        -- context, the size budget and the render code. Also a cache; rows unused for 30 days go.
        CREATE TABLE render_cache (
          key     TEXT PRIMARY KEY,
          value   TEXT NOT NULL,
          used_at INTEGER NOT NULL
        );
      `);
    },
  },
  {
    version: 5,
    name: 'stable subscriber ids, suppression records, case-insensitive addresses',
    // The ledger follows a person, not a reusable row id; see migrateAddresses.
    up: migrateAddresses,
  },
  {
    version: 6,
    name: 'feed fetch state',
    up(db) {
      // What `digest fetch` remembers per feed (src/store/_fetch-state.ts): the URL a permanent
      // redirect moved it to, the validators for a conditional GET, the last success and error,
      // and how long a 429/503 asked it to wait; and every item id written, so an item is never
      // written twice. `url` is the feed as configured. Times: epoch ms.
      db.exec(`
        CREATE TABLE feeds (
          url               TEXT PRIMARY KEY,
          current_url       TEXT,
          etag              TEXT,
          last_modified     TEXT,
          last_status       INTEGER,
          last_success_at   INTEGER,
          last_error        TEXT,
          last_error_at     INTEGER,
          retry_after_until INTEGER,
          updated_at        INTEGER NOT NULL
        );
        CREATE TABLE feed_items (
          feed_url   TEXT NOT NULL,
          item_id    TEXT NOT NULL,
          path       TEXT NOT NULL,
          written_at INTEGER NOT NULL,
          PRIMARY KEY (feed_url, item_id)
        ) WITHOUT ROWID;
      `);
    },
  },
  {
    version: 7,
    name: 'bounce and complaint events',
    up(db) {
      // Every bounce, complaint or unreadable report read back (src/bounces: DSN/ARF import, IMAP
      // fetch, webhooks, synchronous send rejections), owned by src/store/_bounce-events.ts.
      // `source_id` makes recording idempotent: the same report twice is one row. `address_id` is
      // addresses.id when the address is known (NULL for an 'unrecognised' report); `effect` is
      // what the rules did with it ('suppressed', 'counted', 'none', ...); 'other' is a failure the
      // rules do not act on (e.g. 5.7.1). A suppression by these rules
      // sets addresses.suppressed_reason to 'bounced' or 'complained'. Times: epoch ms.
      db.exec(`
        CREATE TABLE bounce_events (
          id          INTEGER PRIMARY KEY,
          address_id  INTEGER,
          email       TEXT,
          digest_key  TEXT,
          kind        TEXT NOT NULL CHECK (kind IN ('hard', 'soft', 'complaint', 'other', 'unrecognised')),
          status      TEXT,
          diagnostic  TEXT,
          source      TEXT NOT NULL,
          source_id   TEXT NOT NULL UNIQUE,
          effect      TEXT NOT NULL DEFAULT 'none',
          occurred_at INTEGER NOT NULL,
          recorded_at INTEGER NOT NULL
        );
        CREATE INDEX bounce_events_address ON bounce_events (address_id, occurred_at);
        CREATE INDEX bounce_events_digest ON bounce_events (digest_key);
      `);
    },
  },
  {
    version: 8,
    name: 'subscriber preferences and double opt-in',
    up(db) {
      // Issue 16 (src/web signup and preference page, editions). A CHECK can't be altered in
      // SQLite, so the table is rebuilt with the same rows and ids and its two indexes made again.
      // - status 'pending': signed up through the form, not yet confirmed; never sent a digest
      //   (send lists status 'active' only);
      // - frequency: 'daily' | 'weekly' | 'paused'; weekday: 1 = Monday ... 7 = Sunday for a
      //   weekly edition, NULL = the configured default weekday;
      // - confirm_nonce: the one-use secret the confirmation link carries (NULL once used);
      //   confirm_count: confirmations sent (ledger key confirm:<id>:<n>); confirm_sent_at: the
      //   last one, so none is resent within the hour; notice_sent_at: the last "you are already
      //   subscribed" mail, same rule; confirmed_at: when the link was followed. Times: epoch ms.
      db.exec(`
        CREATE TABLE subscribers_v8 (
          id              INTEGER PRIMARY KEY,
          email           TEXT NOT NULL UNIQUE,
          name            TEXT NOT NULL DEFAULT '',
          topics          TEXT NOT NULL DEFAULT '[]',
          status          TEXT NOT NULL DEFAULT 'active'
                          CHECK (status IN ('active', 'unsubscribed', 'pending')),
          created_at      INTEGER NOT NULL,
          updated_at      INTEGER NOT NULL,
          unsubscribed_at INTEGER,
          frequency       TEXT NOT NULL DEFAULT 'daily' CHECK (frequency IN ('daily', 'weekly', 'paused')),
          weekday         INTEGER CHECK (weekday BETWEEN 1 AND 7),
          confirm_nonce   TEXT,
          confirm_count   INTEGER NOT NULL DEFAULT 0,
          confirm_sent_at INTEGER,
          notice_sent_at  INTEGER,
          confirmed_at    INTEGER
        );
        INSERT INTO subscribers_v8 (id, email, name, topics, status, created_at, updated_at, unsubscribed_at)
          SELECT id, email, name, topics, status, created_at, updated_at, unsubscribed_at FROM subscribers;
        DROP TABLE subscribers;
        ALTER TABLE subscribers_v8 RENAME TO subscribers;
        CREATE INDEX subscribers_status ON subscribers (status);
        CREATE UNIQUE INDEX subscribers_address ON subscribers (lower(email));

        -- The topics of each digest kept in the archive (src/web saveWebCopy): what the form and
        -- the preference page offer when config signup.topics is empty.
        CREATE TABLE digest_topics (
          digest_key TEXT NOT NULL,
          topic      TEXT NOT NULL,
          PRIMARY KEY (digest_key, topic)
        ) WITHOUT ROWID;
      `);
    },
  },
  // Append new steps here: { version: 9, name: '...', up(db) { db.exec(`...`); } },
];

/** The schema version this build writes: the number of migration steps. */
export const SCHEMA_VERSION = MIGRATIONS.length;
