import { join, resolve } from 'node:path';
import { type Config, senderOf } from '../config/index.js';
import { allTime, loadArticles } from '../content/index.js';
import { prepareDigestMessage } from '../deliver/index.js';
import { causeChain, DigestError, type ErrorReport, errorReport } from '../errors.js';
import { buildDigest, latestDay, templatesDir } from '../pipeline.js';
import { loadTemplates, PARTIALS_DIR, postalAddressWarning, TEMPLATE_FILES } from '../render/index.js';
import type { RenderedDigest } from '../types.js';
import { problemText } from './_build.js';
import { BUILD_OPTIONS, buildRequestFrom, configFrom } from './_build-options.js';
import type { Command, OptionSpec } from './_command.js';
import { plural, warn } from './_output.js';
import { withLine } from './_problem-line.js';

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
        const all = await loadArticles(contentDir, allTime(config.timeZone));
        files = all.files;
        for (const p of all.problems) {
          const { line } = withLine(contentDir, p);
          const extra = {
            ...(line === undefined ? {} : { line }),
            ...(p.hint === undefined ? {} : { hint: p.hint }),
          };
          problems.push(
            { code: 'E_CONTENT', message: p.message, file: p.path, field: p.field, ...extra },
            problemText(p, contentDir),
          );
        }
      });
      await attempt(async () => {
        const dir = templatesDir(config, ctx.cwd);
        await loadTemplates(dir);
        // Render the newest day for real, so MJML validation of the templates is checked too.
        const date = await latestDay(contentDir, config.timeZone, ctx.now());
        const built = await buildDigest({ ...buildRequestFrom({}, ctx, config), date });
        // And make it into the message `send` would: what send refuses, check refuses.
        if (built.rendered) sendable(built.rendered, config, dir, ctx.now());
      });
      const noAddress = postalAddressWarning(config);
      if (noAddress) warn(ctx, noAddress);
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

/**
 * The checks of `digest send` on a rendered digest (prepareDigestMessage: the sender, List-Id,
 * mailto and a visible unsubscribe link in the HTML), with the template named when it is at fault.
 */
function sendable(rendered: RenderedDigest, config: Config, dir: string, now: Date): void {
  try {
    prepareDigestMessage(rendered, {
      from: senderOf(config),
      listId: config.listId,
      unsubscribeMailto: config.unsubscribeMailto,
      date: now,
    });
  } catch (error) {
    if (!(error instanceof DigestError) || error.code !== 'E_TEMPLATE' || error.file) throw error;
    throw new DigestError('E_TEMPLATE', `${error.message}; digest send refuses to send it`, {
      file: join(dir, TEMPLATE_FILES.layout),
      hint: `${error.hint ?? ''} (the default templates have it in ${join(PARTIALS_DIR, 'footer.mjml.hbs')})`.trim(),
    });
  }
}

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
