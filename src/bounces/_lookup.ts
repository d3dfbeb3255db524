import { messageIdFor } from '../deliver/_headers.js';
import { digestRefOf } from '../deliver/_verp.js';
import { addressKey, normalizeEmail } from '../store/_address.js';
import { type BackendLike, backendOf } from '../store/_backend.js';
import { bounceEventsFor } from '../store/_bounce-events.js';
import type { DigestLookup } from './_classify.js';

/**
 * The DigestLookup of a store (its backend; a bare SQLite handle is taken too). A Message-ID is a
 * hash of (digest, subscriber) (see messageIdFor): when the recipient is known, its id is hashed
 * with each sent digest's key (a few hundred a year) instead of scanning the ledger, which only an
 * unknown recipient needs. The digest keys are read at the first question, and again whenever
 * none of them answers one: `digest serve` runs for weeks, and a digest sent since it started
 * must still be found.
 */
export function digestLookup(where: BackendLike): DigestLookup {
  const table = bounceEventsFor(backendOf(where));
  let keys: Promise<string[]> | undefined;
  const findKey = async (matches: (key: string) => boolean): Promise<string | undefined> => {
    const found = keys && (await keys).find(matches);
    if (found !== undefined) return found;
    keys = table.digestKeys();
    return (await keys).find(matches);
  };
  return {
    digestByRef(ref) {
      return findKey((key) => digestRefOf(key) === ref.toLowerCase());
    },
    async original(messageId, email) {
      const domain = /@([^>]+)>$/.exec(messageId)?.[1];
      const checked = email ? normalizeEmail(email) : undefined;
      const address = checked?.ok ? await table.address({ key: addressKey(checked.email) }) : undefined;
      if (address && domain) {
        const digestKey = await findKey((key) => messageIdFor(key, address.id, domain) === messageId);
        if (digestKey) return { digestKey, subscriberId: address.id };
      }
      return table.deliveryByMessageId(messageId);
    },
  };
}
