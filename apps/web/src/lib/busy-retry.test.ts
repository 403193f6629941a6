// A busy server (503 database_busy + Retry-After, as apps/server answers when its database is
// saturated) is waited out: the request is sent again after the advised wait, the page says
// "The server is busy, retrying…" meanwhile, and the caller gets the eventual answer.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fetchRetryingWhenBusy, retryAfterMs, serverBusy } from './busy-retry';

let server: Server;
let url: string;
let busyFor = 0;
const seen: { at: number; body: string }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      seen.push({ at: performance.now(), body });
      if (seen.length <= busyFor) {
        res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '2' });
        res.end(JSON.stringify({ error: { code: 'database_busy', message: 'the database is busy; try again shortly' } }));
      } else {
        res.writeHead(201, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ id: 'made' }));
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/sessions`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));
beforeEach(() => {
  seen.length = 0;
});

describe('requests to a busy server', () => {
  it('are sent again after the advised wait (growing), say the server is busy meanwhile, and return the real answer', async () => {
    busyFor = 3;
    const states: boolean[] = [];
    const off = serverBusy.subscribe(() => states.push(serverBusy.getSnapshot()));
    // scale 0.01: Retry-After 2 s → 20, 40, 80 ms.
    const res = await fetchRetryingWhenBusy(url, { method: 'POST', body: JSON.stringify({ title: 'Take 2' }) }, { scale: 0.01 });
    off();
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({ id: 'made' });
    expect(seen).toHaveLength(4);
    expect(seen.every((s) => s.body === '{"title":"Take 2"}')).toBe(true);
    const gaps = seen.slice(1).map((s, i) => s.at - seen[i].at);
    // Lower bounds only (a loaded machine is slower, never faster): 2 s, then doubled.
    expect(gaps[0]).toBeGreaterThanOrEqual(19);
    expect(gaps[1]).toBeGreaterThanOrEqual(39);
    expect(gaps[2]).toBeGreaterThanOrEqual(79);
    expect(states).toEqual([true, false]);
    expect(serverBusy.getSnapshot()).toBe(false);
  });

  it('give up after the retries with the last 503 (the caller shows its error), and the busy notice goes away', async () => {
    busyFor = 100;
    const res = await fetchRetryingWhenBusy(url, { method: 'GET' }, { retries: 2, scale: 0.001 });
    expect(res.status).toBe(503);
    expect(seen).toHaveLength(3);
    expect(serverBusy.getSnapshot()).toBe(false);
  });

  it('a 503 without Retry-After (a proxy\'s, say) is not retried', async () => {
    const plain = createServer((_req, res) => { seen.push({ at: 0, body: '' }); res.writeHead(503).end(); });
    await new Promise<void>((r) => plain.listen(0, '127.0.0.1', r));
    const res = await fetchRetryingWhenBusy(`http://127.0.0.1:${(plain.address() as AddressInfo).port}/`, {});
    expect(res.status).toBe(503);
    expect(seen).toHaveLength(1);
    await new Promise<void>((r) => plain.close(() => r()));
  });

  it('reads Retry-After in seconds and as a date', () => {
    expect(retryAfterMs('2')).toBe(2000);
    expect(retryAfterMs(new Date(10_000).toUTCString(), 4_000)).toBe(6_000);
    expect(retryAfterMs('soon')).toBeNull();
  });
});
