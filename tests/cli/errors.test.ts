import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildCommand } from '../../src/cli/_build.js';
import { buildRequestFrom } from '../../src/cli/_build-options.js';
import { commandHelp } from '../../src/cli/_command.js';
import { colorOn } from '../../src/cli/_output.js';
import { COMMANDS, formatError } from '../../src/cli/main.js';
import { closest } from '../../src/did-you-mean.js';
import { DigestError, errorReport } from '../../src/errors.js';
import { buildDigest } from '../../src/pipeline.js';
import { describeError } from '../../src/preview/_error-view.js';
import { tempDir } from '../helpers/cleanup.js';
import { runCli, spawnCli } from '../helpers/cli.js';

// A working folder with one article and small templates of its own (the bundled ones change
// with the email work; these errors are about the words, not the design).
const FILES: Record<string, string> = {
  'content/2026-11-22-one.md':
    '---\ntitle: "One"\nwebUrl: "https://example.com/one"\npublishedDateTime: 2026-11-22T09:30:00Z\n---\nText.\n',
  'templates/layout.mjml.hbs':
    '<mjml><mj-body><mj-section><mj-column><mj-text>{{title}}</mj-text></mj-column></mj-section>{{> footer}}</mj-body></mjml>\n',
  'templates/partials/footer.mjml.hbs':
    '<mj-section>\n<mj-column>\n<mj-text>Bye</mj-text>\n</mj-column>\n</mj-section>\n',
  'templates/text.hbs': '{{title}}\n',
  'templates/subject.hbs': '{{title}}\n',
  'templates/preheader.hbs': '{{title}}\n',
};

function workspace(changes: Record<string, string> = {}): string {
  const cwd = tempDir('digest-errors-');
  for (const [path, text] of Object.entries({ ...FILES, ...changes })) {
    mkdirSync(dirname(join(cwd, path)), { recursive: true });
    writeFileSync(join(cwd, path), text);
  }
  return cwd;
}

const BUILD = ['build', '--date', '2026-11-22'];
const NAMES = COMMANDS.map((c) => c.name).join(', ');

