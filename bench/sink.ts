/**
 * The SMTP sink of the send measurements: an `smtp-server` on 127.0.0.1 that accepts every
 * message and discards it, in its own process so it does not share a CPU with the bench.
 * Prints `{"port": N}` once listening. Commands on stdin, one per line:
 *   report  prints {messages, bytes, firstMs, lastMs} since the last reset, then resets;
 *   quit    closes the server and exits.
 * firstMs is when the first MAIL FROM arrived, lastMs when the last message's data ended:
 * the rate a sender reached, measured where the messages arrive.
 */
import { createInterface } from 'node:readline';
import { SMTPServer } from 'smtp-server';

let messages = 0;
let bytes = 0;
let firstMs = 0;
let lastMs = 0;

const server = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS', 'AUTH'],
  logger: false,
  maxClients: 100,
  size: 10 * 1024 * 1024,
  onMailFrom(_address, _session, callback) {
    if (firstMs === 0) firstMs = Date.now();
    callback();
  },
  onData(stream, _session, callback) {
    stream.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
    });
    stream.on('end', () => {
      messages++;
      lastMs = Date.now();
      callback();
    });
  },
});

server.listen(0, '127.0.0.1', () => {
  const address = server.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  process.stdout.write(`${JSON.stringify({ port })}\n`);
});

createInterface({ input: process.stdin }).on('line', (line) => {
  if (line.trim() === 'report') {
    process.stdout.write(`${JSON.stringify({ messages, bytes, firstMs, lastMs })}\n`);
    messages = 0;
    bytes = 0;
    firstMs = 0;
    lastMs = 0;
  } else if (line.trim() === 'quit') {
    server.close(() => process.exit(0));
  }
});
