import { connect } from 'node:net';

/**
 * Write request bytes on a raw socket and return the whole answer as text (the server closes or
 * answers with Connection: close). Bounded by `ms`. For targets `fetch` would normalise first.
 */
export function rawRequest(port: number, bytes: string | Buffer, ms = 10_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no complete answer within ${ms} ms: ${Buffer.concat(chunks).toString('latin1')}`));
    }, ms);
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('latin1'));
    });
    socket.write(bytes);
  });
}

/** The status code of a raw HTTP answer. */
export function statusLine(answer: string): number {
  return Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0);
}
