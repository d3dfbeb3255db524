import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { get, type IncomingMessage } from 'node:http';
import { connect, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as cheerio from 'cheerio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { DigestError } from '../../src/errors.js';
import type { BuildResult } from '../../src/pipeline.js';
import { type BuildSource, type PreviewServer, startPreview } from '../../src/preview/index.js';
import type { DigestReport } from '../../src/types.js';
import { waitFor } from './helpers.js';

const CANARY = 'CANARY-5f1e-do-not-serve';
const EMAIL = `<!doctype html><html><head><meta name="color-scheme" content="light dark"><style>
body{background:#fff}@media (prefers-color-scheme: dark){body{background:#111}}</style></head>
<body><h1>Top story</h1></body></html>`;

function fakeReport(date: string, timeZone: string, items: number): DigestReport {
  return {
    window: { since: `${date}T00:00:00.000Z`, until: `${date}T23:59:59.999Z`, timeZone, date },
    subject: `Digest ${date}`,
    preheader: 'pre',
    htmlBytes: EMAIL.length,
    textBytes: 10,
    sizeBudget: 102400,
    items: Array.from({ length: items }, (_, i) => ({
      title: `Story ${i + 1} of ${date}`,
      webUrl: `https://example.com/${i}`,
      quality: 10,
      heat: 1,
      publishedAt: `${date}T12:00:00.000Z`,
      provider: 'example.com',
      providerName: 'Example',
      path: `${date}-${i}.md`,
      alsoCoveredBy: [],
      related: [],
    })),
    considered: [],
    trimmed: [],
    counts: {
      files: items,
      inWindow: items,
      items,
      merged: 0,
      overProviderCap: 0,
      belowTop: 0,
      invalid: 0,
      excludedByTopic: 0,
      trimmedForSize: 0,
    },
  };
}

let cwd: string;
let server: PreviewServer;
const builds: string[] = [];

/** A pipeline stand-in: four days, one empty, one with a broken template. */
function standIn(): BuildSource {
  return {
    async listDays() {
      return [
        { date: '2020-09-13', articles: 2 },
        { date: '2020-09-12', articles: 1 },
        { date: '2020-09-11', articles: 1 },
        { date: '2020-09-10', articles: 1 },
      ];
    },
    async buildDay(date, timeZone, top) {
      builds.push(`${date}|${timeZone}|${top}`);
      if (date === '2020-09-11') {
        throw new DigestError('E_TEMPLATE', 'Cannot parse the template: bad <tag>', {
          file: join(cwd, 'templates', 'layout.mjml.hbs'),
          line: 2,
        });
      }
      const items = date === '2020-09-10' ? 0 : Math.min(top, 2);
      const result = {
        report: fakeReport(date, timeZone, items),
        rendered: items
          ? { subject: `Digest ${date}`, preheader: 'pre', html: EMAIL, text: '', mjml: '' }
          : undefined,
        problems: [],
      } as unknown as BuildResult;
      return { result, web: items ? { html: EMAIL, text: `TEXT ${date} ${timeZone}` } : undefined };
    },
  };
}

beforeAll(async () => {
  cwd = mkdtempSync(join(tmpdir(), 'digest-preview-server-'));
  mkdirSync(join(cwd, 'content'));
  mkdirSync(join(cwd, 'templates'));
  writeFileSync(join(cwd, 'templates', 'layout.mjml.hbs'), `<mjml>\n<bad>\n</mjml>\n`);
  writeFileSync(join(cwd, 'secret.txt'), CANARY);
  writeFileSync(join(cwd, 'content', 'secret.md'), CANARY);
  const config = loadConfig(cwd, {}, { timeZone: 'America/New_York', top: 5 }).config;
  server = await startPreview({ config, cwd, port: 0, source: standIn(), debounceMs: 150 });
});

afterAll(async () => {
  await server?.close();
  if (cwd) rmSync(cwd, { recursive: true, force: true });
});

interface RawAnswer {
  status: number;
  head: string;
  body: string;
}

/** Send bytes as they are (no client normalises `..` away) and read the answer until the server closes. */
function raw(bytes: string | Buffer, port = server.port): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('no answer within 5 s'));
    }, 5000);
    socket.on('data', (c) => chunks.push(c));
    socket.on('error', reject);
    socket.on('close', () => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString('latin1');
      const [head = '', body = ''] = text.split('\r\n\r\n', 2);
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0), head, body });
    });
    socket.write(bytes);
  });
}

