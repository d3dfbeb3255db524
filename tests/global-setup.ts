import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * Tests that spawn the real `digest` command need dist/ to match src/: compile once per run.
 * Type errors do not stop the emit and are `npm run typecheck`'s business, so the exit code is ignored.
 */
export default function setup(): void {
  const root = fileURLToPath(new URL('..', import.meta.url));
  spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], {
    cwd: root,
    stdio: 'ignore',
  });
}
