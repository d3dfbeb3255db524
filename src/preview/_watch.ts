import { type FSWatcher, watch } from 'chokidar';

/** A running watch; `close` stops it and any pending notification. */
export interface SourceWatch {
  close(): Promise<void>;
}

/**
 * Watch folders (recursively) and call `onChange` once per burst of changes: editors write a file in
 * several steps (truncate, write, rename), and a rebuild per step would only show half-saved states.
 * Resolves once the initial scan is done, so an edit made right after cannot be missed.
 */
export async function watchSources(
  paths: string[],
  onChange: (changed: string[]) => void,
  options: { debounceMs?: number; onError?: (error: unknown) => void } = {},
): Promise<SourceWatch> {
  const debounceMs = options.debounceMs ?? 60;
  let timer: NodeJS.Timeout | undefined;
  let pending = new Set<string>();
  const watcher: FSWatcher = watch(paths, {
    ignoreInitial: true,
    // Editor swap and backup files are not content; a change to them must not rebuild.
    ignored: (path: string) => /(^|[/\\])(\.#|#)|~$|\.sw[px]$|\.tmp$/.test(path),
  });
  const flush = () => {
    timer = undefined;
    const changed = [...pending];
    pending = new Set();
    onChange(changed);
  };
  watcher.on('all', (_event, path) => {
    pending.add(path);
    if (timer) clearTimeout(timer);
    timer = setTimeout(flush, debounceMs);
  });
  watcher.on('error', (error) => options.onError?.(error));
  await new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
  return {
    async close() {
      if (timer) clearTimeout(timer);
      timer = undefined;
      await watcher.close();
    },
  };
}
