import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/cleanup.js';
import { CORPUS, ROOT, runCli } from '../helpers/cli.js';

/** A folder with the default templates copied in, the election corpus as content, and a config. */
function workspace(config: Record<string, unknown> = {}): string {
  const cwd = tempDir('digest-check-');
  cpSync(join(ROOT, 'templates'), join(cwd, 'templates'), { recursive: true });
  writeFileSync(
    join(cwd, 'digest.config.json'),
    JSON.stringify({ content: join(CORPUS, 'election'), timeZone: 'America/New_York', ...config }),
  );
  return cwd;
}

function edit(cwd: string, file: string, from: string | RegExp, to: string): void {
  const path = join(cwd, 'templates', file);
  const before = readFileSync(path, 'utf8');
  const after = before.replace(from, to);
  expect(after, `${file} should contain ${from}`).not.toBe(before);
  writeFileSync(path, after);
}

describe('digest check fails on what digest send would refuse', () => {
  it('passes the default templates, warning that the postal address is missing', async () => {
    const run = await runCli(['check'], { cwd: workspace(), env: { NO_COLOR: '1' } });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain('warning: postalAddress is not set');
    const branded = await runCli(['check'], {
      cwd: workspace({ postalAddress: '1 Main St, Springfield' }),
      env: { NO_COLOR: '1' },
    });
    expect(branded.code, branded.stderr).toBe(0);
    expect(branded.stderr).not.toContain('postalAddress');
  });

  it('a template without a visible unsubscribe link: exit 1, naming the template file', async () => {
    const cwd = workspace();
    // Both footer links use the marker; remove them (the text part's would be added by send).
    edit(cwd, 'partials/footer.mjml.hbs', /<a href="\{\{recipient\.unsubscribeUrl\}\}"[^>]*>[^<]*<\/a>/g, '');
    const run = await runCli(['check', '--json'], { cwd, env: { NO_COLOR: '1' } });
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout) as { problems: { code: string; file: string; message: string }[] };
    expect(report.problems).toEqual([
      expect.objectContaining({
        code: 'E_TEMPLATE',
        file: 'templates/layout.mjml.hbs',
        message: expect.stringContaining('no visible unsubscribe link; digest send refuses to send it'),
      }),
    ]);
    expect(run.stderr).toContain('1 problem');
  });

  it('a From that send cannot use: exit 1, naming the key', async () => {
    const run = await runCli(['check', '--json'], {
      cwd: workspace({ from: 'two@example.com, three@example.com' }),
      env: { NO_COLOR: '1' },
    });
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout) as { problems: { code: string; field?: string }[] };
    expect(report.problems).toEqual([expect.objectContaining({ code: 'E_CONFIG', field: 'from' })]);
  });
});
