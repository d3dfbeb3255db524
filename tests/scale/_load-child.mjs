// One load through the content index in a process of its own (see loadAsNobody in _nobody.ts).
// argv: a JSON job { dist, dir, window, dbFile, clockAheadMs, readonly, scan }; prints one JSON line.
const job = JSON.parse(process.argv[2]);
const { indexedSource, openContentIndex } = await import(`${job.dist}/src/content-index/index.js`);
const index = openContentIndex(job.dbFile, {
  readonly: job.readonly,
  now: () => Date.now() + job.clockAheadMs,
});
const scan = job.scan?.workerScript
  ? { ...job.scan, workerScript: new URL(job.scan.workerScript) }
  : job.scan;
const source = indexedSource(index, scan);
try {
  const r = await source.load(job.dir, job.window);
  await source.flush();
  const { articles, considered, problems, files, notes } = r;
  process.stdout.write(`${JSON.stringify({ articles, considered, problems, files, notes })}\n`);
} catch (error) {
  process.stdout.write(`${JSON.stringify({ error: String(error?.message ?? error) })}\n`);
} finally {
  index.close();
}
