import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openStore, type Store } from '../../src/store/index.js';
import { startWebServer, type WebServer, type WebServerOptions } from '../../src/web/index.js';
import { cleanups, tempDir as freshDir, runCleanups } from '../helpers/cleanup.js';
import { ROOT, runCli } from '../helpers/cli.js';
import { rawRequest, statusLine } from '../helpers/http.js';

export { cleanups, ROOT, rawRequest, runCleanups, runCli, statusLine };

/** The secret every test signs with (long enough for requireSecret). */
export const SECRET = 'web-test-secret-web-test-secret-0123456789';
/** The repository's sample content and templates: 2026-11-20 .. 2026-11-24. */
export const SAMPLE = ['--content', join(ROOT, 'content'), '--templates', join(ROOT, 'templates')];

/** A fresh temporary folder, removed after the test. */
export function tempDir(): string {
  const dir = freshDir('digest-web-');
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A working folder whose database holds these subscribers, imported through the CLI. */
export async function workspace(emails: string[]): Promise<{ cwd: string; db: string }> {
  const cwd = tempDir();
  writeFileSync(
    join(cwd, 'subs.csv'),
    `email,name\n${emails.map((e, i) => `${e},Reader ${i + 1}`).join('\n')}\n`,
  );
  const r = await runCli(['subscribers', 'import', 'subs.csv'], { cwd });
  if (r.code !== 0) throw new Error(`import failed: ${r.stderr}`);
  return { cwd, db: join(cwd, 'data', 'digest.db') };
}

/** The store and a web server over it on 127.0.0.1, port 0; both closed after the test. */
export async function serve(
  db: string,
  options: Partial<WebServerOptions> = {},
): Promise<{ store: Store; server: WebServer; base: string }> {
  const store = openStore(db);
  const server = await startWebServer({ store, secret: SECRET, port: 0, ...options });
  cleanups.push(() => store.close());
  cleanups.push(() => server.close());
  return { store, server, base: server.url.replace(/\/$/, '') };
}

/** A subscriber's status as stored. */
export function statusOf(store: Store, email: string): string | undefined {
  const row = store.db.prepare('SELECT status FROM subscribers WHERE email = ?').get(email) as
    | { status: string }
    | undefined;
  return row?.status;
}

/** POST as mail clients do for RFC 8058 one-click unsubscribe. */
export function oneClick(url: string, body = 'List-Unsubscribe=One-Click'): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body,
    redirect: 'manual',
  });
}