const request = (target: string, host = '127.0.0.1') =>
  `GET ${target} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`;

describe('raw-socket traversal and bad requests', () => {
  it.each([
    '/../secret.txt',
    '/../../../../../../etc/passwd',
    '/digest/../secret.txt',
    '/digest/../../secret.txt',
    '/assets/../../secret.txt',
    '/digest/..%2f..%2fsecret.txt',
    '/%2e%2e/secret.txt',
    '/%2E%2E%2Fsecret.txt',
    '/.%2e/secret.txt',
    '/%252e%252e/secret.txt',
    '/%c0%ae%c0%ae/secret.txt',
    '/..%5csecret.txt',
    '/..\\secret.txt',
    '/secret.txt%00.html',
    '/digest/2020-09-13.html%00',
    '/digest/2020-09-13.json/..',
    '//secret.txt',
    '/secret.txt',
    '/content/secret.md',
    '/templates/layout.mjml.hbs',
    '/assets/../content/secret.md',
    'http://127.0.0.1/../secret.txt',
    '*',
  ])('GET %s: 400 or 404, nothing from disk', async (target) => {
    const answer = await raw(request(target));
    expect([400, 404]).toContain(answer.status);
    expect(answer.body).not.toContain(CANARY);
    expect(answer.body).not.toMatch(/root:.*:0:0:/);
    expect(answer.body).not.toContain('<bad>');
    expect(answer.head.toLowerCase()).toContain('x-content-type-options: nosniff');
  });

  it.each([
    [
      'a NUL byte in the path',
      Buffer.from('GET /secret.txt\u0000 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n', 'latin1'),
    ],
    ['a space in the path', 'GET /.. /secret.txt HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'],
    ['no HTTP version', 'GET /../secret.txt\r\n\r\n'],
    ['garbage', 'hello\r\n\r\n'],
  ])('%s: 400', async (_name, bytes) => {
    const answer = await raw(bytes);
    expect(answer.status).toBe(400);
    expect(answer.body).not.toContain(CANARY);
  });

  it('refuses a Host that is not this machine (DNS rebinding) and methods other than GET/HEAD', async () => {
    expect((await raw(request('/', 'evil.example'))).status).toBe(400);
    expect((await raw(request('/', 'localhost:1'))).status).toBe(200);
    const post = await raw(
      'POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n',
    );
    expect(post.status).toBe(405);
    expect(post.head).toMatch(/Allow: GET, HEAD/i);
  });
});

