import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, gzipSync } from 'node:zlib';

export const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));

/** One request as the fixture server saw it. */
export interface Seen {
  path: string;
  headers: IncomingMessage['headers'];
  status: number;
}

/** A route: the file to serve and how (content type, encoding, validators), or a handler of its own. */
export interface Route {
  file?: string;
  /** Replaces the file's bytes (an edited feed). */
  body?: Buffer;
  type?: string;
  encoding?: 'gzip' | 'br';
  /** Send ETag and Last-Modified and answer a matching conditional GET with 304. Default true. */
  validators?: boolean;
  handle?: (req: IncomingMessage, res: ServerResponse) => void;
}

/**
 * A real HTTP server on 127.0.0.1, port 0, serving the fixture feeds with the quirks real servers
 * have. Every request is logged in `seen`. Open sockets are destroyed on close (the slow route
 * never ends its body).
 */
export async function startFeedServer(routes: Record<string, Route>) {
  const seen: Seen[] = [];
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const route = routes[path];
    res.on('finish', () => {});
    const log = (status: number) => seen.push({ path, headers: req.headers, status });
    if (!route) {
      log(404);
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    if (route.handle) {
      log(0);
      route.handle(req, res);
      return;
    }
    const raw = route.body ?? readFileSync(`${FIXTURES}${route.file}`);
    const etag = `"${createHash('sha1').update(raw).digest('hex').slice(0, 12)}"`;
    const lastModified = 'Mon, 30 Nov 2026 18:00:00 GMT';
    const headers: Record<string, string> = { 'content-type': route.type ?? 'application/xml' };
    if (route.validators !== false) {
      headers.etag = etag;
      headers['last-modified'] = lastModified;
      if (req.headers['if-none-match'] === etag) {
        log(304);
        res.writeHead(304, { etag }).end();
        return;
      }
    }
    let body = raw;
    if (route.encoding === 'gzip') body = gzipSync(raw);
    if (route.encoding === 'br') body = brotliCompressSync(raw);
    if (route.encoding) headers['content-encoding'] = route.encoding;
    headers['content-length'] = String(body.length);
    log(200);
    res.writeHead(200, headers).end(body);
  });
  const sockets = new Set<import('node:net').Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: (path: string) => `http://127.0.0.1:${port}${path}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Redirect to `to` with `status`. */
export const redirect = (status: number, to: string): Route => ({
  handle: (_req, res) => res.writeHead(status, { location: to }).end(),
});

/** Headers and the first bytes of a feed, then nothing: the client's deadline must end it. */
export const stalls: Route = {
  handle: (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/rss+xml' });
    res.write('<?xml version="1.0"?><rss version="2.0"><channel><title>Slow</title>');
  },
};

/** A 10 MB body (a valid start, then padding) without Content-Length, streamed in 64 KB chunks. */
export const huge: Route = {
  handle: (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/rss+xml' });
    const chunk = Buffer.alloc(64 * 1024, ' ');
    let sent = 0;
    const total = 10 * 1024 * 1024;
    res.write('<?xml version="1.0"?><rss version="2.0"><channel><title>Huge</title>');
    const pump = () => {
      while (sent < total) {
        sent += chunk.length;
        if (!res.write(chunk)) return void res.once('drain', pump);
      }
      res.end('</channel></rss>');
    };
    res.on('error', () => {});
    pump();
  },
};

/** 429 Too Many Requests with Retry-After in seconds. */
export const tooMany = (seconds: number): Route => ({
  handle: (_req, res) => res.writeHead(429, { 'retry-after': String(seconds) }).end(),
});
