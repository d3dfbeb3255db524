import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startServe } from '../helpers/serve.js';
import { runCleanups, runCli, SECRET, tempDir, workspace } from './helpers.js';

afterEach(runCleanups);

describe('digest serve', () => {
  it('prints the URL it listens on (port 0 picks one), serves, and stops cleanly on the signal', async () => {
    const { cwd } = await workspace(['ada@example.com']);
    const run = await startServe(cwd, ['--port', '0', '--host', '127.0.0.1'], { DIGEST_SECRET: SECRET });
    expect(run.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const health = await fetch(`${run.url}healthz`);
    expect(health.status).toBe(200);
    expect((await fetch(`${run.url}archive`)).status).toBe(200);
    run.stop();
    expect(await run.exit).toBe(0);
    expect(run.stderr()).toContain('Stopping the subscriber web server.');
    // The warning about plain-http links (the default DIGEST_PUBLIC_URL).
    expect(run.stderr()).toContain('mailbox providers expect https');
    await expect(fetch(`${run.url}healthz`)).rejects.toThrow();
  });

  it('takes --db, and host and port from the config file', async () => {
    const { db } = await workspace(['ada@example.com']);
    const other = tempDir();
    writeFileSync(
      join(other, 'digest.config.json'),
      JSON.stringify({ serve: { host: '127.0.0.1', port: 0 } }),
    );
    const run = await startServe(other, ['--db', db], {
      DIGEST_SECRET: SECRET,
      DIGEST_PUBLIC_URL: 'https://news.example.com',
    });
    expect(run.stderr()).toContain(db);
    expect(run.stderr()).not.toContain('expect https');
    run.stop();
    expect(await run.exit).toBe(0);
  });

  it.each([
    ['without DIGEST_SECRET', {}, /DIGEST_SECRET is not set/],
    [
      'with a short DIGEST_SECRET',
      { DIGEST_SECRET: 'too-short' },
      /DIGEST_SECRET is 9 characters; it must be at least 32/,
    ],
  ])('refuses to start %s (exit 1)', async (_label, env, message) => {
    const { cwd } = await workspace(['ada@example.com']);
    const r = await runCli(['serve', '--port', '0'], { cwd, env });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
  });

  it('refuses a database that does not exist rather than serving an empty list', async () => {
    const cwd = tempDir();
    const r = await runCli(['serve', '--port', '0', '--db', 'nope.db'], {
      cwd,
      env: { DIGEST_SECRET: SECRET },
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('the database does not exist');
  });

  it('usage errors exit 2, and help lists the command', async () => {
    const cwd = tempDir();
    const bad = await runCli(['serve', '--port', 'eighty'], { cwd, env: { DIGEST_SECRET: SECRET } });
    expect(bad.code).toBe(2);
    const help = await runCli(['--help'], { cwd });
    expect(help.stdout).toMatch(/\n {2}serve +Run the public subscriber web server/);
    const own = await runCli(['serve', '--help'], { cwd });
    expect(own.stdout).toContain('--trust-proxy');
    expect(own.stdout).toContain('POST /unsubscribe?token=');
  });
});
