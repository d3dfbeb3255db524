/**
 * The "smtp-naive" measurement: a plain nodemailer loop. One `sendMail({from, to, subject, html,
 * text})` per recipient through a pooled transport with the same number of connections as
 * `digest send`, keeping twice that many messages in flight so the pool never idles (a strictly
 * sequential loop would use one connection). The HTML and text are the built digest's, with the
 * recipient's address filled in, so each message is built by nodemailer from scratch.
 * Usage: node dist/bench/smtp-naive.js PORT COUNT CONNECTIONS HTML_FILE TEXT_FILE SUBJECT
 */
import { readFileSync } from 'node:fs';
import nodemailer from 'nodemailer';

const [port, count, connections, htmlFile, textFile, subject] = process.argv.slice(2);
if (!port || !count || !connections || !htmlFile || !textFile || subject === undefined) {
  process.stderr.write('usage: node dist/bench/smtp-naive.js PORT COUNT CONNECTIONS HTML TEXT SUBJECT\n');
  process.exit(2);
}
const html = readFileSync(htmlFile, 'utf8');
const text = readFileSync(textFile, 'utf8');
const total = Number(count);
const pool = Number(connections);
const transport = nodemailer.createTransport({
  host: '127.0.0.1',
  port: Number(port),
  secure: false,
  ignoreTLS: true,
  pool: true,
  maxConnections: pool,
  maxMessages: Number.POSITIVE_INFINITY,
});

let next = 0;
let failed = 0;
const worker = async () => {
  while (next < total) {
    const i = next++;
    const to = `reader${i}@example.com`;
    try {
      await transport.sendMail({
        from: '"News Digest" <digest@example.com>',
        to,
        subject,
        html: html.replaceAll('reader@example.com', to),
        text: text.replaceAll('reader@example.com', to),
      });
    } catch {
      failed++;
    }
  }
};
await Promise.all(Array.from({ length: Math.min(total, 2 * pool) }, worker));
transport.close();
process.stdout.write(`${JSON.stringify({ sent: total - failed, failed })}\n`);
