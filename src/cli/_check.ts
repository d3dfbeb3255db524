import { resolve } from 'node:path';
import { formatProblem, loadArticles } from '../content/index.js';
import { causeChain, type ErrorReport, errorReport } from '../errors.js';
import { buildDigest, latestDay, templatesDir } from '../pipeline.js';
import { loadTemplates } from '../render/index.js';
import { BUILD_OPTIONS, buildRequestFrom, configFrom } from './_build-options.js';
import type { Command, OptionSpec } from './_command.js';
import { plural } from './_output.js';

export const checkCommand: Command = {
  name: 'check',
  summary: 'Validate the config, every article file and the templates; exit 1 listing each problem',
  options: {
    content: BUILD_OPTIONS.content as OptionSpec,
    templates: BUILD_OPTIONS.templates as OptionSpec,
    tz: BUILD_OPTIONS.tz as OptionSpec,
    json: {
      type: 'boolean',
      description:
        'Print {ok, files, problems: [{code, message, file, line, field, hint}]} as JSON on stdout',
    },
  },
  async run({ values }, ctx) {
    const problems = new ProblemList();
    const attempt = async (step: () => Promise<void>) => {
      try {
        await step();
      } catch (error) {
        problems.push(
          errorReport(error, { cwd: ctx.cwd }).error,
          causeChain(error, { cwd: ctx.cwd }).join(' / '),
        );
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
        for (const p of all.problems) {
          const hint = p.hint === undefined ? {} : { hint: p.hint };
          problems.push(
            { code: 'E_CONTENT', message: p.message, file: p.path, field: p.field, ...hint },
            formatProblem(p),
          );
        }
      });
      await attempt(async () => {
        await loadTemplates(templatesDir(config, ctx.cwd));
        // Render the newest day for real, so MJML validation of the templates is checked too.
        const date = await latestDay(contentDir, config.timeZone, ctx.now());
        await buildDigest({ ...buildRequestFrom({}, ctx, config), date });
      });
    });
    const { objects, lines } = problems;
    if (values.json)
      ctx.stdout.write(
        `${JSON.stringify({ ok: objects.length === 0, files, problems: objects }, null, 2)}\n`,
      );
    else for (const line of lines) ctx.stderr.write(`${line}\n`);
    ctx.stderr.write(
      `Checked config, ${plural(files, 'article file')} and the templates: ${
        objects.length === 0 ? 'no problems' : plural(objects.length, 'problem')
      }.\n`,
    );
    return objects.length === 0 ? 0 : 1;
  },
};

/** Problems as objects (for --json) and lines (for people), each once however many steps meet it. */
class ProblemList {
  readonly objects: ErrorReport['error'][] = [];
  readonly lines: string[] = [];
  private readonly seen = new Set<string>();

  push(problem: ErrorReport['error'], line: string): void {
    const key = JSON.stringify(problem);
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.objects.push(problem);
    this.lines.push(line);
  }
}
