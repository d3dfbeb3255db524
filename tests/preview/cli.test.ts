import { rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import * as cheerio from 'cheerio';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { articleDays } from '../../src/pipeline.js';
import { spawnDigest } from '../helpers/cli.js';
import { rawRequest, statusLine } from '../helpers/http.js';
import { ELECTION, makeWorkspace, ROOT, waitFor } from './helpers.js';

const ws = makeWorkspace();
afterAll(() => rmSync(ws.cwd, { recursive: true, force: true }));

/** Run `digest preview` in-process until `stop` is aborted; output is captured. */
function runPreview(argv: string[]) {
  const out = { stdout: '', stderr: '' };
  const controller = new AbortController();
  const done = main(['preview', ...argv], {
    cwd: ws.cwd,
    env: {},
    stdout: { write: (s: string) => (out.stdout += s) },
    stderr: { write: (s: string) => (out.stderr += s) },
    isTTY: false,
    now: () => new Date('2020-09-14T12:00:00Z'),
    signal: controller.signal,
  });
  return { out, done, stop: () => controller.abort('SIGINT') };
}

describe('digest preview', () => {
  it('documents its flags in --help', async () => {
    const run = runPreview(['--help']);
    expect(await run.done).toBe(0);
    for (const flag of [
      '--port <N>',
      '--host <addr>',
      '--content <DIR>',
      '--templates <DIR>',
      '--tz <zone>',
    ]) {
      expect(run.out.stdout).toContain(flag);
    }
  });

  it.each([['abc'], ['-1'], ['70000']])('rejects --port %s as a usage error', async (port) => {
    const run = runPreview(['--port', port]);
    expect(await run.done).toBe(2);
    expect(run.out.stderr).toContain('--port');
  });

  it('prints the URL, serves, and stops cleanly when asked to', async () => {
    const run = runPreview(['--content', 'content', '--templates', 'templates', '--port', '0']);
    const url = await waitFor(
      () => /^http:\/\/127\.0\.0\.1:\d+\/$/m.exec(run.out.stdout)?.[0],
      20_000,
      'the URL',
    );
    expect((await fetch(url)).status).toBe(200);
    expect(run.out.stderr).toContain('Ctrl-C to stop');
    run.stop();
    expect(await run.done).toBe(0);
    expect(run.out.stderr).toContain('Stopping the preview.');
    await expect(fetch(url)).rejects.toThrow();
  });

  it('says so when the port is taken and uses the next free one', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const taken = (blocker.address() as { port: number }).port;
    const run = runPreview(['--content', 'content', '--port', String(taken)]);
    try {
      const url = await waitFor(() => /^http:\/\/\S+$/m.exec(run.out.stdout)?.[0], 20_000, 'the URL');
      expect(run.out.stderr).toMatch(new RegExp(`Port ${taken} is in use; using \\d+ instead`));
      expect(url).not.toContain(`:${taken}/`);
    } finally {
      run.stop();
      await run.done;
      await new Promise<void>((r) => blocker.close(() => r()));
    }
  });
});

describe('acceptance: the compiled command on the election corpus', () => {
  it('serves every day of the corpus, each day page, refuses traversal, and exits 0 on SIGINT', async () => {
    const run = spawnDigest(
      ['preview', '--content', '../shared/corpus/election', '--tz', 'America/New_York', '--port', '0'],
      { cwd: ROOT },
    );
    try {
      const url = await waitFor(
        () => /^http:\/\/127\.0\.0\.1:\d+\/$/m.exec(run.stdout())?.[0],
        30_000,
        `the URL (${run.stderr()})`,
      );
      const index = await fetch(url);
      expect(index.headers.get('content-security-policy')).toContain("default-src 'self'");
      expect(index.headers.get('x-content-type-options')).toBe('nosniff');
      const $ = cheerio.load(await index.text());
      const listed = $('a.day')
        .map((_, a) => $(a).attr('data-date'))
        .get();
      const expected = (await articleDays(join(ELECTION), 'America/New_York')).map((d) => d.date);
      expect(listed).toEqual(expected);
      expect(listed.length).toBeGreaterThanOrEqual(8);

      const day = await fetch(new URL('/digest/2020-09-13', url));
      expect(day.status).toBe(200);
      expect(day.headers.get('content-security-policy')).toContain("default-src 'self'");
      const page = cheerio.load(await day.text());
      // The subject leads with the day's top story, after the newsletter's name.
      expect(page('#subject').text()).toMatch(/^News Digest: Bloomberg/);
      expect(page('#email-frame').attr('src')).toBe('/digest/2020-09-13.html');

      const port = Number(new URL(url).port);
      for (const target of ['/../package.json', '/%2e%2e/package.json', '/digest/..%2f..%2fpackage.json']) {
        const answer = await rawRequest(
          port,
          `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`,
        );
        expect([400, 404]).toContain(statusLine(answer));
      }
    } finally {
      run.child.kill('SIGINT');
    }
    const code = await Promise.race([run.exit, new Promise((r) => setTimeout(() => r('timeout'), 10_000))]);
    if (code === 'timeout') run.kill();
    expect(code).toBe(0);
    expect(run.stderr()).toContain('Stopping the preview.');
  });
});
