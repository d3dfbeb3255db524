import { once } from 'node:events';
import { DigestError } from '../errors.js';
import { type CliContext, intFlag, type OptionValues } from './_command.js';

/** `--port` as 0 (any free port) to 65535, or `fallback` when the flag is not given. */
export function portFlag(values: OptionValues, fallback: number): number {
  const port = intFlag(values, 'port', 0) ?? fallback;
  if (port > 65535) {
    throw new DigestError('E_USAGE', `--port must be at most 65535 (got ${port})`, { field: '--port' });
  }
  return port;
}

/**
 * The rest of a server command's life: print the URL on stdout (what scripts read), wait for
 * Ctrl-C or SIGTERM, say `stopping` on stderr and close the server. Exit code 0.
 */
export async function serveUntilStopped(
  server: { url: string; close(): Promise<void> },
  ctx: Pick<CliContext, 'stdout' | 'stderr' | 'signal'>,
  stopping: string,
): Promise<number> {
  ctx.stdout.write(`${server.url}\n`);
  await stopRequested(ctx.signal);
  ctx.stderr.write(`${stopping}\n`);
  await server.close();
  return 0;
}

/** Resolves on the CLI's abort signal; without one (embedded use), on SIGINT or SIGTERM. */
async function stopRequested(signal: AbortSignal | undefined): Promise<void> {
  if (signal) {
    if (!signal.aborted) await once(signal, 'abort');
    return;
  }
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  await once(controller.signal, 'abort');
  process.off('SIGINT', stop);
  process.off('SIGTERM', stop);
}
