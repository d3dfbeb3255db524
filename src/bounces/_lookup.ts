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
 * unknown recipient needs. The digest keys are read once, at the first question.
 */
export function digestLookup(where: BackendLike): DigestLookup {
  const table = bounceEventsFor(backendOf(where));
  let keys: Promise<string[]> | undefined;
  const digestKeys = () => {
    keys ??= table.digestKeys();
    return keys;
  };
  return {
    async digestByRef(ref) {
      return (await digestKeys()).find((key) => digestRefOf(key) === ref.toLowerCase());
    },
    async original(messageId, email) {
      const domain = /@([^>]+)>$/.exec(messageId)?.[1];
      const checked = email ? normalizeEmail(email) : undefined;
      const address = checked?.ok ? await table.address({ key: addressKey(checked.email) }) : undefined;
      if (address && domain) {
        const digestKey = (await digestKeys()).find(
          (key) => messageIdFor(key, address.id, domain) === messageId,
        );
        if (digestKey) return { digestKey, subscriberId: address.id };
      }
      return table.deliveryByMessageId(messageId);
    },
  };
}
