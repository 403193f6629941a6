// `npm run dev` serves the web app from the Next dev server through the Mixroom server. What the
// browser must get: the pages and scripts with the cross-origin isolation headers (without them
// SharedArrayBuffer is off and the session page cannot stream), /s/<id> mapped to the session page
// as with the static export, and Next's hot-reload websocket piped through. A plain HTTP server
// stands in for `next dev`; the Mixroom server is the real one.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { createSession, fetchAs, pglite, startServer, type TestDatabase, type TestServer } from '../test-support.js';

describe('npm run dev: pages proxied from the Next dev server', () => {
  let database: TestDatabase;
  let s: TestServer;
  let next: Server;
  const seen: { method?: string; url?: string; host?: string }[] = [];
  beforeAll(async () => {
    next = createServer((req: IncomingMessage, res) => {
      seen.push({ method: req.method, url: req.url, host: req.headers.host });
      const body = `next dev page for ${req.url}`;
      if (req.url === '/_not-found') return void res.writeHead(404, { 'Content-Type': 'text/html' }).end(body);
      res.writeHead(200, { 'Content-Type': req.url?.endsWith('.js') ? 'text/javascript' : 'text/html' }).end(body);
    });
    const hmr = new WebSocketServer({ noServer: true });
    next.on('upgrade', (req, socket, head) => {
      hmr.handleUpgrade(req, socket, head, (ws) => ws.on('message', (m) => ws.send(`echo ${m.toString()}`)));
    });
    await new Promise<void>((r) => next.listen(0, '127.0.0.1', r));
    database = await pglite.create();
    s = await startServer({ ...database.config, devWebUrl: `http://127.0.0.1:${(next.address() as AddressInfo).port}` }, { seed: false });
  });
  afterAll(async () => {
    await s?.server.close();
    await database?.cleanup();
    await new Promise((r) => next?.close(r));
  });

  it('serves pages and scripts from next dev with the cross-origin isolation headers, keeping the browser\'s Host', async () => {
    for (const path of ['/', '/signin', '/_next/static/chunks/app.js']) {
      const res = await fetch(`${s.url}${path}`);
      expect(res.status).toBe(200);
      expect(await res.text()).toBe(`next dev page for ${path}`);
      expect(res.headers.get('cross-origin-opener-policy')).toBe('same-origin');
      expect(res.headers.get('cross-origin-embedder-policy')).toBe('require-corp');
    }
    expect(seen.at(-1)!.host).toBe(new URL(s.url).host);
  });

  it('maps /s/<id> to the session page and an unknown session to the 404 page; the API stays the server\'s own', async () => {
    const id = await createSession(s, 'Dev');
    const page = await fetchAs(s.owner, `${s.url}/s/${id}`);
    expect(page.status).toBe(200);
    expect(await page.text()).toBe('next dev page for /session');
    const unknown = await fetchAs(s.owner, `${s.url}/s/nope`);
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('cross-origin-embedder-policy')).toBe('require-corp');
    const api = await fetchAs(s.owner, `${s.url}/api/sessions/${id}`);
    expect(api.status).toBe(200);
    expect(seen.some((r) => r.url?.startsWith('/api/'))).toBe(false);
  });

  it('pipes the hot-reload websocket under /_next/ both ways', async () => {
    const ws = new WebSocket(`${s.url.replace('http', 'ws')}/_next/webpack-hmr`);
    await new Promise<void>((resolve, reject) => { ws.once('open', () => resolve()); ws.once('error', reject); });
    const reply = new Promise<string>((resolve) => ws.once('message', (m) => resolve(m.toString())));
    ws.send('hello');
    expect(await reply).toBe('echo hello');
    ws.close();
  });
});