describe('errors in plain words: input -> exactly what is printed', () => {
  it.each<[string, Record<string, string>, string[], number, string]>([
    [
      'a misspelt command',
      {},
      ['biuld'],
      2,
      `Error:\n1. unknown command "biuld" (did you mean "build"?)\n   hint: the commands are ${NAMES}; \`digest --help\` describes each\n`,
    ],
    [
      'a misspelt flag',
      {},
      ['build', '--dat', '2026-11-22'],
      2,
      'Error:\n1. unknown flag --dat (did you mean --date?)\n   hint: run `digest build --help` for the flags it takes\n',
    ],
    [
      'a value outside the allowed ones',
      {},
      ['subscribers', 'list', '--status', 'activ'],
      2,
      'Error:\n1. --status must be one of: all, active, unsubscribed, bounced, complained (got "activ", did you mean "active"?)\n',
    ],
    [
      'a misspelt --version',
      {},
      ['--versoin'],
      2,
      `Error:\n1. unknown command "--versoin" (did you mean "--version"?)\n   hint: the commands are ${NAMES}; \`digest --help\` describes each\n`,
    ],
    [
      'a flag without its value',
      {},
      ['build', '--date'],
      2,
      'Error:\n1. --date needs a value: --date <YYYY-MM-DD>\n   hint: a value that starts with "-" is written --date=-value; run `digest build --help` for the flags it takes\n',
    ],
    [
      'a misspelt time zone flag: the flag named once',
      {},
      [...BUILD, '--tz', 'America/NewYork'],
      2,
      'Error:\n1. --tz "America/NewYork" is not an IANA time zone (did you mean "America/New_York"?)\n   hint: use a name such as UTC, Europe/Berlin or America/New_York\n',
    ],
    [
      'a misspelt config key',
      { 'digest.config.json': '{ "timezone": "UTC" }\n' },
      BUILD,
      1,
      'Error:\n1. digest.config.json: line 1: timezone: unknown key (did you mean "timeZone"?)\n   hint: see docs/config.md for each key and its allowed values\n',
    ],
    [
      'a misspelt nested config key',
      { 'digest.config.json': '{ "send": { "conections": 2 } }\n' },
      BUILD,
      1,
      'Error:\n1. digest.config.json: line 1: send.conections: unknown key (did you mean "connections"?)\n   hint: see docs/config.md for each key and its allowed values\n',
    ],
    [
      'a misspelt time zone in the config',
      { 'digest.config.json': '{ "timeZone": "Europe/Berln" }\n' },
      BUILD,
      1,
      'Error:\n1. digest.config.json: line 1: timeZone: not an IANA time zone name (did you mean "Europe/Berlin"?); use e.g. "UTC", "Europe/Berlin" or "America/New_York"\n   hint: see docs/config.md for each key and its allowed values\n',
    ],
    [
      'a bad value in the config file: the line of its key',
      { 'digest.config.json': '{\n  "top": 5,\n  "send": {\n    "connections": 0\n  }\n}\n' },
      BUILD,
      1,
      'Error:\n1. digest.config.json: line 4: send.connections: Invalid value: Expected >=1 but received 0\n   hint: see docs/config.md for each key and its allowed values\n',
    ],
    [
      'a bad value in YAML: the line of its key',
      { 'digest.config.yaml': 'top: 5\nschedule:\n  time: "25:00"\n' },
      BUILD,
      1,
      'Error:\n1. digest.config.yaml: line 3: schedule.time: use local time as HH:MM (24-hour clock), e.g. "07:00" or "7:00"\n   hint: see docs/config.md for each key and its allowed values\n',
    ],
    [
      'a flag out of range: the flag, not the config file, and the file for what is wrong there',
      { 'digest.config.json': '{ "send": { "connections": 0 } }\n' },
      [...BUILD, '--top', '500'],
      2,
      'Error:\n1. --top: Invalid value: Expected <=200 but received 500; also digest.config.json: send.connections: Invalid value: Expected >=1 but received 0\n   hint: see docs/config.md for the allowed values\n',
    ],
    [
      'a JSON trailing comma: line and column, not "position"',
      { 'digest.config.json': '{\n  "top": 5,\n}\n' },
      BUILD,
      1,
      'Error:\n1. digest.config.json: line 3: Expected double-quoted property name (column 1)\n   hint: remove the comma before the closing bracket: JSON allows no trailing comma\n',
    ],
    [
      'a YAML indentation mistake',
      { 'digest.config.yaml': 'top: 5\n perProvider: 2\n' },
      BUILD,
      1,
      'Error:\n1. digest.config.yaml: line 2: bad indentation of a mapping entry (column 13)\n   hint: fix the YAML at that line: nested keys are indented by the same number of spaces\n',
    ],
    [
      'a --config file that does not exist',
      {},
      [...BUILD, '--config', 'conf/digest.json'],
      1,
      'Error:\n1. conf/digest.json: the config file does not exist\n   hint: check the path given to --config (or DIGEST_CONFIG); without it digest.config.json, digest.config.yaml, digest.config.yml in the working folder are read\n',
    ],
    [
      'an unknown template variable: no [object Object], no column pair',
      { 'templates/text.hbs': '{{title}}\n{{titel}}\n' },
      BUILD,
      1,
      'Error:\n1. templates/text.hbs: line 2: Cannot render the template: "titel" not defined (did you mean "title"?)\n   hint: templates are strict: use a variable that exists; see docs/templates.md for the template files, variables and helpers\n',
    ],
    [
      'a Handlebars syntax error, once',
      { 'templates/subject.hbs': 'News {{title}\n' },
      BUILD,
      1,
      'Error:\n1. templates/subject.hbs: line 1: Cannot parse the template: a tag that is not closed with }} near "News {{title}"\n   hint: see docs/templates.md for the template files, variables and helpers\n',
    ],
    [
      'MJML errors: the template and its line, each mistake once, no ValidationError dump',
      {
        'templates/partials/footer.mjml.hbs':
          '<mj-section>\n<mj-column foo="bar">\n<mj-bogus />\n</mj-column>\n</mj-section>\n',
      },
      BUILD,
      1,
      "Error:\n1. templates/partials/footer.mjml.hbs: line 2: MJML rejected the footer template: Attribute foo is illegal; also mj-bogus: Element mj-bogus doesn't exist or is not registered\n   hint: fix the MJML markup in that file; see https://documentation.mjml.io for the valid tags and attributes\n",
    ],
  ])('%s', async (_name, changes, argv, code, expected) => {
    const cwd = workspace(changes);
    const run = await runCli(argv, { cwd });
    expect(run.stderr).toBe(expected);
    expect(run.code).toBe(code);
    expect(run.stderr).not.toContain(cwd);
  });

  it('a bad value from the environment (or .env) names the variable, not the config file', async () => {
    const cwd = workspace({ 'digest.config.json': '{ "top": 5 }\n', '.env': 'DIGEST_TZ=Europe/Berln\n' });
    const run = await runCli(BUILD, { cwd });
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      'Error:\n1. DIGEST_TZ (timeZone): not an IANA time zone name (did you mean "Europe/Berlin"?); use e.g. "UTC", "Europe/Berlin" or "America/New_York"\n   hint: fix DIGEST_TZ in .env or the environment; see docs/config.md for the allowed values\n',
    );
  });

  it('DEBUG=1 adds the library wording and the stack', async () => {
    const cwd = workspace({ 'templates/subject.hbs': 'News {{title}\n' });
    const run = await runCli(BUILD, { cwd, env: { DEBUG: '1' } });
    expect(run.stderr).toContain('2. Parse error on line 1:');
    expect(run.stderr).toContain('DigestError: Cannot parse the template');
  });

  it('`digest help build` is `digest build --help`', async () => {
    const run = await runCli(['help', 'build'], { cwd: workspace() });
    expect(run).toEqual({ code: 0, stdout: commandHelp(buildCommand), stderr: '' });
  });

  it('`--config FILE` is read instead of the working folder’s config', async () => {
    const cwd = workspace({
      'digest.config.json': '{ "timeZone": "Asia/Tokyo" }\n',
      'elsewhere/news.yaml': 'timeZone: Europe/Berlin\n',
    });
    const run = await runCli([...BUILD, '--json', '--config', 'elsewhere/news.yaml'], { cwd });
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).window.timeZone).toBe('Europe/Berlin');
  });
});

