/**
 * The identity of a file version: a file whose stat still gives all four is taken to be
 * unchanged (the content index relies on it). ctime catches a write that kept size and mtime
 * (`touch -r`, `rsync -t`); the inode catches a file replaced by another.
 */
export interface FileStamp {
  size: number;
  mtimeMs: number;
  ctimeMs: number;
  ino: number;
}

/** The stamp of a stat (an fs.Stats, or any object with those four fields). */
export function stampOf(stats: FileStamp): FileStamp {
  return { size: stats.size, mtimeMs: stats.mtimeMs, ctimeMs: stats.ctimeMs, ino: stats.ino };
}

/** Whether two stamps are of the same file version. The one stamp comparison. */
export function sameStamp(a: FileStamp, b: FileStamp): boolean {
  return a.size === b.size && a.mtimeMs === b.mtimeMs && a.ctimeMs === b.ctimeMs && a.ino === b.ino;
}
