import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Things to undo after each test, last first; a test file runs them with `afterEach(runCleanups)`. */
export const cleanups: (() => unknown)[] = [];

/** Run and forget every registered cleanup, newest first. */
export async function runCleanups(): Promise<void> {
  for (const fn of cleanups.splice(0).reverse()) await fn();
}

/** A fresh temporary folder (left in place: the system's tmp cleaning removes it). */
export function tempDir(prefix = 'digest-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}
