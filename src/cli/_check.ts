import { resolve } from 'node:path';
import { formatProblem, loadArticles } from '../content/index.js';
import { causeChain } from '../errors.js';
import { buildDigest, latestDay, templatesDir } from '../pipeline.js';
import { loadTemplates } from '../render/index.js';
import { BUILD_OPTIONS, buildRequestFrom, configFrom } from './_build-options.js';
import type { Command, OptionSpec } from './_command.js';

export const checkCommand: Command = {
  name: 'check',
  summary: 'Validate the config, every article file and the templates; exit 1 listing each problem',
  options: {
    content: BUILD_OPTIONS.content as OptionSpec,
    templates: BUILD_OPTIONS.templates as OptionSpec,
    tz: BUILD_OPTIONS.tz as OptionSpec,
    json: { type: 'boolean', description: 'Print {ok, problems[]} as JSON on stdout' },
  },
  async run({ values }, ctx) {
    const problems: string[] = [];
    const attempt = async (step: () => Promise<void>) => {
      try {
        await step();
      } catch (error) {
        problems.push(causeChain(error).join(' / '));
      }
    };
    let files = 0;
    await attempt(async () => {
      const config = configFrom(values, ctx);
      const contentDir = resolve(ctx.cwd, config.content);
      await attempt(async () => {
        const all = await loadArticles(contentDir, {
          timeZone: config.timeZone,
          window: { since: -8.64e15, until: 8.64e15 },
        });
        files = all.files;
        problems.push(...all.problems.map(formatProblem));
      });
      await attempt(async () => {
        await loadTemplates(templatesDir(config, ctx.cwd));
        // Render the newest day for real, so MJML validation of the templates is checked too.
        const date = await latestDay(contentDir, config.timeZone, ctx.now());
        await buildDigest({ ...buildRequestFrom({}, ctx, config), date });
      });
    });
    if (values.json)
      ctx.stdout.write(`${JSON.stringify({ ok: problems.length === 0, files, problems }, null, 2)}\n`);
    else for (const problem of problems) ctx.stderr.write(`${problem}\n`);
    ctx.stderr.write(
      problems.length === 0
        ? `Checked config, ${files} article files and the templates: no problems.\n`
        : `Checked config, ${files} article files and the templates: ${problems.length} problem(s).\n`,
    );
    return problems.length === 0 ? 0 : 1;
  },
};