describe('routes and headers', () => {
  it.each([
    ['/', 'text/html', "default-src 'self'"],
    ['/digest/2020-09-13', 'text/html', "default-src 'self'"],
    ['/assets/preview.css', 'text/css', "default-src 'self'"],
    ['/assets/preview.js', 'text/javascript', "default-src 'self'"],
    ['/digest/2020-09-13.html', 'text/html', "default-src 'none'"],
    ['/digest/2020-09-13.txt', 'text/plain', "default-src 'none'"],
    ['/digest/2020-09-13.json', 'application/json', "default-src 'none'"],
  ])('%s is %s with a CSP and nosniff', async (path, type, csp) => {
    const res = await fetch(new URL(path, server.url));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain(type);
    expect(res.headers.get('content-security-policy')).toContain(csp);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('cache-control')).toBe('no-store');
  });

  it('serves the email sandboxed, frameable only by the preview, with dark emulation on request', async () => {
    const light = await fetch(new URL('/digest/2020-09-13.html', server.url));
    expect(light.headers.get('content-security-policy')).toMatch(/sandbox$/);
    expect(light.headers.get('content-security-policy')).toContain("frame-ancestors 'self'");
    expect(light.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(await light.text()).toBe(EMAIL);
    const dark = await (await fetch(new URL('/digest/2020-09-13.html?scheme=dark', server.url))).text();
    expect(dark).toContain('@media (min-width: 0px){body{background:#111}}');
    const page = await fetch(new URL('/digest/2020-09-13', server.url));
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
  });

  it('passes tz and top to the build and carries them in links', async () => {
    const text = await (
      await fetch(new URL('/digest/2020-09-13.txt?tz=Europe/Berlin&top=1', server.url))
    ).text();
    expect(text).toBe('TEXT 2020-09-13 Europe/Berlin');
    expect(builds).toContain('2020-09-13|Europe/Berlin|1');
    const $ = cheerio.load(
      await (await fetch(new URL('/digest/2020-09-13?tz=Europe/Berlin&top=1', server.url))).text(),
    );
    expect($('a[data-nav="prev"]').attr('href')).toBe('/digest/2020-09-12?tz=Europe%2FBerlin&top=1');
    expect($('#email-frame').attr('src')).toBe('/digest/2020-09-13.html?tz=Europe%2FBerlin&top=1');
    expect($('#email-frame').attr('data-src-dark')).toBe(
      '/digest/2020-09-13.html?tz=Europe%2FBerlin&top=1&scheme=dark',
    );
    expect($('#email-frame').attr('sandbox')).toBe('');
    expect($('a[data-nav="next"]').length).toBe(0);
    expect((await fetch(new URL('/digest/2020-09-13?tz=Mars/Olympus', server.url))).status).toBe(400);
  });

  it('says when sending would refuse the digest (the stand-in email has no unsubscribe link)', async () => {
    const $ = cheerio.load(await (await fetch(new URL('/digest/2020-09-13', server.url))).text());
    expect($('#send-warning').text()).toContain('no visible unsubscribe link');
    expect($('#headers').length).toBe(0);
  });

  it('answers an empty day: a page that says so, 404 for the email, the report as JSON', async () => {
    const $ = cheerio.load(await (await fetch(new URL('/digest/2020-09-10', server.url))).text());
    expect($('.empty-day h2').text()).toBe('No digest for this day');
    expect($('#email-frame').length).toBe(0);
    expect((await fetch(new URL('/digest/2020-09-10.html', server.url))).status).toBe(404);
    const report = (await (
      await fetch(new URL('/digest/2020-09-10.json', server.url))
    ).json()) as DigestReport;
    expect(report.items).toEqual([]);
  });

  it('shows a build error on the page naming file and line, 500 on the raw route, and keeps serving', async () => {
    const res = await fetch(new URL('/digest/2020-09-11', server.url));
    expect(res.status).toBe(200);
    const $ = cheerio.load(await res.text());
    expect($('#error-panel h2').text()).toContain('Template error');
    expect($('#error-panel .error-where code').text()).toBe('templates/layout.mjml.hbs, line 2');
    expect($('#error-panel .error-chain li').first().text()).toBe('Cannot parse the template: bad <tag>');
    expect($('#error-panel .hl').text()).toContain('<bad>');
    expect($('#error-panel bad').length).toBe(0);
    const rawRes = await fetch(new URL('/digest/2020-09-11.html', server.url));
    expect(rawRes.status).toBe(500);
    expect(rawRes.headers.get('content-type')).toContain('text/plain');
    expect((await fetch(server.url)).status).toBe(200);
  });

  it('lists days newest first and fills in headlines once the background builds finish', async () => {
    const rows = await waitFor(
      async () => {
        const $ = cheerio.load(await (await fetch(server.url)).text());
        if ($('.is-pending').length > 0) return undefined;
        return $('a.day')
          .map((_, a) => `${$(a).attr('data-date')} ${$(a).find('.headline').text()}`)
          .get();
      },
      10_000,
      'the index without pending rows',
    );
    expect(rows).toEqual([
      '2020-09-13 Story 1 of 2020-09-13',
      '2020-09-12 Story 1 of 2020-09-12',
      '2020-09-11 —',
      '2020-09-10 No items',
    ]);
    const $ = cheerio.load(await (await fetch(server.url)).text());
    expect($('#error-panel .error-where code').text()).toBe('templates/layout.mjml.hbs, line 2');
  });

  it('answers HEAD without a body', async () => {
    const answer = await raw(
      'HEAD /digest/2020-09-13.txt HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n',
    );
    expect(answer.status).toBe(200);
    expect(answer.body).toBe('');
  });
});

