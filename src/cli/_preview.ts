import { isLoopbackBind } from '../http/index.js';
import { startPreview } from '../preview/index.js';
import { configFrom } from './_build-options.js';
import { type Command, stringFlag } from './_command.js';
import { warn } from './_output.js';
import { portFlag, serveUntilStopped } from './_serving.js';

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
    const port = portFlag(values, DEFAULT_PORT);
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
    if (!isLoopbackBind(host)) {
      warn(ctx, `--host ${host} lets other machines on the network see the preview.`);
    }
    return await serveUntilStopped(server, ctx, 'Stopping the preview.');
  },
};
