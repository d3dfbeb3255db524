import { linkSync, lstatSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createFileTransport, type OutgoingMessage } from '../../src/deliver/index.js';
import { tempDir } from '../helpers/cleanup.js';

/** A message as the send loop hands it over: in pieces (a template copy) or as one buffer (signed). */
function message(seq: number, to: string, body: string, asPieces = true): OutgoingMessage {
  const raw = Buffer.from(body, 'latin1');
  return {
    seq,
    from: 'digest@example.com',
    to,
    messageId: `<${seq}@example.com>`,
    raw,
    size: raw.length,
    pieces: asPieces ? [raw.subarray(0, 5), raw.subarray(5, 5), raw.subarray(5)] : undefined,
    commit: async () => true,
  };
}

async function run(dir: string, messages: OutgoingMessage[]): Promise<string[]> {
  const transport = createFileTransport(dir, messages.length);
  await transport.verify();
  const replies: string[] = [];
  try {
    for (const m of messages) {
      const outcome = await transport.send(m);
      expect(outcome.state).toBe('sent');
      replies.push(outcome.reply);
    }
  } finally {
    await transport.close();
  }
  return replies;
}

const long = (tag: string) => `${`Subject: ${tag}\r\n\r\n`}${'x'.repeat(70_000)}\r\n`;

describe('file transport (dry run)', () => {
  it('writes each message whole, from its pieces or from the joined buffer', async () => {
    const dir = join(tempDir(), 'eml');
    const a = message(1, 'a@example.com', long('a'));
    const b = message(2, 'b@example.com', 'Subject: b\r\n\r\nsigned\r\n', false);
    await run(dir, [a, b]);
    expect(readdirSync(dir).sort()).toEqual(['0001-a@example.com.eml', '0002-b@example.com.eml']);
    expect(readFileSync(join(dir, '0001-a@example.com.eml')).equals(a.raw)).toBe(true);
    expect(readFileSync(join(dir, '0002-b@example.com.eml')).equals(b.raw)).toBe(true);
  });

  it('a second run shows only its own files: same names rewritten exactly, the others removed', async () => {
    const dir = join(tempDir(), 'eml');
    await run(dir, [
      message(1, 'a@example.com', long('old a')),
      message(2, 'b@example.com', 'short old b\r\n'),
      message(3, 'c@example.com', long('old c')),
    ]);
    writeFileSync(join(dir, 'notes.txt'), 'not an .eml file');
    const a = message(1, 'a@example.com', 'Subject: new a\r\n\r\nshorter than before\r\n');
    const b = message(2, 'b@example.com', long('new b'));
    await run(dir, [a, b]);
    expect(readdirSync(dir).sort()).toEqual([
      '0001-a@example.com.eml',
      '0002-b@example.com.eml',
      'notes.txt',
    ]);
    expect(readFileSync(join(dir, '0001-a@example.com.eml')).equals(a.raw)).toBe(true);
    expect(readFileSync(join(dir, '0002-b@example.com.eml')).equals(b.raw)).toBe(true);
    expect(readFileSync(join(dir, 'notes.txt'), 'utf8')).toBe('not an .eml file');
  });

  it('never writes through a symbolic link or into a file hard-linked elsewhere', async () => {
    const root = tempDir();
    const dir = join(root, 'eml');
    await run(dir, [message(1, 'a@example.com', 'old a\r\n'), message(2, 'b@example.com', 'old b\r\n')]);
    const target = join(root, 'target.txt');
    writeFileSync(target, 'keep me');
    const linked = join(dir, '0001-a@example.com.eml');
    rmSync(linked);
    symlinkSync(target, linked);
    const backup = join(root, 'backup.eml');
    linkSync(join(dir, '0002-b@example.com.eml'), backup);

    const a = message(1, 'a@example.com', 'new a\r\n');
    const b = message(2, 'b@example.com', 'new b\r\n');
    await run(dir, [a, b]);
    expect(readFileSync(target, 'utf8')).toBe('keep me');
    expect(lstatSync(linked).isSymbolicLink()).toBe(false);
    expect(readFileSync(linked).equals(a.raw)).toBe(true);
    expect(readFileSync(backup, 'utf8')).toBe('old b\r\n');
    expect(readFileSync(join(dir, '0002-b@example.com.eml')).equals(b.raw)).toBe(true);
  });

  it('writes nothing for a message the ledger refuses, and keeps the timers running', async () => {
    const dir = join(tempDir(), 'eml');
    const transport = createFileTransport(dir, 1);
    await transport.verify();
    const refused = { ...message(1, 'a@example.com', 'a\r\n'), commit: async () => false };
    expect((await transport.send(refused)).state).toBe('failed_temp');
    expect(readdirSync(dir)).toEqual([]);

    // Writes to existing files are synchronous: a long run must still let timers (and signals) in.
    await run(dir, [message(1, 'a@example.com', long('a'))]);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    const again = createFileTransport(dir, 1);
    await again.verify();
    const started = performance.now();
    for (let i = 0; performance.now() - started < 150; i++) {
      await again.send(message(1, 'a@example.com', long(`a${i}`)));
    }
    clearInterval(timer);
    await again.close();
    expect(ticks).toBeGreaterThan(0);
  });
});
