import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findChromium, launchChromium, systemChromiumPaths } from './browser.js';
import { tempDir } from './cleanup.js';

const dir = tempDir('digest-browser-');
const executable = join(dir, 'chrome');
writeFileSync(executable, '#!/bin/sh\n');
chmodSync(executable, 0o755);
const plainFile = join(dir, 'chromium');
writeFileSync(plainFile, '');
chmodSync(plainFile, 0o644);

describe('findChromium', () => {
  it('takes CHROMIUM_PATH first, even when an installed browser exists', async () => {
    const found = await findChromium({ CHROMIUM_PATH: executable }, ['/usr/bin/chromium']);
    expect(found).toEqual({ path: executable, source: 'CHROMIUM_PATH' });
  });

  it.each([[join(dir, 'missing')], [plainFile]])(
    'says CHROMIUM_PATH=%s is not a browser instead of looking elsewhere',
    async (path) => {
      await expect(findChromium({ CHROMIUM_PATH: path }, [executable])).rejects.toThrow(
        `CHROMIUM_PATH is set to ${path}, which is not an executable file.`,
      );
    },
  );

  it('skips places that are missing or not executable (a hidden /usr/bin/chromium) and takes the first browser', async () => {
    const found = await findChromium({}, [join(dir, 'missing'), plainFile, executable]);
    expect(found).toEqual({ path: executable, source: 'system' });
  });

  it('looks on PATH under the usual names, in order', () => {
    expect(systemChromiumPaths({ PATH: '/a:/b' }, 'linux').slice(0, 4)).toEqual([
      '/a/chromium',
      '/b/chromium',
      '/a/chromium-browser',
      '/b/chromium-browser',
    ]);
    expect(systemChromiumPaths({}, 'darwin')[0]).toBe(
      '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
    );
  });
});

describe.runIf(process.platform === 'linux' && process.arch === 'x64')('the packaged Chromium', () => {
  let close: (() => Promise<void>) | undefined;
  afterAll(async () => close?.());

  it('is unpacked from @sparticuz/chromium when nothing is installed, and renders a page', async () => {
    const found = await findChromium({}, []);
    expect(found.source).toBe('@sparticuz/chromium');
    const browser = await launchChromium(found);
    close = () => browser.close();
    const page = await browser.newPage();
    await page.setContent('<span style="font: 20px sans-serif">Hello</span>');
    expect(await page.evaluate('navigator.userAgent')).toMatch(/HeadlessChrome\/\d+/);
    // Text takes room only if the browser found a font to draw it with.
    const width = await page.evaluate("document.querySelector('span').getBoundingClientRect().width");
    expect(width).toBeGreaterThan(20);
  });
});
