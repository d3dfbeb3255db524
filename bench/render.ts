/**
 * The "render" measurement: the build's render step alone, in a fresh process as a build pays
 * it. Loads and selects the day's articles first (through the warm content index, not timed),
 * then times loadTemplates + fitToBudget (Handlebars, the MJML module's first load, MJML, the
 * size budget), with the MJML load also timed on its own. Prints {ms, mjmlLoadMs, htmlBytes}.
 * Usage: node dist/bench/render.js CONTENT_DIR DB_FILE DATE TIME_ZONE
 */
import { parseConfig } from '../src/config/index.js';
import { indexedSource, openContentIndex } from '../src/content-index/index.js';
import { renderContext, templatesDir } from '../src/pipeline.js';
import { fitToBudget, loadTemplates } from '../src/render/index.js';
import { dayWindow, selectDigest, trimOneStep } from '../src/select/index.js';

const [contentDir, dbFile, date, timeZone] = process.argv.slice(2);
if (!contentDir || !dbFile || !date || !timeZone) {
  process.stderr.write('usage: node dist/bench/render.js CONTENT_DIR DB_FILE DATE TIME_ZONE\n');
  process.exit(2);
}
const config = parseConfig({ timeZone });
const window = dayWindow(date, timeZone);
const index = openContentIndex(dbFile, { readonly: true });
const { articles } = await indexedSource(index).load(contentDir, window);
index.close();
const selection = selectDigest(articles, window, config);

const started = performance.now();
const mjmlStarted = performance.now();
await import('mjml');
const mjmlLoadMs = performance.now() - mjmlStarted;
const templates = await loadTemplates(templatesDir(config, process.cwd()));
const fitted = await fitToBudget(
  selection,
  templates,
  renderContext(config, window),
  config.sizeBudget,
  trimOneStep,
);
const ms = performance.now() - started;
process.stdout.write(
  `${JSON.stringify({ ms, mjmlLoadMs, htmlBytes: Buffer.byteLength(fitted.rendered.html) })}\n`,
);
