import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sampleFiles, writeSampleContent } from '../src/sample/index.js';

/** The synthetic content folder of one benchmark: N articles spread over a year. */
export interface CorpusSpec {
  count: number;
  days: number;
  start: string;
  seed: number;
}

export interface Corpus extends CorpusSpec {
  dir: string;
  files: number;
  bytes: number;
  /** True when this run wrote the folder (false: reused from an earlier run). */
  generated: boolean;
  generateMs: number;
}

/** How many generated files are compared with the folder before it is reused. */
const SPOT_CHECK = 40;

/**
 * The benchmark's content folder under `cacheDir`, generated with the project's own generator
 * the first time and reused afterwards. It is reused only when its marker file says it is
 * complete and unmodified for the same parameters, and the first files still match what the
 * generator writes today (so a changed generator regenerates the folder).
 */
export async function ensureCorpus(cacheDir: string, spec: CorpusSpec): Promise<Corpus> {
  const name = `content-n${spec.count}-d${spec.days}-${spec.start}-s${spec.seed}`;
  const dir = join(cacheDir, name);
  const marker = join(cacheDir, `${name}.json`);
  const dirty = dirtyMarker(dir);
  const saved = await readMarker(marker);
  if (saved && !existsSync(dirty) && (await matchesGenerator(dir, spec))) {
    return { ...spec, dir, files: saved.files, bytes: saved.bytes, generated: false, generateMs: 0 };
  }
  await rm(marker, { force: true });
  await rm(dir, { recursive: true, force: true });
  await rm(dirty, { force: true });
  const started = performance.now();
  const { files, bytes } = await writeSampleContent(dir, { ...spec, concurrency: 32 });
  const generateMs = performance.now() - started;
  await writeFile(marker, `${JSON.stringify({ ...spec, files, bytes }, null, 2)}\n`);
  return { ...spec, dir, files, bytes, generated: true, generateMs };
}

/**
 * The file that marks the folder as being edited by a measurement: while it exists the folder
 * may not match the generator, so a run that was interrupted mid-edit regenerates it.
 */
export function dirtyMarker(dir: string): string {
  return `${dir}.editing`;
}

async function readMarker(path: string): Promise<{ files: number; bytes: number } | undefined> {
  try {
    const data = JSON.parse(await readFile(path, 'utf8')) as { files?: unknown; bytes?: unknown };
    if (typeof data.files === 'number' && typeof data.bytes === 'number') {
      return { files: data.files, bytes: data.bytes };
    }
  } catch {
    // No marker or a broken one: the folder is regenerated.
  }
  return undefined;
}

async function matchesGenerator(dir: string, spec: CorpusSpec): Promise<boolean> {
  const files = sampleFiles(spec);
  for (let i = 0; i < SPOT_CHECK; i++) {
    const next = files.next();
    if (next.done) break;
    const onDisk = await readFile(join(dir, next.value.path), 'utf8').catch(() => undefined);
    if (onDisk !== next.value.text) return false;
  }
  return true;
}
