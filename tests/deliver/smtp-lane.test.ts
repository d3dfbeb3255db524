import type { Socket } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterEach, describe, expect, it } from 'vitest';
import { createSmtpTransport, type OutgoingMessage, smtpFromEnv } from '../../src/deliver/index.js';
import { cleanups, runCleanups } from '../helpers/cleanup.js';

afterEach(runCleanups);

/** What the server saw, in order: connections by client port, and which connection each message came on. */
type Event = { kind: 'connect' | 'message'; port: number };

/**
 * An SMTP server whose greeting takes `greetMs` (as with reverse DNS or a greet pause) and that
 * answers each message after `answerMs`.
 */
async function slowServer(greetMs: number, answerMs: number) {
  const events: Event[] = [];
  const state = { open: 0 };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    closeTimeout: 200,
    disableReverseLookup: true,
    onConnect(_session, callback) {
      setTimeout(() => callback(), greetMs);
    },
    onData(stream, session, callback) {
      stream.on('data', () => undefined);
      stream.on('end', () => {
        events.push({ kind: 'message', port: session.remotePort });
        setTimeout(() => callback(null, 'queued'), answerMs);
      });
    },
  });
  server.server.on('connection', (socket: Socket) => {
    events.push({ kind: 'connect', port: socket.remotePort ?? 0 });
    state.open++;
    socket.once('close', () => {
      state.open--;
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const port = (server.server.address() as { port: number }).port;
  return { url: `smtp://127.0.0.1:${port}`, events, state };
}

function outgoing(seq: number): OutgoingMessage {
  const raw = Buffer.from(`Subject: ${seq}\r\n\r\nbody ${seq}\r\n.line\r\n`);
  return {
    seq,
    from: 'digest@example.com',
    to: `r${seq}@example.com`,
    messageId: `<${seq}@example.com>`,
    raw,
    size: raw.length,
    commit: async () => true,
  };
}

describe('SMTP lanes renew connections without waiting for a greeting', () => {
  it('opens the next connection while the current one still sends; every message once; none left open', async () => {
    const s = await slowServer(100, 20);
    const settings = smtpFromEnv({ SMTP_URL: s.url });
    if (!settings) throw new Error('no settings');
    const transport = createSmtpTransport(settings, {
      connections: 1,
      connectTimeoutMs: 3000,
      messagesPerConnection: 10,
    });
    const outcomes = await Promise.all(Array.from({ length: 30 }, (_, i) => transport.send(outgoing(i + 1))));
    await transport.close();
    expect(outcomes.every((o) => o.state === 'sent')).toBe(true);

    const connects = s.events.filter((e) => e.kind === 'connect').map((e) => e.port);
    const messages = s.events.filter((e) => e.kind === 'message');
    expect(messages.length).toBe(30);
    // 10 messages per connection, the connections one after the other
    expect(connects.slice(0, 3).map((port) => messages.filter((m) => m.port === port).length)).toEqual([
      10, 10, 10,
    ]);
    // each next connection was made before the previous one's last message arrived
    for (const [i, port] of connects.slice(1, 3).entries()) {
      const connectedAt = s.events.findIndex((e) => e.kind === 'connect' && e.port === port);
      const previous = connects[i] as number;
      const lastOfPrevious = s.events.findLastIndex((e) => e.kind === 'message' && e.port === previous);
      expect(connectedAt).toBeLessThan(lastOfPrevious);
    }
    for (let i = 0; i < 100 && s.state.open > 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(s.state.open).toBe(0);
  });
});
