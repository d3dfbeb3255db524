import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DigestError } from '../errors.js';
import type { DeliveryOutcome, DeliveryTransport, OutgoingMessage } from './_transport.js';

const EML_FILE = /^\d+-[^/\\]*\.eml$/;

/**
 * The dry-run transport: each message is written, byte for byte, to `<dir>/<n>-<address>.eml`;
 * no connection is opened. `total` sets the width of `<n>` so the files sort in send order.
 * `.eml` files a previous run left in `dir` are removed first, so the folder shows this run only.
 */
export function createFileTransport(dir: string, total: number): DeliveryTransport {
  const width = Math.max(4, String(total).length);
  return {
    description: dir,
    async verify() {
      try {
        mkdirSync(dir, { recursive: true });
        for (const name of readdirSync(dir)) if (EML_FILE.test(name)) rmSync(join(dir, name));
      } catch (cause) {
        throw new DigestError('E_IO', "can't prepare the folder for .eml files", { file: dir, cause });
      }
    },
    async send(message: OutgoingMessage): Promise<DeliveryOutcome> {
      const file = join(dir, emlFileName(message.seq, message.to, width));
      if (!(await message.commit())) return { state: 'failed_temp', reply: 'not written: already sent' };
      try {
        await writeFile(file, message.raw);
        return { state: 'sent', reply: `written to ${file}` };
      } catch (cause) {
        const reason = cause instanceof Error ? cause.message : String(cause);
        return { state: 'failed_temp', reply: `can't write ${file}: ${reason}`, fatal: true };
      }
    },
    async close() {},
  };
}

/** `<n>-<address>.eml` with `n` zero-padded and anything unusual in the address replaced by `_`. */
export function emlFileName(seq: number, address: string, width = 4): string {
  return `${String(seq).padStart(width, '0')}-${address.replace(/[^A-Za-z0-9._@+-]/g, '_').slice(0, 120)}.eml`;
}
