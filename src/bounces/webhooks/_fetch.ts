/** Limits of the real fetcher: a certificate is about 2 KB, a confirmation answer about 1 KB. */
export interface FetchLimits {
  /** Whole request, ms. Default 5000. */
  timeoutMs?: number;
  /** Largest answer body read, bytes. Default 65536. */
  maxBytes?: number;
}

/**
 * GET `url` with `fetch` (no redirects followed: the URL was checked, where it redirects was not),
 * and return the body as text; throws on a non-2xx status, a body over `maxBytes` or the timeout.
 * The real fetcher behind SNS certificates and subscription confirmations.
 */
export async function fetchText(url: string, limits: FetchLimits = {}): Promise<string> {
  const maxBytes = limits.maxBytes ?? 65_536;
  const response = await fetch(url, {
    redirect: 'error',
    signal: AbortSignal.timeout(limits.timeoutMs ?? 5000),
  });
  if (!response.ok || !response.body) {
    await response.body?.cancel();
    throw new Error(`GET ${url} answered ${response.status}`);
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    if (size > maxBytes) {
      await response.body.cancel().catch(() => {});
      throw new Error(`GET ${url}: the answer is over ${maxBytes} bytes`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
