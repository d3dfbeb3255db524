import { type Config, senderOf } from '../config/index.js';
import { messageIdFor, prepareDigestMessage, unsubscribeUrl } from '../deliver/index.js';
import type { BuildResult } from '../pipeline.js';

/** The reader the headers are shown for: nobody real, and plainly a sample. */
export const SAMPLE_READER = { email: 'reader@example.com', name: 'Sample Reader', id: 'preview' };

/**
 * The headers `send` would write, read back from the message bytes `prepareDigestMessage` builds,
 * so the page shows what is sent rather than a second opinion of it. Throws what sending would
 * throw (a From address that does not parse, a template without an unsubscribe link).
 * The unsubscribe token is a placeholder: real ones are signed per reader with DIGEST_SECRET.
 */
export function sendHeaders(config: Config, now: () => Date): (result: BuildResult) => [string, string][] {
  return (result) => {
    if (!result.rendered) return [];
    const message = prepareDigestMessage(result.rendered, {
      from: senderOf(config),
      listId: config.listId,
      unsubscribeMailto: config.unsubscribeMailto,
      date: now(),
    });
    const bytes = message.build({
      email: SAMPLE_READER.email,
      name: SAMPLE_READER.name,
      messageId: messageIdFor(result.digestKey, SAMPLE_READER.id, message.domain),
      unsubscribeUrl: unsubscribeUrl(config.publicUrl, 'SAMPLE-TOKEN'),
    });
    return parseHeaderBlock(bytes.toString('latin1'));
  };
}

/** The header section of a message as [name, value] pairs, folded lines joined. */
export function parseHeaderBlock(message: string): [string, string][] {
  const end = message.indexOf('\r\n\r\n');
  const block = (end === -1 ? message : message.slice(0, end)).replace(/\r\n[ \t]+/g, ' ');
  const headers: [string, string][] = [];
  for (const line of block.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.push([line.slice(0, colon), line.slice(colon + 1).trim()]);
  }
  return headers;
}
