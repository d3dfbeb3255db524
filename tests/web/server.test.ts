import * as cheerio from 'cheerio';
import { afterEach, describe, expect, it } from 'vitest';
import { signToken } from '../../src/deliver/index.js';
import type { Store, Subscriber } from '../../src/store/index.js';
import { RESUBSCRIBE_TTL_MS, startWebServer } from '../../src/web/index.js';
import { cleanups, oneClick, runCleanups, SECRET, serve, statusOf, workspace } from './helpers.js';

afterEach(runCleanups);

const EMAILS = ['ada@example.com', 'bob@example.com', 'cy@example.org'];

async function subscriber(store: Store, email: string): Promise<Subscriber> {
  const found = await store.subscribers.findByEmail(email);
  if (!found) throw new Error(`no subscriber ${email}`);
  return found;
}

const unsubToken = (s: Subscriber, secret = SECRET) =>
  signToken({ purpose: 'unsub', subscriberId: s.id, email: s.email }, secret);

/** Change one character of the token, keeping it well-formed base64url. */
function alter(token: string, at: number): string {
  const c = token[at] as string;
  return token.slice(0, at) + (c === 'A' ? 'B' : 'A') + token.slice(at + 1);
}

describe('one-click unsubscribe', () => {
  it('POST with List-Unsubscribe=One-Click unsubscribes at once, answers 200 without a redirect, and repeating it is harmless', async () => {
    const { db } = await workspace(EMAILS);
    const { store, base } = await serve(db);
    const bob = await subscriber(store, 'bob@example.com');
    const url = `${base}/unsubscribe?token=${unsubToken(bob)}`;
    const first = await oneClick(url);
    expect(first.status).toBe(200);
    expect(statusOf(store, 'bob@example.com')).toBe('unsubscribed');
    expect(statusOf(store, 'ada@example.com')).toBe('active');
    expect(statusOf(store, 'cy@example.org')).toBe('active');
    const $ = cheerio.load(await first.text());
    expect($('h1').text()).toMatch(/unsubscribed/i);
    // The way back: one form that POSTs a signed resubscribe token.
    const form = $('form[method="post"]');
    expect(form).toHaveLength(1);
    expect(form.attr('action')).toMatch(/^\.\/resubscribe\?token=[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
    const again = await oneClick(url);
    expect(again.status).toBe(200);
    expect(statusOf(store, 'bob@example.com')).toBe('unsubscribed');
    const unsubscribedAt = (await subscriber(store, 'bob@example.com')).unsubscribedAt;
    expect(unsubscribedAt).not.toBeNull();
    await oneClick(url);
    expect((await subscriber(store, 'bob@example.com')).unsubscribedAt).toBe(unsubscribedAt);
  });

  it('accepts the one-click POST as multipart/form-data and with an empty body too', async () => {
    const { db } = await workspace(EMAILS);
    const { store, base } = await serve(db);
    const form = new FormData();
    form.set('List-Unsubscribe', 'One-Click');
    const ada = await subscriber(store, 'ada@example.com');
    const r1 = await fetch(`${base}/unsubscribe?token=${unsubToken(ada)}`, { method: 'POST', body: form });
    expect(r1.status).toBe(200);
    expect(statusOf(store, 'ada@example.com')).toBe('unsubscribed');
    const cy = await subscriber(store, 'cy@example.org');
    const r2 = await fetch(`${base}/unsubscribe?token=${unsubToken(cy)}`, { method: 'POST' });
    expect(r2.status).toBe(200);
    expect(statusOf(store, 'cy@example.org')).toBe('unsubscribed');
  });

  it('GET shows one button that POSTs, and never unsubscribes by itself (nor does HEAD)', async () => {
    const { db } = await workspace(EMAILS);
    const { store, base } = await serve(db);
    const ada = await subscriber(store, 'ada@example.com');
    const token = unsubToken(ada);
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${base}/unsubscribe?token=${token}`);
      expect(res.status).toBe(200);
      const $ = cheerio.load(await res.text());
      const forms = $('form');
      expect(forms).toHaveLength(1);
      expect(forms.attr('method')).toBe('post');
      expect(forms.attr('action')).toBe(`./unsubscribe?token=${token}`);
      expect(forms.find('input[type="hidden"][name="List-Unsubscribe"]').attr('value')).toBe('One-Click');
      expect(forms.find('button[type="submit"]').text()).toBe('Unsubscribe');
      expect($('script')).toHaveLength(0);
      expect($('meta[name="robots"]').attr('content')).toContain('noindex');
    }
    const head = await fetch(`${base}/unsubscribe?token=${token}`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(statusOf(store, 'ada@example.com')).toBe('active');
  });

  it('GET /unsubscribe without a token (the web copy’s link) explains where the personal link is', async () => {
    const { db } = await workspace(EMAILS);
    const { base } = await serve(db);
    const res = await fetch(`${base}/unsubscribe`);
    expect(res.status).toBe(200);
    const $ = cheerio.load(await res.text());
    expect($('form')).toHaveLength(0);
    expect($('main').text()).toMatch(/link at the bottom of a digest/);
  });
});

describe('bad tokens: one 400, the same whatever the reason', () => {
  it('refuses altered, forged, malformed, wrong-purpose and unknown-address tokens with an identical body', async () => {
    const { db } = await workspace(EMAILS);
    const { store, base } = await serve(db);
    const ada = await subscriber(store, 'ada@example.com');
    const good = unsubToken(ada);
    const [payload = '', signature = ''] = good.split('.');
    const resub = signToken({ purpose: 'resub', subscriberId: ada.id, email: ada.email }, SECRET);
    const cases: [string, string][] = [
      ['one character of the payload changed', alter(good, 3)],
      ['one character of the signature changed', alter(good, payload.length + 5)],
      ['last character changed', alter(good, good.length - 1)],
      ['cut short', good.slice(0, -1)],
      ['signed with another secret', unsubToken(ada, 'another-secret-another-secret-another-secret')],
      [
        'unknown address, right secret',
        signToken({ purpose: 'unsub', subscriberId: 999_999, email: 'nobody@example.com' }, SECRET),
      ],
      [
        'known id, another address',
        signToken({ purpose: 'unsub', subscriberId: ada.id, email: 'eve@example.com' }, SECRET),
      ],
      ['a resubscribe token', resub],
      ['no signature', payload],
      ['empty', ''],
      ['garbage', 'not-a-token'],
      ['two tokens', `${good}&token=${good}`],
      ['payload from one, signature from another', `${resub.split('.')[0]}.${signature}`],
    ];
    const bodies = new Set<string>();
    for (const [label, token] of cases) {
      for (const method of ['GET', 'POST']) {
        const res = await fetch(`${base}/unsubscribe?token=${token}`, {
          method,
          body: method === 'POST' ? 'List-Unsubscribe=One-Click' : undefined,
        });
        expect(res.status, `${method} ${label}`).toBe(400);
        bodies.add(await res.text());
      }
    }
    expect(bodies.size).toBe(1);
    const $ = cheerio.load([...bodies][0] as string);
    expect($('h1').text()).toBe('This link does not work');
    for (const email of EMAILS) expect(statusOf(store, email)).toBe('active');
  });

  it('answers a token for a removed subscriber with the same 400 as a forged one', async () => {
    const { db } = await workspace(EMAILS);
    const { store, base } = await serve(db);
    const cy = await subscriber(store, 'cy@example.org');
    const forged = await oneClick(`${base}/unsubscribe?token=${alter(unsubToken(cy), 4)}`);
    await store.subscribers.remove('cy@example.org');
    const removed = await oneClick(`${base}/unsubscribe?token=${unsubToken(cy)}`);
    expect(removed.status).toBe(400);
    expect(forged.status).toBe(400);
    expect(await removed.text()).toBe(await forged.text());
  });
});

describe('subscribe again', () => {
  it('the page after unsubscribing subscribes again with one click; GET alone changes nothing', async () => {
    const { db } = await workspace(EMAILS);
    const { store, base } = await serve(db);
    const bob = await subscriber(store, 'bob@example.com');
    const done = cheerio.load(await (await oneClick(`${base}/unsubscribe?token=${unsubToken(bob)}`)).text());
    const action = done('form').attr('action') as string;
    const resubUrl = new URL(action, `${base}/unsubscribe`).href;
    const view = await fetch(resubUrl);
    expect(view.status).toBe(200);
    expect(
      cheerio
        .load(await view.text())('form button')
        .text(),
    ).toBe('Subscribe again');
    expect(statusOf(store, 'bob@example.com')).toBe('unsubscribed');
    const back = await fetch(resubUrl, { method: 'POST' });
    expect(back.status).toBe(200);
    expect(statusOf(store, 'bob@example.com')).toBe('active');
    // ... and that page offers to unsubscribe again, with a token that works.
    const $ = cheerio.load(await back.text());
    const unsubUrl = new URL($('form').attr('action') as string, resubUrl).href;
    expect((await oneClick(unsubUrl)).status).toBe(200);
    expect(statusOf(store, 'bob@example.com')).toBe('unsubscribed');
  });

  it('a resubscribe link expires after RESUBSCRIBE_TTL_MS and is refused like any bad link', async () => {
    const { db } = await workspace(EMAILS);
    let now = new Date('2026-11-29T12:00:00Z');
    const { store, base } = await serve(db, { now: () => now });
    const bob = await subscriber(store, 'bob@example.com');
    const page = cheerio.load(await (await oneClick(`${base}/unsubscribe?token=${unsubToken(bob)}`)).text());
    const resubUrl = new URL(page('form').attr('action') as string, `${base}/unsubscribe`).href;
    now = new Date(now.getTime() + RESUBSCRIBE_TTL_MS + 1000);
    const late = await fetch(resubUrl, { method: 'POST' });
    expect(late.status).toBe(400);
    expect(
      cheerio
        .load(await late.text())('h1')
        .text(),
    ).toBe('This link does not work');
    expect(statusOf(store, 'bob@example.com')).toBe('unsubscribed');
    // An unsubscribe token is refused on the resubscribe route.
    expect((await fetch(`${base}/resubscribe?token=${unsubToken(bob)}`, { method: 'POST' })).status).toBe(
      400,
    );
  });
});

describe('limits and headers', () => {
  it('refuses a body over the limit with 413, declared or chunked, and changes nothing', async () => {
    const { db } = await workspace(EMAILS);
    const { store, base } = await serve(db);
    const ada = await subscriber(store, 'ada@example.com');
    const url = `${base}/unsubscribe?token=${unsubToken(ada)}`;
    const big = `List-Unsubscribe=One-Click&pad=${'x'.repeat(10_000)}`;
    const declared = await oneClick(url, big);
    expect(declared.status).toBe(413);
    expect(declared.headers.get('connection')).toBe('close');
    const chunks = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 8; i++) controller.enqueue(new TextEncoder().encode('y'.repeat(1024)));
        controller.close();
      },
    });
    const chunked = await fetch(url, { method: 'POST', body: chunks, duplex: 'half' } as RequestInit);
    expect(chunked.status).toBe(413);
    expect(statusOf(store, 'ada@example.com')).toBe('active');
    // Just under the limit is fine.
    const fits = await oneClick(url, `List-Unsubscribe=One-Click&pad=${'x'.repeat(4000)}`);
    expect(fits.status).toBe(200);
  });

  it('rate-limits /unsubscribe per client address with 429 and Retry-After, then lets it through again', async () => {
    const { db } = await workspace(EMAILS);
    let now = new Date('2026-11-29T12:00:00Z');
    const { store, base } = await serve(db, { now: () => now, rateLimit: { burst: 3, perMinute: 6 } });
    const ada = await subscriber(store, 'ada@example.com');
    const url = `${base}/unsubscribe?token=${unsubToken(ada)}`;
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await fetch(url)).status);
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    const limited = await oneClick(url);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(statusOf(store, 'ada@example.com')).toBe('active');
    // The archive is not limited.
    expect((await fetch(`${base}/archive`)).status).toBe(200);
    now = new Date(now.getTime() + 10_000);
    expect((await oneClick(url)).status).toBe(200);
    expect(statusOf(store, 'ada@example.com')).toBe('unsubscribed');
  });

  it('counts by the last X-Forwarded-For address only with trustProxy', async () => {
    const { db } = await workspace(EMAILS);
    const { base } = await serve(db, { trustProxy: true, rateLimit: { burst: 1, perMinute: 1 } });
    const get = (xff: string) => fetch(`${base}/unsubscribe`, { headers: { 'X-Forwarded-For': xff } });
    expect((await get('203.0.113.9, 198.51.100.1')).status).toBe(200);
    expect((await get('203.0.113.10, 198.51.100.1')).status).toBe(429);
    expect((await get('198.51.100.2')).status).toBe(200);
  });

  it.each([['/'], ['/archive'], ['/unsubscribe'], ['/healthz'], ['/assets/site.css'], ['/nope']])(
    '%s carries nosniff, no framing and a CSP',
    async (path) => {
      const { db } = await workspace(EMAILS);
      const { base } = await serve(db);
      const res = await fetch(base + path);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toContain("default-src 'none'");
      expect(csp).not.toContain('script-src');
    },
  );

  it('token pages are never cached; the unsubscribe page may only post to itself', async () => {
    const { db } = await workspace(EMAILS);
    const { store, base } = await serve(db);
    const res = await fetch(
      `${base}/unsubscribe?token=${unsubToken(await subscriber(store, 'ada@example.com'))}`,
    );
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('content-security-policy')).toContain("form-action 'self'");
  });

  it('answers 405 with Allow for other methods, and /healthz 200 while the database can be read', async () => {
    const { db } = await workspace(EMAILS);
    const { store, base } = await serve(db);
    const put = await fetch(`${base}/unsubscribe`, { method: 'PUT' });
    expect(put.status).toBe(405);
    expect(put.headers.get('allow')).toBe('GET, HEAD, POST');
    const postArchive = await fetch(`${base}/archive`, { method: 'POST' });
    expect(postArchive.status).toBe(405);
    expect(postArchive.headers.get('allow')).toBe('GET, HEAD');
    const ok = await fetch(`${base}/healthz`);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe('ok\n');
    store.close();
    const down = await fetch(`${base}/healthz`);
    expect(down.status).toBe(503);
  });
});

describe('startWebServer', () => {
  it.each([
    ['missing', ''],
    ['too short', 'short-secret'],
  ])('refuses to start when the secret is %s', async (_label, secret) => {
    const { db } = await workspace(EMAILS);
    const { store } = await serve(db);
    await expect(startWebServer({ store, secret, port: 0 })).rejects.toMatchObject({ code: 'E_SECRET' });
  });

  it('names the taken port instead of picking another', async () => {
    const { db } = await workspace(EMAILS);
    const { store, server } = await serve(db);
    const second = startWebServer({ store, secret: SECRET, port: server.port });
    await expect(second).rejects.toMatchObject({ code: 'E_IO', field: '--port' });
    cleanups.push(async () => (await second.catch(() => undefined))?.close());
  });
});
