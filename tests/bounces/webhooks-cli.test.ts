import { afterEach, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.js';
import { startServe } from '../helpers/serve.js';
import { runCleanups, runCli, SECRET, workspace } from '../web/helpers.js';
import { GENERIC_SECRET, genericHeaders, post, stateOf } from './webhooks-helpers.js';

afterEach(runCleanups);

describe('digest serve with webhooks', () => {
  it('lists the enabled webhooks, and a signed generic event sent to it suppresses the address in the database', async () => {
    const { cwd, db } = await workspace(['ada@example.com', 'bob@example.com']);
    const run = await startServe(cwd, ['--port', '0'], {
      DIGEST_SECRET: SECRET,
      DIGEST_WEBHOOK_SECRET: GENERIC_SECRET,
    });
    expect(run.stderr()).toContain('Webhooks: /webhooks/generic\n');
    const body = JSON.stringify({
      events: [{ email: 'bob@example.com', kind: 'complaint', sourceId: 'fbl-1' }],
    });
    const r = await post(
      `${run.url}webhooks/generic`,
      body,
      genericHeaders(body, Math.floor(Date.now() / 1000)),
    );
    expect(r.status).toBe(200);
    // Mailgun has no key here: off.
    expect((await post(`${run.url}webhooks/mailgun`, '{}')).status).toBe(404);
    run.stop();
    expect(await run.exit).toBe(0);
    expect(run.stderr()).toMatch(
      /webhook generic: 1 recorded, 0 already known, 0 ignored, 0 unrecognised; suppressed bob@example.com \(complained\)/,
    );
    const store = openStore(db);
    try {
      expect(await stateOf(store, 'bob@example.com')).toEqual({
        status: 'unsubscribed',
        reason: 'complained',
      });
      expect(await stateOf(store, 'ada@example.com')).toEqual({ status: 'active', reason: null });
    } finally {
      store.close();
    }
  });

  it('says none are enabled without secrets, and refuses to start with a short DIGEST_WEBHOOK_SECRET or half the Postmark pair', async () => {
    const { cwd } = await workspace(['ada@example.com']);
    const run = await startServe(cwd, ['--port', '0'], { DIGEST_SECRET: SECRET });
    expect(run.stderr()).toContain('Webhooks: none enabled (docs/webhooks.md)');
    run.stop();
    expect(await run.exit).toBe(0);
    const short = await runCli(['serve', '--port', '0'], {
      cwd,
      env: { DIGEST_SECRET: SECRET, DIGEST_WEBHOOK_SECRET: 'short' },
    });
    expect(short.code).toBe(1);
    expect(short.stderr).toContain('DIGEST_WEBHOOK_SECRET is 5 characters; it must be at least 32');
    const half = await runCli(['serve', '--port', '0'], {
      cwd,
      env: { DIGEST_SECRET: SECRET, POSTMARK_WEBHOOK_USER: 'pm' },
    });
    expect(half.code).toBe(1);
    expect(half.stderr).toContain('only one of POSTMARK_WEBHOOK_USER and POSTMARK_WEBHOOK_PASSWORD is set');
  });
});
