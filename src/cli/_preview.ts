import { once } from 'node:events';
import { DigestError } from '../errors.js';
import { startPreview } from '../preview/index.js';
import { configFrom } from './_build-options.js';
import { type Command, intFlag, stringFlag } from './_command.js';

const DEFAULT_PORT = 4000;

export const previewCommand: Command = {
  name: 'preview',
  summary: "Serve a live preview of every day's digest in the browser, reloading as you edit",
  options: {
    port: {
      type: 'string',
      valueName: 'N',
      description: `Port to listen on; the next free one if taken, 0 for any (default ${DEFAULT_PORT})`,
    },
    host: {
      type: 'string',
      valueName: 'addr',
      description: 'Interface to bind (default 127.0.0.1: this machine only)',
    },
    content: {
      type: 'string',
      valueName: 'DIR',
      description: 'Folder of article .md files (default content/)',
    },
    templates: { type: 'string', valueName: 'DIR', description: 'Folder of templates (default templates/)' },
    tz: {
      type: 'string',
      valueName: 'zone',
      description: 'IANA time zone of the days (default: config timeZone, UTC)',
    },
    top: { type: 'string', valueName: 'N', description: 'Most items in a digest (default 10)' },
  },
  notes: [
    'Pages: / lists every day with articles; /digest/YYYY-MM-DD shows that day (?tz=, ?top= override);',
    '/digest/YYYY-MM-DD.html, .txt and .json are the email, its text part and the build report.',
    'Editing a file under the content or templates folder reloads open pages. Ctrl-C stops the server.',
  ].join('\n'),
  async run({ values }, ctx) {
    const config = configFrom(values, ctx);
    const port = intFlag(values, 'port', 0) ?? DEFAULT_PORT;
    if (port > 65535) {
      throw new DigestError('E_USAGE', `--port must be at most 65535 (got ${port})`, { field: '--port' });
    }
    const host = stringFlag(values, 'host') ?? '127.0.0.1';
    const server = await startPreview({
      config,
      cwd: ctx.cwd,
      host,
      port,
      now: ctx.now,
      log: (line) => ctx.stderr.write(`${line}\n`),
    });
    if (port !== 0 && server.port !== port) {
      ctx.stderr.write(`Port ${port} is in use; using ${server.port} instead.\n`);
    }
    ctx.stderr.write(
      `Previewing ${config.content} with ${config.templates} (days in ${config.timeZone}). Ctrl-C to stop.\n`,
    );
    if (!isLoopback(host)) {
      ctx.stderr.write(`Warning: --host ${host} lets other machines on the network see the preview.\n`);
    }
    ctx.stdout.write(`${server.url}\n`);
    await stopRequested(ctx.signal);
    ctx.stderr.write('Stopping the preview.\n');
    await server.close();
    return 0;
  },
};

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

function isLoopback(host: string): boolean {
  return host === '127.0.0.1' || host === 'localhost' || host === '::1' || /^127\./.test(host);
}