describe('did you mean', () => {
  it.each([
    ['biuld', ['build', 'send', 'check'], 'build'],
    ['sedn', ['build', 'send', 'check'], 'send'],
    ['--dat', ['--date', '--tz', '--top'], '--date'],
    ['timezone', ['top', 'timeZone'], 'timeZone'],
    ['America/NewYork', Intl.supportedValuesOf('timeZone'), 'America/New_York'],
    ['xyz', ['build', 'send'], undefined],
    ['build', ['build', 'send'], undefined],
    ['completely-else', ['build', 'send'], undefined],
  ])('%s among %j -> %s', (input, candidates, expected) => {
    expect(closest(input, candidates)).toBe(expected);
  });
});

describe('--json on failure', () => {
  it.each<[string, Record<string, string>, string[], number, object]>([
    [
      'a usage error',
      {},
      [...BUILD, '--tz', 'Mars/Base', '--json'],
      2,
      {
        code: 'E_USAGE',
        message: '--tz "Mars/Base" is not an IANA time zone',
        field: '--tz',
        hint: 'use a name such as UTC, Europe/Berlin or America/New_York',
      },
    ],
    [
      'a template error names the file and line',
      { 'templates/text.hbs': '{{title}}\n{{titel}}\n' },
      [...BUILD, '--json'],
      1,
      {
        code: 'E_TEMPLATE',
        message: 'Cannot render the template: "titel" not defined (did you mean "title"?)',
        file: 'templates/text.hbs',
        line: 2,
        hint: 'templates are strict: use a variable that exists; see docs/templates.md for the template files, variables and helpers',
      },
    ],
    [
      'a config error',
      { 'digest.config.json': '{ "top": "many" }\n' },
      [...BUILD, '--json'],
      1,
      {
        code: 'E_CONFIG',
        message: 'Invalid type: Expected number but received "many"',
        file: 'digest.config.json',
        line: 1,
        field: 'top',
        hint: 'see docs/config.md for each key and its allowed values',
      },
    ],
    [
      'an unknown command',
      {},
      ['biuld', '--json'],
      2,
      {
        code: 'E_USAGE',
        message: 'unknown command "biuld" (did you mean "build"?)',
        hint: `the commands are ${NAMES}; \`digest --help\` describes each`,
      },
    ],
  ])('%s: { ok: false, error } on stdout, the same exit code', async (_name, changes, argv, code, error) => {
    const run = await runCli(argv, { cwd: workspace(changes) });
    expect(run.code).toBe(code);
    expect(JSON.parse(run.stdout)).toEqual({ ok: false, error });
    expect(run.stderr).toMatch(/^Error:\n1\. /);
  });

  it('a non-DigestError is E_INTERNAL with its message', () => {
    expect(errorReport(new TypeError('x is undefined'))).toEqual({
      ok: false,
      error: { code: 'E_INTERNAL', message: 'x is undefined' },
    });
  });
});

