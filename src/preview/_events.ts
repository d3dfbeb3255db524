import type { ServerResponse } from 'node:http';

/** Open Server-Sent Events streams: one per preview tab, told when sources change. */
export class EventHub {
  private readonly clients = new Set<ServerResponse>();
  private readonly heartbeat: NodeJS.Timeout;

  constructor(heartbeatMs = 15_000) {
    // A comment line now and then keeps proxies and idle timeouts from closing a quiet stream.
    this.heartbeat = setInterval(() => this.write(': ping\n\n'), heartbeatMs);
    this.heartbeat.unref();
  }

  /** Start an event stream on `res`; it is dropped when the client goes away. */
  add(res: ServerResponse, version: number): void {
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
    });
    // The version lets a tab that reconnects (after a server restart) know it is out of date.
    res.write(`retry: 500\nevent: hello\ndata: ${JSON.stringify({ version })}\n\n`);
    this.clients.add(res);
    res.on('close', () => this.clients.delete(res));
  }

  /** Tell every open tab that sources changed. */
  changed(version: number, files: string[]): void {
    this.write(`event: change\ndata: ${JSON.stringify({ version, files: files.length })}\n\n`);
  }

  /** Tell index pages that background builds finished and their rows can be filled in. */
  built(version: number): void {
    this.write(`event: built\ndata: ${JSON.stringify({ version })}\n\n`);
  }

  /** Number of open streams. */
  get size(): number {
    return this.clients.size;
  }

  /** End every stream (the server is stopping). */
  close(): void {
    clearInterval(this.heartbeat);
    for (const res of this.clients) res.end();
    this.clients.clear();
  }

  private write(chunk: string): void {
    for (const res of this.clients) res.write(chunk);
  }
}
