import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as cheerio from 'cheerio';
import { describe, expect, it } from 'vitest';
import type { DigestReport } from '../../src/types.js';
import { ROOT, runCli } from '../helpers/cli.js';

// Feeds leave HTML entities in titles and excerpts; the reader sees each character once, decoded.
describe('HTML entities in a title and an excerpt', () => {
  it('show decoded once in the HTML, the text part, the subject and the preheader', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'digest-entities-'));
    mkdirSync(join(cwd, 'content'));
    writeFileSync(
      join(cwd, 'content', '2020-09-13-tools.md'),
      [
        '---',
        'title: "New tools monitor &amp; analyze traffic &#8211; at scale"',
        'excerpt: "Teams can now monitor &amp; analyze traffic &quot;live&quot;. It works today."',
        'publishedDateTime: 2020-09-13T12:00:00Z',
        'webUrl: "https://example.org/tools"',
        'provider: { name: "Example &amp; Co", domain: example.org }',
        '---',
        '',
      ].join('\n'),
    );
    const run = await runCli(
      [
        'build',
        '--content',
        'content',
        '--templates',
        join(ROOT, 'templates'),
        '--date',
        '2020-09-13',
        '--out',
        'out',
        '--json',
      ],
      { cwd },
    );
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as DigestReport;
    const title = 'New tools monitor & analyze traffic – at scale';
    expect(report.items[0]?.title).toBe(title);
    expect(report.subject).toContain(title);
    expect(report.subject).not.toContain('&amp;');
    expect(report.preheader).not.toMatch(/&(amp|quot|#\d+);/);
    const html = readFileSync(join(cwd, 'out', '2020-09-13', 'digest.html'), 'utf8');
    const $ = cheerio.load(html);
    expect($('h2').text()).toContain(title);
    expect($('body').text()).toContain('monitor & analyze traffic "live"');
    expect(html).not.toContain('&amp;amp;');
    const text = readFileSync(join(cwd, 'out', '2020-09-13', 'digest.txt'), 'utf8');
    expect(text).toContain(title);
    expect(text).toContain('Example & Co');
    expect(text).not.toMatch(/&(amp|quot|#\d+);/);
  });
});