describe('colour', () => {
  it.each([
    [{}, true, true],
    [{}, false, false],
    [{ NO_COLOR: '1' }, true, false],
    [{ NO_COLOR: '' }, true, true],
    [{ TERM: 'dumb' }, true, false],
    [{ FORCE_COLOR: '1' }, false, true],
    [{ FORCE_COLOR: '1', NO_COLOR: '1' }, true, false],
  ])('env %j, stderr a terminal: %s -> colour %s', (env, tty, expected) => {
    expect(colorOn(env, tty)).toBe(expected);
  });

  it('"Error:" is red only with colour on', () => {
    const error = new DigestError('E_USAGE', 'bad');
    expect(formatError(error, { env: {}, color: true })).toBe('\u001b[1m\u001b[31mError:\u001b[0m\n1. bad');
    expect(formatError(error, { env: {}, color: false })).toBe('Error:\n1. bad');
  });

  it('the real command: FORCE_COLOR colours, NO_COLOR wins, a pipe gets none', () => {
    const cwd = workspace();
    expect(spawnCli(['biuld'], { cwd, env: { FORCE_COLOR: '1' } }).stderr).toContain('\u001b[31mError:');
    expect(spawnCli(['biuld'], { cwd, env: { FORCE_COLOR: '1', NO_COLOR: '1' } }).stderr).not.toContain(
      '\u001b[',
    );
    expect(spawnCli(['biuld'], { cwd }).stderr).not.toContain('\u001b[');
  });
});

describe('a skipped article names its line', () => {
  it.each([
    [
      'publishedDateTime: last Tuesday',
      'skipped 2026-11-21-bad.md: line 4: publishedDateTime: is not a date or date-time: "last Tuesday"',
    ],
    ['quality: "70"', 'skipped 2026-11-21-bad.md: line 5: quality: must be a number, got "70"'],
  ])('%s', async (line, expected) => {
    const bad = `---\ntitle: "Bad"\nwebUrl: "https://example.com/bad"\n${line.startsWith('quality') ? `publishedDateTime: 2026-11-22T09:00:00Z\n${line}` : line}\n---\n`;
    const run = await runCli(BUILD, { cwd: workspace({ 'content/2026-11-21-bad.md': bad }) });
    expect(run.code).toBe(0);
    expect(run.stderr).toContain(expected);
  });

  it('a missing field has no line to name', async () => {
    const run = await runCli(BUILD, {
      cwd: workspace({
        'content/2026-11-21-bad.md':
          '---\nwebUrl: "https://example.com/bad"\npublishedDateTime: 2026-11-22T09:00:00Z\n---\n',
      }),
    });
    expect(run.stderr).toContain('skipped 2026-11-21-bad.md: title: is missing');
  });
});

