#!/usr/bin/env node
// The `digest` command: the compiled CLI (dist/ is built by `npm install` through the prepare script).
import { main } from '../dist/src/cli/main.js';

// The first SIGINT/SIGTERM asks the command to stop after the work in flight; a second one ends it now.
const controller = new AbortController();
for (const name of ['SIGINT', 'SIGTERM']) {
  process.on(name, () => {
    if (controller.signal.aborted) process.exit(130);
    controller.abort(name);
  });
}

process.exitCode = await main(process.argv.slice(2), {
  cwd: process.cwd(),
  env: process.env,
  signal: controller.signal,
});
