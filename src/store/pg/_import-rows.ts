import { createRequire } from 'node:module';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { from as CopyFrom } from 'pg-copy-streams';
import { addressKey } from '../_address.js';
import type { SubscriberInput } from '../_subscribers.js';
import type { PgClient } from './_pool.js';

/** Rows per chunk written to the COPY stream: big enough to keep the socket busy, small in memory. */
const CHUNK_ROWS = 2_000;

/**
 * Create the temporary table `table` (dropped at COMMIT) and COPY `rows` into it, in order (`ord`),
 * with each address's lookup key: one round trip for any number of rows, where INSERTs would need
 * one per batch. `weekday_given` tells "keep the stored weekday" (undefined) from "the default" (null).
 */
export async function copyImportRows(
  client: PgClient,
  table: string,
  rows: SubscriberInput[],
): Promise<void> {
  await client.query(
    `CREATE TEMPORARY TABLE ${table} (
       ord INTEGER NOT NULL, key TEXT NOT NULL, email TEXT NOT NULL, name TEXT NOT NULL, topics TEXT NOT NULL,
       frequency TEXT, weekday INTEGER, weekday_given BOOLEAN NOT NULL
     ) ON COMMIT DROP`,
  );
  await pipeline(Readable.from(copyText(rows)), client.query(copyFrom()(`COPY ${table} FROM STDIN`)));
  // A temporary table has no statistics until analysed: without them the planner guesses its size.
  await client.query(`ANALYZE ${table}`);
}

/** The rows in COPY's text format: tab-separated, \N for NULL, backslash escapes. */
function* copyText(rows: SubscriberInput[]): Generator<string> {
  let chunk = '';
  for (let ord = 0; ord < rows.length; ord++) {
    const row = rows[ord] as SubscriberInput;
    const fields = [
      String(ord),
      field(addressKey(row.email)),
      field(row.email),
      field(row.name),
      field(JSON.stringify(row.topics)),
      row.frequency === undefined ? '\\N' : field(row.frequency),
      row.weekday === undefined || row.weekday === null ? '\\N' : String(row.weekday),
      row.weekday === undefined ? 'f' : 't',
    ];
    chunk += `${fields.join('\t')}\n`;
    if ((ord + 1) % CHUNK_ROWS === 0) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk !== '') yield chunk;
}

/** A text value escaped for COPY's text format (validated input holds no controls; a stray one stays data). */
function field(value: string): string {
  return value.replace(/[\\\t\n\r]/g, (c) =>
    c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r',
  );
}

/** pg-copy-streams' COPY FROM, loaded on first use (only an import into PostgreSQL needs it). */
function copyFrom(): typeof CopyFrom {
  return (createRequire(import.meta.url)('pg-copy-streams') as { from: typeof CopyFrom }).from;
}
