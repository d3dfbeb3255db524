import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DigestError } from '../errors.js';

/** One message read from a file, an mbox or a Maildir, named for reports. */
export interface SourceMessage {
  /** Where it came from, e.g. `bounces.mbox#3` or `Maildir/new/1600000000.M1.host`. */
  label: string;
  raw: Buffer;
}

/**
 * The messages at each path, in order: a Maildir folder (one with `cur/` or `new/`: every file in
 * both, by name), an mbox file (it starts with a `From ` line; see splitMbox), or one message
 * (`.eml`). E_IO names a path that can't be read, or a folder that is no Maildir.
 */
export function* readSources(paths: string[], cwd: string): Generator<SourceMessage> {
  for (const given of paths) {
    const path = resolve(cwd, given);
    let isDir: boolean;
    try {
      isDir = statSync(path).isDirectory();
    } catch (cause) {
      throw new DigestError('E_IO', `can't read ${given}`, {
        file: given,
        cause,
        hint: 'give .eml files, an mbox file or a Maildir folder',
      });
    }
    if (isDir) {
      yield* readMaildir(path, given);
      continue;
    }
    const raw = readFile(path, given);
    if (raw.subarray(0, 5).toString('latin1') === 'From ') {
      let n = 0;
      for (const message of splitMbox(raw)) yield { label: `${given}#${++n}`, raw: message };
    } else yield { label: given, raw };
  }
}

function* readMaildir(path: string, given: string): Generator<SourceMessage> {
  const subs = ['cur', 'new'].filter((sub) => {
    try {
      return statSync(join(path, sub)).isDirectory();
    } catch {
      return false;
    }
  });
  if (subs.length === 0) {
    throw new DigestError('E_IO', `${given} is a folder but not a Maildir (no cur/ or new/ in it)`, {
      file: given,
      hint: 'give the Maildir folder itself (the one holding cur/, new/ and tmp/), .eml files or an mbox file',
    });
  }
  for (const sub of subs) {
    const names = readdirSync(join(path, sub))
      .filter((n) => !n.startsWith('.'))
      .sort();
    for (const name of names) {
      const file = join(path, sub, name);
      if (!statSync(file).isFile()) continue;
      yield { label: join(given, sub, name), raw: readFile(file, join(given, sub, name)) };
    }
  }
}

function readFile(path: string, given: string): Buffer {
  try {
    return readFileSync(path);
  } catch (cause) {
    throw new DigestError('E_IO', `can't read ${given}`, { file: given, cause });
  }
}

/**
 * The messages of an mbox: each starts at a `From ` line at the start of the file or after an
 * empty line (that line is the envelope, not part of the message); `>From ` lines lose one `>`
 * (mboxrd quoting, which also reads mboxo files right: their quoted lines were plain `From `);
 * the empty line before the next `From ` is the separator, not the message's.
 */
export function splitMbox(mbox: Buffer): Buffer[] {
  const lines = mbox.toString('latin1').split(/(?<=\n)/);
  const messages: string[][] = [];
  let current: string[] | undefined;
  let previousBlank = true;
  for (const line of lines) {
    if (previousBlank && line.startsWith('From ')) {
      if (current) {
        // The separator's empty line belongs to neither message.
        if (current.length > 0 && /^\r?\n$/.test(current[current.length - 1] as string)) current.pop();
        messages.push(current);
      }
      current = [];
      previousBlank = false;
      continue;
    }
    previousBlank = /^\r?\n$/.test(line);
    if (!current) continue;
    current.push(/^>+From /.test(line) ? line.slice(1) : line);
  }
  if (current) messages.push(current);
  return messages.map((m) => Buffer.from(m.join(''), 'latin1')).filter((b) => b.length > 0);
}