/** Open /events and collect the events as they come. */
function openEvents(): Promise<{ events: { event: string; data: string }[]; res: IncomingMessage }> {
  return new Promise((resolve, reject) => {
    const req = get(new URL('/events', server.url), (res) => {
      const events: { event: string; data: string }[] = [];
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let end = buffer.indexOf('\n\n');
        while (end !== -1) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (event && data) events.push({ event, data });
          end = buffer.indexOf('\n\n');
        }
      });
      resolve({ events, res });
    });
    req.on('error', reject);
  });
}

describe('live reload', () => {
  it('tells open pages once per burst of changes and rebuilds on the next request', async () => {
    const { events, res } = await openEvents();
    expect(res.headers['content-type']).toContain('text/event-stream');
    await waitFor(() => events.some((e) => e.event === 'hello'), 5000, 'the hello event');
    const before = server.version;
    const buildsBefore = builds.length;
    for (let i = 0; i < 5; i++) writeFileSync(join(cwd, 'content', `new-${i}.md`), `---\ntitle: ${i}\n---\n`);
    const change = await waitFor(() => events.find((e) => e.event === 'change'), 5000, 'a change event');
    expect(JSON.parse(change.data).version).toBeGreaterThan(before);
    // Debounced: five files in one burst are not five reloads.
    expect(events.filter((e) => e.event === 'change').length).toBeLessThanOrEqual(2);
    expect(builds.length).toBe(buildsBefore);
    await fetch(new URL('/digest/2020-09-13.txt', server.url));
    expect(builds.length).toBe(buildsBefore + 1);
    res.destroy();
  });
});

describe('ports and shutdown', () => {
  let blocker: Server;
  let taken: number;
  beforeAll(async () => {
    blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    taken = (blocker.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((r) => blocker.close(() => r())));

  it('moves on to the next free port when the one asked for is taken', async () => {
    const config = loadConfig(cwd, {}, {}).config;
    const other = await startPreview({ config, cwd, port: taken, source: standIn(), watch: false });
    try {
      expect(other.requestedPort).toBe(taken);
      expect(other.port).toBeGreaterThan(taken);
      expect(other.port).toBeLessThan(taken + 20);
      expect(other.url).toBe(`http://127.0.0.1:${other.port}/`);
    } finally {
      await other.close();
    }
  });

  it('says which ports were taken when it may not move on', async () => {
    const config = loadConfig(cwd, {}, {}).config;
    const attempt = startPreview({
      config,
      cwd,
      port: taken,
      portAttempts: 1,
      source: standIn(),
      watch: false,
    });
    await expect(attempt).rejects.toMatchObject({ code: 'E_IO', field: '--port' });
  });

  it('closes with a live-reload stream open, and then refuses connections', async () => {
    const config = loadConfig(cwd, {}, {}).config;
    const other = await startPreview({ config, cwd, port: 0, source: standIn() });
    const ended = new Promise<void>((resolve, reject) => {
      const req = get(new URL('/events', other.url), (res) => {
        res.resume();
        res.on('close', () => resolve());
      });
      req.on('error', reject);
    });
    await waitFor(async () => (await fetch(other.url)).ok, 5000, 'the second server');
    await other.close();
    await ended;
    await expect(fetch(other.url)).rejects.toThrow();
    await other.close();
  });
});
