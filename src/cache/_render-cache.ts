import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RenderContext } from '../render/index.js';
import type { SqliteDatabase } from '../store/index.js';
import type { RenderedDigest, Selection } from '../types.js';
import { CacheTable, type CacheTableOptions, parseJson } from './_cache-table.js';
import { renderFingerprint } from './_fingerprint.js';

/** A rendering as the budget fit left it: the email and the trim steps it took, in order. */
export interface CachedRender {
  rendered: RenderedDigest;
  trimmed: string[];
}

/**
 * Rendered emails by a key over everything rendering reads (see renderKey): an unchanged warm
 * build takes the email from here and never loads MJML. A miss or a damaged row simply means
 * rendering again.
 */
export class RenderCache {
  private readonly table: CacheTable;

  constructor(db: SqliteDatabase, options: CacheTableOptions = {}) {
    this.table = new CacheTable(db, options);
  }

  /** The cached rendering of `key`, or undefined. */
  get(key: string): CachedRender | undefined {
    return checkCached(parseJson(this.table.get(key)));
  }

  /** Remember a rendering. Never throws. */
  put(key: string, value: CachedRender): void {
    this.table.put(key, JSON.stringify(value));
  }
}

/**
 * The cache key of rendering `selection`: a hash of its window and items, the render context,
 * the size budget, every file of the templates folder, and the render code (renderFingerprint).
 * Undefined when the templates folder can't be listed: then rendering reports what is wrong.
 */
export async function renderKey(
  selection: Selection,
  templatesDir: string,
  ctx: RenderContext,
  budgetBytes: number,
): Promise<string | undefined> {
  const files = await templateFiles(templatesDir);
  if (!files) return undefined;
  const hash = createHash('sha256');
  hash.update(`code ${renderFingerprint()}\n`);
  hash.update(`budget ${budgetBytes}\n`);
  hash.update(`context ${JSON.stringify(ctx)}\n`);
  hash.update(`selection ${JSON.stringify({ window: selection.window, items: selection.items })}\n`);
  for (const [name, bytes] of files) hash.update(`file ${name} ${bytes.length}\n`).update(bytes);
  return hash.digest('base64url');
}

// Every file under the templates folder (one level of subfolders, as partials/ is), sorted.
async function templateFiles(dir: string): Promise<[string, Buffer][] | undefined> {
  try {
    const out: [string, Buffer][] = [];
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      if (entry.isFile()) out.push([entry.name, await readFile(join(dir, entry.name))]);
      else if (entry.isDirectory()) {
        for (const inner of await readdir(join(dir, entry.name), { withFileTypes: true })) {
          const name = `${entry.name}/${inner.name}`;
          if (inner.isFile()) out.push([name, await readFile(join(dir, name))]);
        }
      }
    }
    return out.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  } catch {
    return undefined;
  }
}

function checkCached(value: unknown): CachedRender | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { rendered, trimmed } = value as Record<string, unknown>;
  if (typeof rendered !== 'object' || rendered === null) return undefined;
  const r = rendered as Record<string, unknown>;
  const fields = ['subject', 'preheader', 'html', 'text', 'mjml'] as const;
  if (!fields.every((f) => typeof r[f] === 'string')) return undefined;
  if (!Array.isArray(trimmed) || !trimmed.every((t) => typeof t === 'string')) return undefined;
  return {
    rendered: {
      subject: r.subject as string,
      preheader: r.preheader as string,
      html: r.html as string,
      text: r.text as string,
      mjml: r.mjml as string,
    },
    trimmed: trimmed as string[],
  };
}
