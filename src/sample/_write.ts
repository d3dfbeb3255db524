import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { findArticleFiles } from '../content/index.js';
import { type SampleOptions, sampleFiles } from './_generate.js';

export interface WriteSampleOptions extends SampleOptions {
  /** First delete the `.md` files already under the folder (other files stay). Default false. */
  clean?: boolean;
  /** Files written at the same time. Default 16. */
  concurrency?: number;
}

/**
 * Write generated sample articles under `dir`, creating folders as needed. Files are produced
 * one at a time and written a few at a time, so memory stays flat at 100,000 files.
 */
export async function writeSampleContent(
  dir: string,
  options: WriteSampleOptions = {},
): Promise<{ files: number; bytes: number }> {
  if (options.clean) {
    const old = await findArticleFiles(dir).catch(() => [] as string[]);
    for (const path of old) await rm(join(dir, path), { force: true });
  }
  const files = sampleFiles(options);
  const folders = new Map<string, Promise<unknown>>();
  let written = 0;
  let bytes = 0;
  const worker = async () => {
    // The generator is synchronous, so workers taking turns on it never see the same file.
    for (let next = files.next(); !next.done; next = files.next()) {
      const target = join(dir, next.value.path);
      const folder = dirname(target);
      if (!folders.has(folder)) folders.set(folder, mkdir(folder, { recursive: true }));
      await folders.get(folder);
      const data = Buffer.from(next.value.text, 'utf8');
      await writeFile(target, data);
      written++;
      bytes += data.length;
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 16) }, worker));
  return { files: written, bytes };
}
