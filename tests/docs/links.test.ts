import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens; repeats get -1, -2. */
function anchorsOf(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  for (const line of withoutFences(markdown).split('\n')) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line)?.[1];
    if (heading === undefined) continue;
    const base = heading
      .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\- _]/gu, '')
      .replace(/ /g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n === 0 ? base : `${base}-${n}`);
  }
  return anchors;
}

/** The text outside fenced code blocks. */
function withoutFences(markdown: string): string {
  return markdown.replace(/^```[\s\S]*?^```/gm, '');
}

/** The text outside fenced code blocks and inline code, where links are links. */
function withoutCode(markdown: string): string {
  return withoutFences(markdown).replace(/`[^`\n]*`/g, '');
}

/** Every relative link target of a Markdown file: `[text](target)`, without web and mail links. */
function relativeLinks(markdown: string): string[] {
  const links = [...withoutCode(markdown).matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map((m) => m[1] ?? '');
  return links.filter((href) => !/^[a-z][a-z0-9+.-]*:/i.test(href));
}

/** Files under `dir` (relative to ROOT) whose names end with `suffix`. */
function filesUnder(dir: string, suffix: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(ROOT, dir))) {
    const path = join(dir, name);
    if (statSync(join(ROOT, path)).isDirectory()) out.push(...filesUnder(path, suffix));
    else if (name.endsWith(suffix)) out.push(path);
  }
  return out.sort();
}

/** What is wrong with one link from `from` (relative to ROOT), or undefined when it resolves. */
function brokenLink(from: string, href: string): string | undefined {
  const [path = '', anchor] = href.split('#');
  const target = path === '' ? from : relative(ROOT, join(ROOT, dirname(from), decodeURI(path)));
  if (!existsSync(join(ROOT, target))) return `${from}: ${href}: no file ${target}`;
  if (anchor === undefined || !target.endsWith('.md')) return undefined;
  if (!anchorsOf(readFileSync(join(ROOT, target), 'utf8')).has(anchor))
    return `${from}: ${href}: no heading #${anchor} in ${target}`;
  return undefined;
}

const MARKDOWN = ['README.md', ...filesUnder('docs', '.md')];

describe('documentation links', () => {
  it.each([
    ['# Config options', 'config-options'],
    ['## The build report (`digest.json`, `--json`)', 'the-build-report-digestjson---json'],
    ['### `publishedDateTime`', 'publisheddatetime'],
    ['## Subscriber web server (`digest serve`)', 'subscriber-web-server-digest-serve'],
  ])('the anchor of %j is %s', (heading, anchor) => {
    expect([...anchorsOf(`${heading}\n`)]).toEqual([anchor]);
  });

  it('a repeated heading gets -1, and headings in code blocks are not headings', () => {
    expect([...anchorsOf('## Keys\n\n```sh\n# a comment\n```\n## Keys\n')]).toEqual(['keys', 'keys-1']);
  });

  it('finds relative links, not web links, mail links or code', () => {
    expect(
      relativeLinks('[a](docs/a.md) [b](https://x.org) [c](#here) `[d](e.md)` [m](mailto:a@b.c)'),
    ).toEqual(['docs/a.md', '#here']);
  });

  it('a broken file or anchor is reported', () => {
    expect(brokenLink('README.md', 'docs/none.md')).toBe('README.md: docs/none.md: no file docs/none.md');
    expect(brokenLink('README.md', 'docs/cli.md#no-such-heading')).toBe(
      'README.md: docs/cli.md#no-such-heading: no heading #no-such-heading in docs/cli.md',
    );
  });

  it('README links every file in docs/', () => {
    const linked = new Set(
      relativeLinks(readFileSync(join(ROOT, 'README.md'), 'utf8')).map((h) => h.split('#')[0]),
    );
    const unlinked = filesUnder('docs', '.md').filter((f) => !linked.has(f) && f !== 'docs/shared-code.md');
    expect(unlinked).toEqual([]);
  });

  it.each(MARKDOWN)('every relative link in %s resolves to a file (and heading)', (file) => {
    const links = relativeLinks(readFileSync(join(ROOT, file), 'utf8'));
    expect(links.map((href) => brokenLink(file, href)).filter(Boolean)).toEqual([]);
  });

  it('every docs/… path named in a template comment exists', () => {
    const named = filesUnder('templates', '.hbs').flatMap((file) => {
      const comments = [
        ...readFileSync(join(ROOT, file), 'utf8').matchAll(/\{\{!(?:--)?([\s\S]*?)(?:--)?\}\}/g),
      ];
      return comments.flatMap((c) =>
        [...(c[1] ?? '').matchAll(/\bdocs\/[\w./-]+\.md(?:#[\w-]+)?/g)].map((m) => [file, m[0]] as const),
      );
    });
    expect(named.length).toBeGreaterThan(0);
    expect(
      named.map(([file, href]) => brokenLink('README.md', href)?.replace('README.md', file)).filter(Boolean),
    ).toEqual([]);
  });
});