describe('an empty day says what to do', () => {
  it('the default day (yesterday) names the newest day with articles and --date latest', async () => {
    const cwd = workspace();
    const run = await runCli(['build'], { cwd, now: new Date('2026-12-02T08:00:00Z') });
    expect(run.code).toBe(0);
    expect(run.stderr).toBe(
      'No articles on 2026-12-01 (yesterday in UTC, the default day): no email built (window 2026-12-01T00:00:00.000Z .. 2026-12-02T00:00:00.000Z, UTC).\n' +
        'The newest day with articles is 2026-11-22 (1 article): run `digest build --date 2026-11-22`, or `digest build --date latest` for the newest day.\n',
    );
  });

  it('a folder without articles says so', async () => {
    const cwd = workspace({ 'content/2026-11-22-one.md': 'not front matter\n' });
    const run = await runCli(['build'], { cwd, now: new Date('2026-12-02T08:00:00Z') });
    expect(run.stderr).toContain(
      'There are no valid articles in content at all: add .md files (see docs/content.md), or give --content DIR.\n',
    );
  });

  it('a built digest counts in the singular when there is one', async () => {
    const run = await runCli(BUILD, { cwd: workspace() });
    expect(run.stderr).toMatch(/Built digest 2026-11-22: 1 item from 1 article, /);
  });
});

describe('digest check --json', () => {
  it('lists each problem once, as objects with code, message, file, line, field and hint', async () => {
    const cwd = workspace({
      'content/2026-11-21-bad.md':
        '---\ntitle: "Bad"\nwebUrl: "https://example.com/bad"\npublishedDateTime: last Tuesday\n---\n',
      'templates/text.hbs': '{{title}}\n{{#each items}}\n',
    });
    const run = await runCli(['check', '--json'], { cwd });
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout);
    expect(report.ok).toBe(false);
    expect(report.files).toBe(2);
    expect(report.problems).toEqual([
      {
        code: 'E_CONTENT',
        file: '2026-11-21-bad.md',
        line: 4,
        field: 'publishedDateTime',
        message: expect.stringContaining('is not a date or date-time: "last Tuesday"'),
        hint: expect.any(String),
      },
      {
        code: 'E_TEMPLATE',
        message: 'Cannot parse the template: the block {{#each}} is never closed',
        file: 'templates/text.hbs',
        line: 2,
        hint: 'add {{/each}} where the block should end',
      },
    ]);
    expect(run.stderr).toMatch(/Checked config, 2 article files and the templates: 2 problems\.\n$/);
  });
});

describe('the preview shows the same text as the command line', () => {
  it.each([
    ['an unknown variable', { 'templates/text.hbs': '{{title}}\n{{titel}}\n' }],
    ['a syntax error', { 'templates/subject.hbs': 'News {{title}\n' }],
  ])('%s', async (_name, changes) => {
    const cwd = workspace(changes);
    const ctx = {
      cwd,
      env: {},
      stdout: process.stdout,
      stderr: process.stderr,
      isTTY: false,
      now: () => new Date(),
    };
    const error = await buildDigest(buildRequestFrom({ date: '2026-11-22' }, ctx)).catch((e: unknown) => e);
    const cli = await runCli(BUILD, { cwd });
    const view = describeError(error, cwd);
    // The CLI's first line is `1. FILE: line N: message`; the panel shows FILE and N above the message.
    expect(cli.stderr).toContain(
      `1. ${view.file}: line ${view.line}: ${view.messages[0]}\n   hint: ${view.hint}\n`,
    );
    expect(view.messages).toHaveLength(1);
  });
});
