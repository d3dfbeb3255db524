/**
 * A preload (`node --import dist/bench/count-mjml.js ...`) that counts MJML runs in a process:
 * when mjml-core is loaded, its `mjml2html` is wrapped with a counter; at exit the count is
 * written to the file named by BENCH_MJML_COUNT_FILE. Loads nothing itself, so a process that
 * never renders reports 0. Used only for the "MJML runs once per digest" measurement.
 */
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

type Loader = (request: string, parent: unknown, isMain: boolean) => unknown;
const require = createRequire(import.meta.url);
const Module = require('node:module') as { _load: Loader };
const load = Module._load;
let runs = 0;
let wrapped = false;

Module._load = function (this: unknown, request: string, parent: unknown, isMain: boolean) {
  const exports = load.call(this, request, parent, isMain) as { default?: unknown } | undefined;
  // mjml calls mjml-core's default export through the exports object at each call, so wrapping
  // that property counts every render.
  if (!wrapped && request === 'mjml-core' && typeof exports?.default === 'function') {
    const original = exports.default as (...args: unknown[]) => unknown;
    exports.default = function (this: unknown, ...args: unknown[]) {
      runs++;
      return original.apply(this, args);
    };
    wrapped = true;
  }
  return exports;
};

process.on('exit', () => {
  const file = process.env.BENCH_MJML_COUNT_FILE;
  if (file) writeFileSync(file, String(runs));
});
