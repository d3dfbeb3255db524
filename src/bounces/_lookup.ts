import { messageIdFor } from '../deliver/_headers.js';
import { digestRefOf } from '../deliver/_verp.js';
import { addressKey, normalizeEmail } from '../store/_address.js';
import { SqliteBounceEvents } from '../store/_bounce-events.js';
import type { SqliteDatabase } from '../store/_db.js';
import type { DigestLookup } from './_classify.js';

/**
 * The DigestLookup of a database. A Message-ID is a hash of (digest, subscriber) (see
 * messageIdFor): when the recipient is known, its id is hashed with each sent digest's key (a few
 * hundred a year) instead of scanning the ledger, which only an unknown recipient needs.
 */
export function digestLookup(db: SqliteDatabase): DigestLookup {
  const table = new SqliteBounceEvents(db);
  let keys: string[] | undefined;
  const digestKeys = () => {
    keys ??= table.digestKeys();
    return keys;
  };
  return {
    digestByRef(ref) {
      return digestKeys().find((key) => digestRefOf(key) === ref.toLowerCase());
    },
    original(messageId, email) {
      const domain = /@([^>]+)>$/.exec(messageId)?.[1];
      const checked = email ? normalizeEmail(email) : undefined;
      const address = checked?.ok ? table.address({ key: addressKey(checked.email) }) : undefined;
      if (address && domain) {
        const digestKey = digestKeys().find((key) => messageIdFor(key, address.id, domain) === messageId);
        if (digestKey) return { digestKey, subscriberId: address.id };
      }
      return table.deliveryByMessageId(messageId);
    },
  };
}
