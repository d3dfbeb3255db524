import {
  closeSync,
  constants,
  fstatSync,
  ftruncateSync,
  mkdirSync,
  open,
  openSync,
  readdirSync,
  rmSync,
  writevSync,
} from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { DigestError } from '../errors.js';
import type { DeliveryOutcome, DeliveryTransport, OutgoingMessage } from './_transport.js';

const EML_FILE = /^\d+-[^/\\]*\.eml$/;
const openAsync = promisify(open);

// Created when missing, never truncated on open: a file of the previous run is overwritten in place.
// Links are not followed (O_NOFOLLOW does not exist on Windows, where this is moot).
const OPEN_FLAGS = constants.O_WRONLY | constants.O_CREAT | (constants.O_NOFOLLOW ?? 0);

// Writes to files that exist are synchronous; the event loop gets a turn this often (signals, timers).
const YIELD_EVERY_MS = 20;

/**
 * The dry-run transport: each message is written, byte for byte, to `<dir>/<n>-<address>.eml`;
 * no connection is opened. `total` sets the width of `<n>` so the files sort in send order.
 * When it closes, `.eml` files a previous run left in `dir` that this run did not write are
 * removed, so the folder shows this run only.
 *
 * Why files are overwritten in place and not removed first: deleting 10,000 files and creating
 * 10,000 new ones makes every new inode a search past the ones just freed (ext4 without a journal
 * skips inodes deleted in the last minutes). A file of the same
 * name is opened without truncation, written from its start and cut to the new length; blocks and
 * inode are reused. A run killed midway (SIGKILL) can leave files of the previous run that it had
 * not reached yet.
 *
 * Each message is written with one writev of its pieces, so no joined copy of the message is made.
 */
export function createFileTransport(dir: string, total: number): DeliveryTransport {
  const width = Math.max(4, String(total).length);
  // `.eml` files found in `dir` at the start and not written (yet) by this run.
  let leftover = new Set<string>();
  let lastYield = performance.now();
  return {
    description: dir,
    async verify() {
      try {
        mkdirSync(dir, { recursive: true });
        leftover = new Set(readdirSync(dir).filter((name) => EML_FILE.test(name)));
      } catch (cause) {
        throw new DigestError('E_IO', "can't prepare the folder for .eml files", { file: dir, cause });
      }
    },
    async send(message: OutgoingMessage): Promise<DeliveryOutcome> {
      const name = emlFileName(message.seq, message.to, width);
      const file = join(dir, name);
      if (!(await message.commit())) return { state: 'failed_temp', reply: 'not written: already sent' };
      try {
        await writeWhole(file, message.pieces ?? [message.raw], message.size, leftover.delete(name));
      } catch (cause) {
        const reason = cause instanceof Error ? cause.message : String(cause);
        return { state: 'failed_temp', reply: `can't write ${file}: ${reason}`, fatal: true };
      }
      if (performance.now() - lastYield >= YIELD_EVERY_MS) {
        await new Promise((resolve) => setImmediate(resolve));
        lastYield = performance.now();
      }
      return { state: 'sent', reply: `written to ${file}` };
    },
    async close() {
      const stale = [...leftover];
      leftover = new Set();
      try {
        for (const name of stale) rmSync(join(dir, name), { force: true });
      } catch (cause) {
        throw new DigestError('E_IO', "can't remove the .eml files of the previous run", {
          file: dir,
          cause,
        });
      }
    },
  };
}

/**
 * Make `file` exactly `pieces` joined (`size` bytes): overwritten in place and cut to size when it
 * `existed` at the start of the run, else created. A symbolic link or a file with other hard links
 * (a backup made with `cp -al`) is replaced instead, never written through.
 *
 * Creating a file is the one step that can cost much (the inode search above), so a new file is
 * opened on the thread pool, where several run side by side; everything else is synchronous.
 */
async function writeWhole(
  file: string,
  pieces: readonly Buffer[],
  size: number,
  existed: boolean,
): Promise<void> {
  let fd = await openForWrite(file, existed);
  if (fd === undefined || (existed && fstatSync(fd).nlink > 1)) {
    if (fd !== undefined) closeSync(fd);
    rmSync(file, { force: true });
    fd = openSync(file, OPEN_FLAGS | constants.O_EXCL, 0o666);
  }
  try {
    // libuv writes all of them, across short writes; anything less is an error.
    const written = writevSync(fd, pieces as Buffer[], 0);
    if (written !== size) throw new Error(`wrote ${written} of ${size} bytes`);
    ftruncateSync(fd, size);
  } finally {
    closeSync(fd);
  }
}

/** The file opened for writing, or undefined when it is a symbolic link. */
async function openForWrite(file: string, existed: boolean): Promise<number | undefined> {
  try {
    return existed ? openSync(file, OPEN_FLAGS, 0o666) : await openAsync(file, OPEN_FLAGS, 0o666);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ELOOP') return undefined;
    throw error;
  }
}

/** `<n>-<address>.eml` with `n` zero-padded and anything unusual in the address replaced by `_`. */
export function emlFileName(seq: number, address: string, width = 4): string {
  return `${String(seq).padStart(width, '0')}-${address.replace(/[^A-Za-z0-9._@+-]/g, '_').slice(0, 120)}.eml`;
}
