import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/cleanup.js';
import { CORPUS, ROOT, runCli } from '../helpers/cli.js';
import { SECRET, subscriberFolder } from './helpers.js';

/**
 * SpamAssassin's local rules (`-L`: no network tests) on the .eml files a real `digest send
 * --dry-run` writes for real days of the shared corpus. Debian's `spamassassin` package (.ci/run
 * installs it); where the binary is absent this one test is skipped and says so.
 */

const SPAMASSASSIN = ['/usr/bin/spamassassin', '/usr/local/bin/spamassassin'].find((p) => {
  try {
    return spawnSync(p, ['--version'], { timeout: 30_000 }).status === 0;
  } catch {
    return false;
  }
});
if (!SPAMASSASSIN)
  console.warn(
    'skipped: the SpamAssassin score test needs the `spamassassin` binary (apt-get install spamassassin)',
  );

const DAYS = [
  ['election', '2020-09-13'],
  ['ai', '2021-03-11'],
] as const;

describe.skipIf(!SPAMASSASSIN)('SpamAssassin, local rules, on a dry-run .eml', () => {
  it.each(DAYS)('the %s digest of %s scores at most 0.0', async (corpus, date) => {
    const { cwd } = await subscriberFolder(1, 'digest-sa-');
    writeFileSync(
      join(cwd, 'digest.config.json'),
      JSON.stringify({
        title: 'Morning Brief',
        from: '"Morning Brief" <brief@news.example.com>',
        publicUrl: 'https://news.example.com',
        timeZone: 'America/New_York',
        postalAddress: 'Morning Brief Inc.\n1 Main Street\nSpringfield, IL 62701',
        brand: { accentColor: '#b3261e', logo: { url: 'https://news.example.com/logo.png' } },
      }),
    );
    const run = await runCli(
      ['send', '--dry-run', '--content', join(CORPUS, corpus), '--templates', join(ROOT, 'templates')].concat(
        ['--date', date, '--out', 'out'],
      ),
      { cwd, env: { DIGEST_SECRET: SECRET, NO_COLOR: '1' }, realClock: true },
    );
    expect(run.code, run.stderr).toBe(0);
    const dir = join(cwd, 'out', date, 'eml');
    const [file] = readdirSync(dir);
    const eml = readFileSync(join(dir, file as string));
    const sa = spawnSync(SPAMASSASSIN as string, ['-L', '-t'], {
      input: eml,
      encoding: 'utf8',
      timeout: 120_000,
      env: { PATH: process.env.PATH ?? '', HOME: tempDir('digest-sa-home-') },
    });
    expect(sa.status, sa.stderr).toBe(0);
    const status =
      /^X-Spam-Status: (Yes|No), score=(-?\d+(?:\.\d+)?)[\s\S]*?tests=([\s\S]*?)(?:autolearn|version)/m.exec(
        sa.stdout,
      );
    expect(status, sa.stdout.slice(0, 2000)).not.toBeNull();
    const [, , score, tests] = status as RegExpExecArray;
    console.log(`${corpus} ${date}: SpamAssassin score ${score} (${(tests ?? '').replace(/\s+/g, '')})`);
    expect(Number(score)).toBeLessThanOrEqual(0);
    // The rule the old hidden preheader (white text) set off.
    expect(tests).not.toContain('HTML_FONT_LOW_CONTRAST');
  });
});
