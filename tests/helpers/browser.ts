import {
  accessSync,
  constants,
  existsSync,
  mkdirSync,
  mkdtempSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { homedir, tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { type Browser, type BrowserContext, type BrowserContextOptions, chromium } from 'playwright-core';

/** A 1x1 transparent PNG: what article images get, since no test talks to the internet. */
export const PNG_1PX = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=',
  'base64',
);

/** Where the browser came from: the variable, an installed browser, or the npm package. */
export type ChromiumSource = 'CHROMIUM_PATH' | 'system' | '@sparticuz/chromium';

export interface FoundChromium {
  path: string;
  source: ChromiumSource;
  /** Extra environment for the browser process (the packaged browser brings its own fonts). */
  env?: Record<string, string>;
}

const PATH_NAMES = ['chromium', 'chromium-browser', 'google-chrome-stable', 'google-chrome', 'chrome'];

/** Installed Chromium or Chrome, in the order they are tried, for this platform. */
export function systemChromiumPaths(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
): string[] {
  if (platform === 'darwin') {
    const apps = ['Google Chrome.app/Contents/MacOS/Google Chrome', 'Chromium.app/Contents/MacOS/Chromium'];
    return [...apps.map((a) => `/Applications/${a}`), ...apps.map((a) => join(homedir(), 'Applications', a))];
  }
  if (platform === 'win32') {
    const roots = [env.PROGRAMFILES, env['PROGRAMFILES(X86)'], env.LOCALAPPDATA].filter(Boolean) as string[];
    return roots.flatMap((r) => [
      join(r, 'Google/Chrome/Application/chrome.exe'),
      join(r, 'Chromium/Application/chrome.exe'),
    ]);
  }
  const dirs = (env.PATH ?? '').split(delimiter).filter(Boolean);
  return [...PATH_NAMES.flatMap((name) => dirs.map((d) => join(d, name))), '/snap/bin/chromium'];
}

function isExecutableFile(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/**
 * Finds a browser for the tests, in this order: `CHROMIUM_PATH`, an installed Chromium or Chrome,
 * then the Chromium inside the `@sparticuz/chromium` devDependency (Linux x64; unpacked once per version).
 * Throws one paragraph that says what was tried and how to fix it.
 */
export async function findChromium(
  env: NodeJS.ProcessEnv = process.env,
  systemPaths: string[] = systemChromiumPaths(env),
): Promise<FoundChromium> {
  const fromEnv = env.CHROMIUM_PATH;
  if (fromEnv) {
    if (isExecutableFile(fromEnv)) return { path: fromEnv, source: 'CHROMIUM_PATH' };
    throw new Error(
      `CHROMIUM_PATH is set to ${fromEnv}, which is not an executable file. Point it at a Chromium or Chrome binary, or unset it to let the tests find one.`,
    );
  }
  const installed = systemPaths.find(isExecutableFile);
  if (installed) return { path: installed, source: 'system' };
  if (process.platform === 'linux' && process.arch === 'x64') return unpackSparticuz();
  throw new Error(
    `No Chromium or Chrome found (tried CHROMIUM_PATH and ${systemPaths.length} usual places), and the packaged Chromium in @sparticuz/chromium runs only on Linux x64. Install Chrome or Chromium, or set CHROMIUM_PATH=/path/to/chrome.`,
  );
}

/**
 * The packaged browser, unpacked into a folder named for its version. Test files run in parallel
 * processes, so each unpacks into its own staging folder and renames it into place: a browser is
 * never seen half-written, and the loser of a race just deletes its copy.
 */
async function unpackSparticuz(): Promise<FoundChromium> {
  const require = createRequire(import.meta.url);
  let entry: string;
  try {
    entry = require.resolve('@sparticuz/chromium');
  } catch {
    throw new Error(
      'No Chromium or Chrome found, and @sparticuz/chromium is not installed. Run `npm install` (it is a devDependency), install Chromium, or set CHROMIUM_PATH=/path/to/chrome.',
    );
  }
  // The entry is build/index.js in some versions, build/cjs/index.cjs in others: the package is where bin/ is.
  let packageDir = dirname(entry);
  for (let up = 0; up < 4 && !existsSync(join(packageDir, 'bin', 'chromium.br')); up++)
    packageDir = dirname(packageDir);
  const { version } = require(join(packageDir, 'package.json')) as { version: string };
  const home = join(tmpdir(), `news-digest-chromium-${version}`);
  const found = (): FoundChromium => ({
    path: join(home, 'chromium'),
    source: '@sparticuz/chromium',
    env: { FONTCONFIG_PATH: join(home, 'fonts') },
  });
  if (isExecutableFile(join(home, 'chromium'))) return found();

  const { inflate } = (await import('@sparticuz/chromium')) as { inflate: (file: string) => Promise<string> };
  mkdirSync(tmpdir(), { recursive: true });
  const staging = mkdtempSync(`${home}.partial-`);
  // inflate() writes into os.tmpdir(), which reads TMPDIR when called: point it at the staging folder.
  const saved = process.env.TMPDIR;
  process.env.TMPDIR = staging;
  let unpacking: Promise<string[]>;
  try {
    unpacking = Promise.all(
      ['chromium.br', 'fonts.tar.br', 'swiftshader.tar.br'].map((f) => inflate(join(packageDir, 'bin', f))),
    );
  } finally {
    if (saved === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = saved;
  }
  await unpacking;
  // The package's fonts.conf names Lambda's folders (/tmp/fonts); name where its fonts are now, and the system's.
  writeFileSync(
    join(staging, 'fonts', 'fonts.conf'),
    `<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n${[join(home, 'fonts', 'fonts'), '/usr/share/fonts', '/usr/local/share/fonts'].map((d) => `  <dir>${d}</dir>\n`).join('')}  <cachedir>${join(home, 'fonts-cache')}</cachedir>\n</fontconfig>\n`,
  );
  try {
    renameSync(staging, home);
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    if (!existsSync(join(home, 'chromium'))) throw error;
  }
  return found();
}

let announced = false;

/** A headless Chromium (the one findChromium finds, unless given), with nothing talking to the network on its own. */
export async function launchChromium(given?: FoundChromium): Promise<Browser> {
  const found = given ?? (await findChromium());
  if (process.env.DEBUG && !announced) {
    announced = true;
    process.stderr.write(`tests: Chromium from ${found.source}: ${found.path}\n`);
  }
  return chromium.launch({
    executablePath: found.path,
    timeout: 30_000,
    ...(found.env ? { env: { ...process.env, ...found.env } } : {}),
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** A browser context that reaches only 127.0.0.1: remote images get PNG_1PX, anything else remote is refused. */
export async function offlineContext(
  browser: Browser,
  options: BrowserContextOptions = {},
): Promise<BrowserContext> {
  const context = await browser.newContext(options);
  await context.route('**/*', (route) => {
    const url = new URL(route.request().url());
    if (url.hostname === '127.0.0.1') return route.continue();
    if (route.request().resourceType() === 'image') {
      return route.fulfill({ status: 200, contentType: 'image/png', body: PNG_1PX });
    }
    return route.abort();
  });
  return context;
}
