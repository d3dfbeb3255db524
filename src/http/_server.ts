import type { Server } from 'node:http';

/** Bind once; resolves when listening, rejects with the bind error (EADDRINUSE, EACCES, ...) as is. */
export function listenOnce(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => {
      server.off('listening', onListening);
      reject(error);
    };
    const onListening = () => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}

/** Stop accepting and end open connections; resolves when the server is closed. */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
    // Keep-alive sockets and event streams would hold close() open forever.
    server.closeAllConnections();
  });
}

/**
 * The raw bytes of a plain 400 carrying `headers` (a server's safety headers), for requests Node's
 * parser refuses before any handler sees them.
 */
export function rawBadRequest(headers: Record<string, string>): string {
  const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`);
  return (
    'HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\n' +
    lines.join('') +
    'Content-Length: 12\r\nConnection: close\r\n\r\nbad request\n'
  );
}

/** Answer requests Node's parser refuses (NUL or spaces in the target, bad framing) with `rawAnswer`. */
export function answerClientErrors(server: Server, rawAnswer: string): void {
  server.on('clientError', (_error, socket) => {
    if (socket.writable) socket.end(rawAnswer);
    else socket.destroy();
  });
}

/** True when binding `host` keeps the server on this machine (loopback names and addresses). */
export function isLoopbackBind(host: string): boolean {
  return host === '127.0.0.1' || host === 'localhost' || host === '::1' || /^127\./.test(host);
}

/** The host part of the printed URL: IPv6 in brackets; a wildcard bind is reached via loopback. */
export function urlHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}
