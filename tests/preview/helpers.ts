import { cpSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Config, loadConfig } from '../../src/config/index.js';
import { ROOT } from '../helpers/cli.js';
import { waitFor } from '../helpers/wait.js';

export { ROOT, waitFor };
/** The real election articles beside the checkout. */
export const ELECTION = fileURLToPath(new URL('../../../shared/corpus/election', import.meta.url));
/** Screenshots and other things a person may want to look at after a run (git-ignored). */
export const ARTIFACTS = join(ROOT, 'test-artifacts');

/** A fresh folder with a `templates/` copy of the repo's templates and a small `content/` folder. */
export interface Workspace {
  cwd: string;
  content: string;
  templates: string;
}

/** Filename days copied from the corpus: three days, 11 files, enough for prev/next and merges. */
const DAYS = ['2020-09-09', '2020-09-10', '2020-09-12'];

/** Make a workspace; `hostile` adds an article day full of markup that must never run. */
export function makeWorkspace(options: { hostile?: boolean } = {}): Workspace {
  const cwd = mkdtempSync(join(tmpdir(), 'digest-preview-'));
  const content = join(cwd, 'content');
  const templates = join(cwd, 'templates');
  cpSync(join(ROOT, 'templates'), templates, { recursive: true });
  mkdirSync(content);
  const news = join(ELECTION, '_news');
  for (const name of readdirSync(news)) {
    if (DAYS.some((day) => name.startsWith(day))) cpSync(join(news, name), join(content, name));
  }
  if (options.hostile) writeHostile(content);
  return { cwd, content, templates };
}

/** The day of the hostile articles, far from the corpus days. */
export const HOSTILE_DAY = '2020-10-01';
export const HOSTILE_TITLE = '<script>alert("title")</script> Hostile <img src=x onerror=alert(1)> headline';

function writeHostile(content: string): void {
  writeFileSync(
    join(content, `${HOSTILE_DAY}-hostile.md`),
    `---
title: ${JSON.stringify(HOSTILE_TITLE)}
excerpt: "<svg onload=alert(2)></svg><a href=\\"javascript:alert(3)\\">click</a> <iframe src=javascript:alert(4)></iframe>"
publishedDateTime: ${HOSTILE_DAY}T15:00:00Z
webUrl: "https://example.com/hostile?x=<script>alert(5)</script>"
type: article
quality: 500
heat: 500
provider:
  name: "<b onmouseover=alert(6)>Evil</b>"
  domain: example.com
  images:
    - url: "javascript:alert(7)"
topics:
  - Election
images:
  - url: "javascript:alert(8)"
  - url: "https://example.com/x.png\\" onerror=\\"alert(9)"
related:
  - title: "<script>alert(10)</script> related"
    webUrl: "javascript:alert(11)"
    provider: { name: Evil, domain: evil.example }
  - title: "Fine related <img src=x onerror=alert(12)>"
    webUrl: "https://example.org/related"
    provider: { name: "<i onclick=alert(13)>Org</i>", domain: example.org }
---
`,
  );
  writeFileSync(
    join(content, `${HOSTILE_DAY}-javascript-link.md`),
    `---
title: "A javascript: link <a href=javascript:alert(14)>x</a>"
excerpt: "javascript link"
publishedDateTime: ${HOSTILE_DAY}T16:00:00Z
webUrl: "javascript:alert(15)"
type: article
quality: 400
provider: { name: Evil, domain: evil.example }
---
`,
  );
}

/** The config a user would get with `--content content --templates templates --tz Z`. */
export function workspaceConfig(ws: Workspace, timeZone = 'America/New_York'): Config {
  return loadConfig(ws.cwd, {}, { content: 'content', templates: 'templates', timeZone }).config;
}
