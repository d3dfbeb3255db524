/**
 * Where `digest send`'s CPU time per message goes, part by part, in one process with nothing else
 * of the CLI around it: the same sendDigest, SQLite ledger and SMTP transport as a send, to the
 * SMTP sink (sink.ts, its own process). Rows, each over COUNT subscribers:
 * - copies: each recipient's copy (token, unsubscribe URL, the copy's pieces joined), no transport;
 * - pool: nodemailer's pool sending one prebuilt copy COUNT times (what the library costs alone);
 * - send: sendDigest through createSmtpTransport, a fresh ledger each run.
 * CPU per message is process.cpuUsage over the row / COUNT: wall rates say little on a shared
 * machine, and a sender cannot pass 1000 / (CPU ms per message) msg/s on one core.
 * Usage: npm run build && node dist/bench/send-cpu.js HTML TEXT [COUNT=10000] [ROWS=copies,pool,send]
 * (HTML and TEXT: digest.html and digest.txt of a bench send's output, or of `digest build`).
 * Add --cpu-prof before the script for a V8 profile of the whole run.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { PerformanceObserver } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import nodemailer from 'nodemailer';
import {
  createSmtpTransport,
  messageIdFor,
  prepareDigestMessage,
  sendDigest,
  signToken,
  unsubscribeUrl,
} from '../src/deliver/index.js';
import { openStore } from '../src/store/index.js';
import { startSink } from './_sink-client.js';

const [htmlFile, textFile, countArg, rowsArg] = process.argv.slice(2);
if (!htmlFile || !textFile) {
  process.stderr.write('usage: node dist/bench/send-cpu.js HTML TEXT [COUNT] [ROWS]\n');
  process.exit(2);
}
const rendered = {
  subject: 'Daily digest, 1 July 2025',
  html: readFileSync(htmlFile, 'utf8'),
  text: readFileSync(textFile, 'utf8'),
};
const count = Number(countArg ?? 10_000);
const rows = (rowsArg ?? 'copies,pool,send').split(',');
const secret = 'bench-secret-bench-secret-bench-secret-0123';
const publicUrl = 'https://news.example.com';
const from = '"News Digest" <digest@example.com>';
const digestKey = 'day:2025-07-01@UTC';
const settings = {
  connections: 5,
  rateLimit: 0,
  maxAttempts: 3,
  retryDelayMs: 1000,
  maxConsecutiveFailures: 20,
};

// Time in garbage collection, and how many full (mark-compact) collections, since the row began.
const gc = { ms: 0, full: 0 };
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    gc.ms += entry.duration;
    if ((entry as { detail?: { kind?: number } }).detail?.kind === 4) gc.full++;
  }
}).observe({ entryTypes: ['gc'] });

const dir = mkdtempSync(join(tmpdir(), 'digest-send-cpu-'));
const store = openStore(join(dir, 'send.db'));
await store.subscribers.importMany(
  Array.from({ length: count }, (_, i) => ({
    email: `reader${i}@example.com`,
    name: `Reader ${i}`,
    topics: [],
  })),
);
const sink = await startSink(fileURLToPath(new URL('./sink.js', import.meta.url)));
const message = prepareDigestMessage(rendered, { from, date: new Date('2025-07-01T07:00:00Z'), digestKey });
try {
  for (let round = 0; round < 2; round++) {
    if (rows.includes('copies')) copies();
    if (rows.includes('pool')) await pool();
    if (rows.includes('send')) await send();
  }
} finally {
  await sink.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}

/** Each recipient's copy as sendDigest makes it, joined as the SMTP transport reads it. */
function copies(): void {
  const cpu = startRow();
  let bytes = 0;
  for (let id = 1; id <= count; id++) {
    const email = `reader${id}@example.com`;
    const token = signToken({ purpose: 'unsub', subscriberId: id, email }, secret);
    const copy = message.copy({
      email,
      name: `Reader ${id}`,
      messageId: messageIdFor(digestKey, id, message.domain),
      unsubscribeUrl: unsubscribeUrl(publicUrl, token),
    });
    bytes += Buffer.concat(copy.pieces as Buffer[], copy.length).length;
  }
  report('copies', cpu, { bytes: bytes / count });
}

/** nodemailer's pool alone: one prebuilt copy, COUNT times, 10 in flight as sendDigest has. */
async function pool(): Promise<void> {
  const raw = message.build({
    email: 'reader1@example.com',
    name: 'Reader 1',
    messageId: '<1@example.com>',
    unsubscribeUrl: `${publicUrl}/u/x`,
  });
  const transport = nodemailer.createTransport({
    pool: true,
    host: '127.0.0.1',
    port: sink.port,
    maxConnections: settings.connections,
    maxMessages: 100,
    logger: false,
  });
  const cpu = startRow();
  let next = 0;
  const worker = async () => {
    while (next < count) {
      next++;
      await transport.sendMail({ envelope: { from: 'digest@example.com', to: ['reader@example.com'] }, raw });
    }
  };
  await Promise.all(Array.from({ length: settings.connections * 2 }, worker));
  transport.close();
  await report('pool', cpu);
}

/** sendDigest as `digest send` runs it, with a fresh ledger. */
async function send(): Promise<void> {
  store.db.exec('DELETE FROM deliveries; DELETE FROM digests; DELETE FROM send_locks;');
  const transport = createSmtpTransport({
    host: '127.0.0.1',
    port: sink.port,
    secure: false,
    description: `smtp://127.0.0.1:${sink.port}`,
  });
  const cpu = startRow();
  const result = await sendDigest(
    { digestKey, date: '2025-07-01', rendered, message: { from, digestKey }, publicUrl, secret, settings },
    { subscribers: store.subscribers, ledger: store.ledger, transport },
  );
  await transport.close();
  if (result.counts.sent !== count) throw new Error(`sent ${result.counts.sent} of ${count}`);
  await report('send', cpu);
}

function startRow(): NodeJS.CpuUsage {
  gc.ms = 0;
  gc.full = 0;
  return process.cpuUsage();
}

async function report(row: string, since: NodeJS.CpuUsage, extra: Record<string, unknown> = {}) {
  const used = process.cpuUsage(since);
  const line: Record<string, unknown> = {
    row,
    load1: round(loadavg()[0] ?? 0),
    cpuMsPerMessage: round((used.user + used.system) / 1000 / count),
    userMs: round(used.user / 1000 / count),
    systemMs: round(used.system / 1000 / count),
    gcMs: round(gc.ms / count),
    fullGcs: gc.full,
    ...extra,
  };
  if (row !== 'copies') {
    const atSink = await sink.report();
    if (atSink.messages !== count) throw new Error(`${row}: the sink got ${atSink.messages} of ${count}`);
    line.rateAtSink = Math.round((atSink.messages * 1000) / Math.max(1, atSink.lastMs - atSink.firstMs));
  }
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
