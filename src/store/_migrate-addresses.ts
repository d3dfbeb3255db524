import type Database from 'better-sqlite3';

/**
 * Schema step 5: subscriber ids that are never handed out again, a suppression record that
 * outlives `remove`, and addresses that compare case-insensitively.
 *
 * Before it, the ledger was keyed by `subscribers.id`, an `INTEGER PRIMARY KEY` that SQLite hands
 * out again once the highest row is deleted: a newcomer could inherit a removed person's `sent`
 * rows (and get nothing), and a removed then re-added address got a new id (and a second copy).
 * After it, `addresses` holds one row per person (by lower-cased address) that is never deleted;
 * its AUTOINCREMENT id is the subscriber id and the ledger's key, and it carries the suppression.
 *
 * Existing data, in order:
 * 1. subscribers whose addresses differ only in case are merged into the oldest row (lowest id);
 *    the merged row is unsubscribed if any of them was, and keeps the first non-empty name;
 * 2. every address gets its `addresses` row: a current subscriber keeps its id (so unsubscribe
 *    links already sent keep working); an address seen only in the ledger (removed since) gets
 *    a new id, never one a current subscriber holds;
 * 3. each ledger row follows the address it was sent to (`deliveries.email`, written when the row
 *    was made), not the id it was filed under, which may have been reused since. Two rows of one
 *    digest that now belong to one person keep the furthest state (sent > sending > unknown >
 *    failed_perm > failed_temp > pending) and the sum of their attempts.
 */
export function migrateAddresses(db: Database.Database): void {
  db.exec(`
    CREATE TABLE addresses (
      id                INTEGER PRIMARY KEY AUTOINCREMENT,
      -- the normalised address lower-cased (see addressKey): one row per person, never deleted
      address           TEXT NOT NULL UNIQUE,
      -- set while the address must not be mailed: it unsubscribed (or was unsubscribed)
      suppressed_at     INTEGER,
      suppressed_reason TEXT,
      created_at        INTEGER NOT NULL
    );
  `);
  mergeCaseDuplicates(db);
  db.exec(`
    INSERT INTO addresses (id, address, suppressed_at, suppressed_reason, created_at)
      SELECT id, lower(email),
             CASE WHEN status = 'unsubscribed' THEN COALESCE(unsubscribed_at, updated_at) END,
             CASE WHEN status = 'unsubscribed' THEN 'unsubscribed' END,
             created_at
      FROM subscribers ORDER BY id;
    INSERT INTO addresses (address, created_at)
      SELECT lower(email), MIN(created_at) FROM deliveries
      WHERE lower(email) NOT IN (SELECT address FROM addresses)
      GROUP BY lower(email) ORDER BY MIN(created_at), lower(email);
    CREATE UNIQUE INDEX subscribers_address ON subscribers (lower(email));

    CREATE TABLE deliveries_v5 (
      digest_key    TEXT NOT NULL,
      -- addresses.id: never reused, kept across remove and add
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
    INSERT INTO deliveries_v5
      SELECT digest_key, person, email, message_id, state, total_attempts, last_code, last_reply,
             created_at, updated_at, sent_at
      FROM (
        SELECT d.*, a.id AS person,
               SUM(d.attempts) OVER (PARTITION BY d.digest_key, a.id) AS total_attempts,
               ROW_NUMBER() OVER (
                 PARTITION BY d.digest_key, a.id
                 ORDER BY CASE d.state WHEN 'sent' THEN 0 WHEN 'sending' THEN 1 WHEN 'unknown' THEN 2
                          WHEN 'failed_perm' THEN 3 WHEN 'failed_temp' THEN 4 ELSE 5 END,
                          d.updated_at DESC
               ) AS rank
        FROM deliveries d JOIN addresses a ON a.address = lower(d.email)
      )
      WHERE rank = 1;
    DROP TABLE deliveries;
    ALTER TABLE deliveries_v5 RENAME TO deliveries;
  `);
}

interface Row {
  id: number;
  email: string;
  name: string;
  status: string;
  unsubscribed_at: number | null;
  updated_at: number;
}

/** Step 1: one subscriber row per lower-cased address. */
function mergeCaseDuplicates(db: Database.Database): void {
  const rows = db
    .prepare<[], Row>(
      `SELECT id, email, name, status, unsubscribed_at, updated_at FROM subscribers
       WHERE lower(email) IN (SELECT lower(email) FROM subscribers GROUP BY lower(email) HAVING COUNT(*) > 1)
       ORDER BY id`,
    )
    .all();
  const groups = new Map<string, Row[]>();
  for (const row of rows) {
    const key = row.email.toLowerCase();
    groups.set(key, [...(groups.get(key) ?? []), row]);
  }
  const keep = db.prepare<[string, string, number | null, number]>(
    'UPDATE subscribers SET name = ?, status = ?, unsubscribed_at = ? WHERE id = ?',
  );
  const drop = db.prepare<[number]>('DELETE FROM subscribers WHERE id = ?');
  for (const [first, ...others] of groups.values()) {
    if (!first) continue;
    const all = [first, ...others];
    const gone = all.filter((r) => r.status === 'unsubscribed');
    const unsubscribedAt = gone.length
      ? Math.min(...gone.map((r) => r.unsubscribed_at ?? r.updated_at))
      : null;
    const name = all.find((r) => r.name !== '')?.name ?? '';
    for (const other of others) drop.run(other.id);
    keep.run(name, gone.length ? 'unsubscribed' : 'active', unsubscribedAt, first.id);
  }
}
