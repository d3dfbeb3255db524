import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { commandHelp } from '../../src/cli/_command.js';
import { COMMANDS, mainHelp } from '../../src/cli/main.js';
import { ROOT, runCli } from '../helpers/cli.js';

// The CLI reference (docs/cli.md) is the generated help, pasted; these tests keep the two the same.
const readme = readFileSync(join(ROOT, 'docs/cli.md'), 'utf8');

describe('help text', () => {
  it('the top-level help lists every command and is in docs/cli.md', () => {
    for (const command of COMMANDS) expect(mainHelp()).toContain(`  ${command.name} `);
    expect(readme).toContain(mainHelp().trim());
  });

  it.each(COMMANDS.map((c) => [c.name, c] as const))(
    '`digest %s --help` prints its generated help',
    async (name, entry) => {
      const command = await entry.load();
      // The command list's summary is the command's own.
      expect(command.name).toBe(name);
      expect(entry.summary).toBe(command.summary);
      const run = await runCli([name, '--help'], { cwd: ROOT });
      expect(run.code).toBe(0);
      expect(run.stdout).toBe(commandHelp(command));
      expect(run.stdout).toMatch(/^Usage: digest /);
      expect(
        readme,
        `docs/cli.md is missing the current help of ${name}; run: node bin/digest.js ${name} --help`,
      ).toContain(commandHelp(command).trim());
    },
  );

  it('no command prints help without being asked, and a bare `digest` is a usage error', async () => {
    const run = await runCli([], { cwd: ROOT });
    expect(run.code).toBe(2);
    expect(run.stdout).toContain('Usage: digest <command>');
  });
});
