import type { IncomingMessage } from 'node:http';

/** Largest request body accepted, bytes. A one-click POST is 26 bytes; a form post is not much more. */
export const MAX_BODY_BYTES = 4096;

export type BodyResult = { ok: true; body: Buffer } | { ok: false; reason: 'too-large' | 'aborted' };

/**
 * Read a request body of at most `limit` bytes. A declared Content-Length over the limit is
 * refused before a byte is read; a chunked body is refused as soon as it passes the limit.
 * The body's content is not needed (the token in the URL is the whole request), only its size.
 */
export function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<BodyResult> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) {
    return Promise.resolve({ ok: false, reason: 'too-large' });
  }
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (result: BodyResult) => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onError);
      resolve(result);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.pause();
        finish({ ok: false, reason: 'too-large' });
      } else chunks.push(chunk);
    };
    const onEnd = () => finish({ ok: true, body: Buffer.concat(chunks) });
    const onError = () => finish({ ok: false, reason: 'aborted' });
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onError);
  });
}

/** A body too large means the rest of it is still on the wire: answer, then close the connection. */
export const CLOSE = { Connection: 'close' } as const;
