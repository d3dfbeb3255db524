import { resolve } from 'node:path';
import type { Config } from '../config/index.js';
import { editionRequest } from '../editions/index.js';
import { articleDays, buildDigest } from '../pipeline.js';
import { genericRecipient, personalize } from '../render/index.js';
import type { BuildSource } from './_builds.js';

/**
 * Builds for the preview through `buildDigest`, the code path `build` and `send` use, with the
 * day's zone and top N from the page. The email is shown as the web copy: recipient parts filled
 * with the generic values, exactly what `build` writes to digest.html.
 */
export function pipelineSource(config: Config, cwd: string, now: () => Date): BuildSource {
  return {
    async buildDay(date, timeZone, top, edition) {
      const request = { config: { ...config, timeZone, top }, cwd, now: now(), date };
      const result = await buildDigest(edition ? editionRequest(request, edition, date) : request);
      const web = result.rendered
        ? personalize(result.rendered, genericRecipient(config.publicUrl))
        : undefined;
      return { result, web };
    },
    listDays: (timeZone) => articleDays(resolve(cwd, config.content), timeZone),
  };
}
