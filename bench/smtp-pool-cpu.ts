/**
 * What nodemailer's pool costs per message on its own, with nothing of `digest send` around it:
 * the sender's CPU time per message and the rate at the SMTP sink (sink.ts, its own process), for
 * several pool shapes, each message one prebuilt copy of MESSAGE_FILE sent as `raw`. Then the
 * CPU time of nodemailer's DataStream (the dot-stuffing every message passes through in
 * SMTPConnection.send) over the same message. A sender cannot go faster than 1000 / (CPU ms per
 * message) msg/s on one core, whatever the connections: this is how docs/bench.md tells a pool
 * that waits from a pool that computes.
 * Usage: npm run build && node dist/bench/smtp-pool-cpu.js MESSAGE_FILE [COUNT=5000]
 * e.g. MESSAGE_FILE = one .eml of `digest send --dry-run` (the bench's send-out/DATE/eml/).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import nodemailer from 'nodemailer';
import { startSink } from './_sink-client.js';

const [messageFile, countArg] = process.argv.slice(2);
if (!messageFile) {
  process.stderr.write('usage: node dist/bench/smtp-pool-cpu.js MESSAGE_FILE [COUNT]\n');
  process.exit(2);
}
const raw = readFileSync(messageFile);
const count = Number(countArg ?? 5000);
const shapes = [
  { connections: 5, inFlight: 10, maxMessages: 100 },
  { connections: 10, inFlight: 20, maxMessages: 100 },
  { connections: 10, inFlight: 40, maxMessages: 1000 },
  { connections: 20, inFlight: 40, maxMessages: 100 },
  { connections: 20, inFlight: 80, maxMessages: Number.POSITIVE_INFINITY },
];

// DataStream is not among nodemailer's package exports: load its file beside the entry point.
const entry = createRequire(import.meta.url).resolve('nodemailer');
const { default: DataStream } = (await import(
  pathToFileURL(entry.replace(/nodemailer\.js$/, 'smtp-connection/data-stream.js')).href
)) as { default: new () => NodeJS.ReadWriteStream };

const sink = await startSink(fileURLToPath(new URL('./sink.js', import.meta.url)));
try {
  for (const shape of shapes) {
    const pool = nodemailer.createTransport({
      pool: true,
      host: '127.0.0.1',
      port: sink.port,
      maxConnections: shape.connections,
      maxMessages: shape.maxMessages,
      logger: false,
    });
    const cpu = process.cpuUsage();
    let next = 0;
    const worker = async () => {
      while (next < count) {
        next++;
        await pool.sendMail({ envelope: { from: 'digest@example.com', to: ['reader@example.com'] }, raw });
      }
    };
    await Promise.all(Array.from({ length: shape.inFlight }, worker));
    const used = process.cpuUsage(cpu);
    pool.close();
    const atSink = await sink.report();
    const rate = (atSink.messages * 1000) / Math.max(1, atSink.lastMs - atSink.firstMs);
    report({
      ...shape,
      messages: atSink.messages,
      rateAtSink: Math.round(rate),
      cpuMsPerMessage: round((used.user + used.system) / 1000 / count),
    });
  }
  const cpu = process.cpuUsage();
  const started = performance.now();
  for (let i = 0; i < count; i++) {
    const stream = new DataStream();
    stream.on('data', () => undefined);
    stream.end(raw);
  }
  const used = process.cpuUsage(cpu);
  report({
    dataStream: `${raw.length} bytes`,
    cpuMsPerMessage: round((used.user + used.system) / 1000 / count),
    wallMsPerMessage: round((performance.now() - started) / count),
  });
} finally {
  await sink.close();
}

function report(row: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify({ load1: round(loadavg()[0] ?? 0), ...row })}\n`);
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
