/**
 * Write invented sample articles: `npm run sample -- --out DIR --count N --days D --seed S --start YYYY-MM-DD`.
 * With no flags it regenerates the bundled `content/` folder (60 articles from 2026-11-20 over
 * 5 days, seed 1), byte for byte. Compiled to dist/scripts/generate-sample.js.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { writeSampleContent } from '../src/sample/index.js';

const HELP = `Usage: node dist/scripts/generate-sample.js [options]

Writes invented news articles (YAML front matter .md files) for demos, tests and benchmarks.

Options:
  --out DIR            folder to write into (default: content)
  --count N            number of article files (default: 60)
  --days D             days the articles are spread over (default: 5)
  --start YYYY-MM-DD   first day, UTC (default: 2026-11-20)
  --seed S             random seed; same options, same bytes (default: 1)
  --clean              delete the .md files already in the folder first
  -h, --help           show this help
`;

async function run(argv: string[]): Promise<number> {
  let values: ReturnType<typeof parse>['values'];
  try {
    values = parse(argv).values;
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const numbers: Record<string, number> = {};
  for (const key of ['count', 'days', 'seed'] as const) {
    const text = values[key];
    if (text === undefined) continue;
    if (!/^\d+$/.test(text)) {
      process.stderr.write(`--${key} must be a whole number, got "${text}"\n`);
      return 2;
    }
    numbers[key] = Number(text);
  }
  const out = resolve(process.cwd(), values.out);
  try {
    const started = performance.now();
    const { files, bytes } = await writeSampleContent(out, {
      count: numbers.count,
      days: numbers.days,
      seed: numbers.seed,
      start: values.start,
      clean: values.clean,
    });
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    process.stderr.write(
      `Wrote ${files} sample articles (${Math.round(bytes / 1024)} KB) to ${values.out} in ${seconds} s\n`,
    );
    return 0;
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    return error instanceof RangeError ? 2 : 1;
  }
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    options: {
      out: { type: 'string', default: 'content' },
      count: { type: 'string' },
      days: { type: 'string' },
      seed: { type: 'string' },
      start: { type: 'string' },
      clean: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
}

process.exitCode = await run(process.argv.slice(2));
