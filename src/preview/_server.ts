import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isAbsolute, relative, resolve } from 'node:path';
import type { Config } from '../config/index.js';
import { DigestError } from '../errors.js';
import { answerClientErrors, closeServer, isLoopbackBind, listenOnce, urlHost } from '../http/index.js';
import type { BuildResult } from '../pipeline.js';
import { BuildCache, type BuildSource } from './_builds.js';
import { EventHub } from './_events.js';
import { handleRequest } from './_handler.js';
import { sendHeaders } from './_headers.js';
import { RAW_BAD_REQUEST } from './_respond.js';
import { pipelineSource } from './_source.js';
import { type SourceWatch, watchSources } from './_watch.js';

/** How to run the preview server. */
export interface PreviewOptions {
  /** The resolved config: content and templates folders, time zone, top N, title. */
  config: Config;
  /** Folders in `config` are relative to this. */
  cwd: string;
  /** Interface to bind. Default 127.0.0.1 (this machine only). */
  host?: string;
  /** First port to try. Default 4000; 0 picks any free port. */
  port?: number;
  /** How many ports to try, counting up from `port`, when it is taken. Default 20. */
  portAttempts?: number;
  /** The clock for builds. Default `() => new Date()`. */
  now?: () => Date;
  /** Watch content and templates and tell open pages to reload. Default true. */
  watch?: boolean;
  /** Quiet time after the last file event before a reload. Default 60 ms. */
  debounceMs?: number;
  /** Progress and problems, one line each (the CLI writes them to stderr). Default: dropped. */
  log?: (line: string) => void;
  /** The message headers a send would use for a build. Default: read from the message `send` builds. */
  headers?: (result: BuildResult) => [string, string][];
  /** Where builds come from. Default: `buildDigest` and `articleDays` of the pipeline. */
  source?: BuildSource;
}

/** A running preview server. */
export interface PreviewServer {
  /** e.g. `http://127.0.0.1:4000/` */
  url: string;
  host: string;
  port: number;
  /** The port asked for; differs from `port` when that one was taken. */
  requestedPort: number;
  /** The sources version: goes up by one for every burst of file changes. */
  readonly version: number;
  /** Stop watching, end the live-reload streams and close the server. */
  close(): Promise<void>;
}

/**
 * Start the preview: an HTTP server with the index, a page per day, raw routes and live reload.
 * 1. bind `host`, counting up from `port` while ports are taken;
 * 2. watch the content and templates folders; each burst of changes bumps the version, drops cached
 *    builds and tells open pages (Server-Sent Events) to fetch themselves again;
 * 3. build a day only when a page asks for it, through the same pipeline as `build` and `send`.
 */
export async function startPreview(options: PreviewOptions): Promise<PreviewServer> {
  const { config, cwd } = options;
  const host = options.host ?? '127.0.0.1';
  const requestedPort = options.port ?? 4000;
  const log = options.log ?? (() => {});
  const now = options.now ?? (() => new Date());
  const headers = options.headers ?? sendHeaders(config, now);
  const cache = new BuildCache(
    options.source ?? pipelineSource(config, cwd, options.now ?? (() => new Date())),
  );
  const hub = new EventHub();
  const server = createServer((req, res) => {
    void handleRequest(
      { config, cwd, cache, hub, loopbackOnly: isLoopbackBind(host), headers, log },
      req,
      res,
    );
  });
  answerClientErrors(server, RAW_BAD_REQUEST);
  let port: number;
  try {
    port = await listen(server, host, requestedPort, options.portAttempts ?? 20);
  } catch (error) {
    hub.close();
    throw error;
  }
  let watcher: SourceWatch | undefined;
  const contentDir = resolve(cwd, config.content);
  const templatesDir = resolve(cwd, config.templates);
  if (options.watch !== false) {
    try {
      watcher = await watchSources(
        [contentDir, templatesDir],
        (files) => {
          const version = cache.invalidate({
            contentChanged: !files.every((f) => isInside(f, templatesDir)),
          });
          log(`Changed: ${files.length === 1 ? files[0] : `${files.length} files`}; reloading open pages`);
          hub.changed(version, files);
        },
        { debounceMs: options.debounceMs, onError: (e) => log(`watch: ${String(e)}`) },
      );
    } catch (error) {
      hub.close();
      await closeServer(server);
      throw error;
    }
  }
  let closing: Promise<void> | undefined;
  return {
    url: `http://${urlHost(host)}:${port}/`,
    host,
    port,
    requestedPort,
    get version() {
      return cache.version;
    },
    close() {
      closing ??= (async () => {
        await watcher?.close();
        hub.close();
        await closeServer(server);
      })();
      return closing;
    },
  };
}

/** Bind to `port`, or the next free ones; 0 means any free port. */
async function listen(server: Server, host: string, port: number, attempts: number): Promise<number> {
  const tries = port === 0 ? 1 : Math.max(1, Math.min(attempts, 65536 - port));
  for (let i = 0; i < tries; i++) {
    try {
      await listenOnce(server, host, port === 0 ? 0 : port + i);
      return (server.address() as AddressInfo).port;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EADDRINUSE' && i < tries - 1) continue;
      throw new DigestError('E_IO', `Cannot listen on ${host}:${port === 0 ? 0 : port + i}`, {
        field: '--port',
        hint:
          code === 'EADDRINUSE'
            ? `ports ${port}-${port + tries - 1} are all taken; pass --port 0 for any free port`
            : code === 'EACCES'
              ? 'ports below 1024 need privileges; use a port like 4000'
              : 'check --host names an address of this machine',
        cause: error,
      });
    }
  }
  throw new DigestError('E_IO', 'no port to try', { field: '--port' });
}

/** True when `path` is `dir` or below it. */
function isInside(path: string, dir: string): boolean {
  const rel = relative(dir, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}
