import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as cheerio from 'cheerio';
import { describe, expect, it } from 'vitest';
import { canonicalUrl } from '../../src/select/index.js';
import type { DigestReport } from '../../src/types.js';
import { CORPUS, ROOT, runCli, spawnCli } from '../helpers/cli.js';

const ELECTION = join(CORPUS, 'election');
const fresh = () => mkdtempSync(join(tmpdir(), 'digest-cli-'));
/** `digest build` over the election corpus with the bundled templates, plus the given flags. */
const electionBuild = (...flags: string[]) => [
  'build',
  '--content',
  ELECTION,
  '--templates',
  join(ROOT, 'templates'),
  ...flags,
];

describe('digest build on the real election corpus', () => {
  it('prints the JSON report: top item is the most-covered story of the local day, window, caps, size, unique URLs', () => {
    const cwd = fresh();
    const run = spawnCli(electionBuild('--date', '2020-09-13', '--tz', 'America/New_York', '--json'), {
      cwd,
    });
    expect(run.stderr).toMatch(/Built digest 2020-09-13: \d+ items/);
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as DigestReport;
    expect(report.window).toEqual({
      since: '2020-09-13T04:00:00.000Z',
      until: '2020-09-14T04:00:00.000Z',
      timeZone: 'America/New_York',
      date: '2020-09-13',
    });
    // The top item is the story most outlets covered: Bloomberg's $100M for Florida, six outlets.
    const outlets = report.items.map((i) => 1 + i.alsoCoveredBy.length);
    expect(outlets[0]).toBe(Math.max(...outlets));
    expect(report.items[0]?.title).toMatch(/Bloomberg/);
    expect(outlets[0]).toBe(6);
    expect(report.items.length).toBeGreaterThan(3);
    for (const item of report.items) {
      expect(item.publishedAt >= report.window.since && item.publishedAt < report.window.until).toBe(true);
    }
    const perProvider = new Map<string, number>();
    for (const item of report.items)
      perProvider.set(item.provider, (perProvider.get(item.provider) ?? 0) + 1);
    expect(Math.max(...perProvider.values())).toBeLessThanOrEqual(3);
    expect(report.htmlBytes).toBeLessThan(100 * 1024);
    const urls = report.items.flatMap((i) => [i.webUrl, ...i.related.map((r) => r.webUrl)]).map(canonicalUrl);
    expect(new Set(urls).size).toBe(urls.length);
    // Every file is accounted for exactly once.
    expect(report.considered.length).toBe(report.counts.files);
    expect(new Set(report.considered.map((c) => c.path)).size).toBe(report.considered.length);
  });

  it('writes html, txt, mjml and json; the html is safe and every image has alt text', async () => {
    const cwd = fresh();
    const run = await runCli(
      electionBuild('--date', '2020-09-12', '--tz', 'America/New_York', '--out', 'o'),
      { cwd },
    );
    expect(run.code, run.stderr).toBe(0);
    for (const name of ['digest.html', 'digest.txt', 'digest.mjml', 'digest.json']) {
      expect(existsSync(join(cwd, 'o/2020-09-12', name)), name).toBe(true);
    }
    const $ = cheerio.load(readFileSync(join(cwd, 'o/2020-09-12/digest.html'), 'utf8'));
    // Every image has an alt attribute: text where the picture says something, "" where it is decoration.
    $('img').each((_, img) => expect($(img).attr('alt'), $.html(img)).not.toBeUndefined());
    // Links leave for http(s) pages, or jump within the email ("In this issue" -> #story-N).
    $('a[href]').each((_, a) => expect($(a).attr('href')).toMatch(/^(https?:\/\/|#story-\d+$)/));
  });

  it('gives byte-identical files for the same input', async () => {
    const outputs = [];
    for (const out of ['a', 'b']) {
      const cwd = fresh();
      await runCli(electionBuild('--date', '2020-09-13', '--out', out), { cwd });
      outputs.push(
        ['digest.html', 'digest.txt', 'digest.json'].map((f) =>
          readFileSync(join(cwd, out, '2020-09-13', f), 'utf8'),
        ),
      );
    }
    expect(outputs[0]).toEqual(outputs[1]);
  });
});

describe('digest build edge cases', () => {
  it('an empty window exits 0 with a message and writes no email files', async () => {
    const cwd = fresh();
    const run = await runCli(
      [
        'build',
        '--content',
        join(CORPUS, 'ai'),
        '--templates',
        join(ROOT, 'templates'),
        '--date',
        '2000-01-01',
      ],
      { cwd },
    );
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(
      /^No articles on 2000-01-01: no email built \(window .*\)\.\nThe newest day with articles is \d{4}-\d\d-\d\d \(\d+ articles?\): run `digest build --date \d{4}-\d\d-\d\d`, or `digest build --date latest` for the newest day\.\n$/,
    );
    expect(existsSync(join(cwd, 'out/2000-01-01/digest.html'))).toBe(false);
  });

  it('skips and reports a broken file, and --strict makes it fatal', async () => {
    const cwd = fresh();
    const content = join(cwd, 'content');
    mkdirSync(content);
    cpSync(join(CORPUS, 'ai/_news'), content, { recursive: true });
    writeFileSync(join(content, 'broken.md'), '---\ntitle: "x\nwebUrl: nope\n---\n');
    const args = [
      'build',
      '--content',
      'content',
      '--templates',
      join(ROOT, 'templates'),
      '--date',
      '2021-03-10',
    ];
    const lenient = await runCli(args, { cwd });
    expect(lenient.code).toBe(0);
    expect(lenient.stderr).toMatch(/broken\.md: /);
    expect(lenient.stderr).toMatch(/1 invalid file skipped/);
    const strict = await runCli([...args, '--strict'], { cwd });
    expect(strict.code).toBe(1);
    expect(strict.stderr).toMatch(/broken\.md/);
  });

  it.each([
    [['build', '--date', '2021-02-30'], /--date/],
    [['build', '--tz', 'Mars/Olympus'], /--tz|time zone/],
    [['build', '--since', '2021-01-01T00:00:00Z'], /--since and --until go together/],
    [['build', '--top', 'ten'], /--top must be a whole number/],
    [['build', '--nope'], /nope/],
    [['frobnicate'], /unknown command "frobnicate"\n {3}hint: the commands are [a-z, ]*\bbuild\b/],
  ])('usage error %j exits 2 and says what is wrong', async (argv, message) => {
    const run = await runCli(argv, { cwd: fresh() });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
  });

  it('a bad config key is named', async () => {
    const cwd = fresh();
    writeFileSync(join(cwd, 'digest.config.json'), JSON.stringify({ top: 'many' }));
    const run = await runCli(['build'], { cwd });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/digest\.config\.json: line 1: top: /);
  });
});
