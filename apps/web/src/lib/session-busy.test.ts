// The session page's own requests against a busy server (503 `database_busy` + Retry-After, what
// apps/server answers when every database slot is taken: uploads-busy.test.ts there): uploads,
// version uploads, waveforms and file bytes wait it out under the "server is busy" notice and
// lose nothing. The server here speaks tus like apps/server and answers busy on a script; the
// browser's XMLHttpRequest is a thin shim over fetch, and relative URLs resolve against it.
import { computePeaks, encodePeaks } from '@mixroom/engine';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { serverBusy } from './busy-retry';
import { fetchPeaks } from './peaks';
import { ReviewClient } from './review';
import { UploadQueue, type UploadItem } from './uploads';

let server: Server;
let base: string;
/** Requests seen, in order ("POST /…", "PATCH /…"), with when they arrived. */
const seen: { what: string; at: number }[] = [];
/** Answer busy to these requests (by index in `seen`); `keep` ones store the bytes first (a finished upload the server kept). */
let busyAt = new Set<number>();
let keepAt = new Set<number>();
let uploaded = new Uint8Array(0);
let uploadLength = 0;
let versionBody = new Uint8Array(0);
let retryAfter = '2';
const peaks = encodePeaks(computePeaks([new Float32Array(4096).map((_, i) => Math.sin(i / 10))], 48000));

const busy = (res: ServerResponse, message = 'The server is busy right now and could not reach its database in time. Please try again in a few seconds.') => {
  res.writeHead(503, { 'content-type': 'application/json', 'retry-after': retryAfter });
  res.end(JSON.stringify({ error: { code: 'database_busy', message } }));
};

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const body = new Uint8Array(Buffer.concat(chunks));
  const n = seen.push({ what: `${req.method} ${req.url}`, at: performance.now() }) - 1;
  const url = req.url ?? '';
  if (busyAt.has(n)) {
    if (keepAt.has(n)) {
      uploaded = concat(uploaded, body);
      return busy(res, 'take.wav is kept: the server is busy');
    }
    return busy(res);
  }
  if (req.method === 'POST' && url === '/api/sessions/s1/uploads') {
    uploadLength = Number(req.headers['upload-length']);
    uploaded = new Uint8Array(0);
    res.writeHead(201, { location: '/api/sessions/s1/uploads/u1', 'tus-resumable': '1.0.0' }).end();
  } else if (req.method === 'HEAD' && url === '/api/sessions/s1/uploads/u1') {
    res.writeHead(200, { 'upload-offset': String(uploaded.length) }).end();
  } else if (req.method === 'PATCH' && url === '/api/sessions/s1/uploads/u1') {
    if (Number(req.headers['upload-offset']) !== uploaded.length) return void res.writeHead(409).end();
    uploaded = concat(uploaded, body);
    const done = uploaded.length === uploadLength;
    res.writeHead(204, { 'upload-offset': String(uploaded.length), ...(done ? { 'mixroom-stem-id': 'stem-1' } : {}) }).end();
  } else if (req.method === 'POST' && url.startsWith('/api/sessions/s1/versions')) {
    versionBody = body;
    res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ id: 'v1', number: 1 }));
  } else if (req.method === 'GET' && url === '/peaks') {
    res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(peaks);
  } else {
    res.writeHead(404).end();
  }
}

const concat = (a: Uint8Array, b: Uint8Array) => {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
};

/** The XMLHttpRequest surface UploadQueue uses, over fetch. */
class FetchXhr {
  status = 0;
  responseText = '';
  upload: { onprogress: ((e: { loaded: number; total: number }) => void) | null } = { onprogress: null };
  onload: (() => void) | null = null;
  onerror: (() => void) | null = null;
  onabort: (() => void) | null = null;
  private method = 'GET';
  private url = '';
  private readonly headers: Record<string, string> = {};
  private res: Response | null = null;
  private readonly aborter = new AbortController();
  open(method: string, url: string) {
    this.method = method;
    this.url = url;
  }
  setRequestHeader(k: string, v: string) {
    this.headers[k] = v;
  }
  getResponseHeader(k: string) {
    return this.res?.headers.get(k) ?? null;
  }
  abort() {
    this.aborter.abort();
  }
  send(body: Blob) {
    void (async () => {
      const bytes = new Uint8Array(await body.arrayBuffer());
      this.upload.onprogress?.({ loaded: bytes.length, total: bytes.length });
      try {
        this.res = await fetch(this.url, { method: this.method, headers: this.headers, body: bytes, signal: this.aborter.signal });
        this.status = this.res.status;
        this.responseText = await this.res.text();
        this.onload?.();
      } catch {
        (this.aborter.signal.aborted ? this.onabort : this.onerror)?.();
      }
    })();
  }
}

const realFetch = globalThis.fetch;
beforeAll(async () => {
  server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // The page's relative URLs, as the browser resolves them.
  globalThis.fetch = ((url: string | URL, init?: RequestInit) => realFetch(new URL(String(url), base), init)) as typeof fetch;
  (globalThis as { XMLHttpRequest?: unknown }).XMLHttpRequest = FetchXhr;
});
afterAll(async () => {
  globalThis.fetch = realFetch;
  delete (globalThis as { XMLHttpRequest?: unknown }).XMLHttpRequest;
  await new Promise<void>((r) => server.close(() => r()));
});
beforeEach(() => {
  seen.length = 0;
  busyAt = new Set();
  keepAt = new Set();
  retryAfter = '2';
});

/** Records every change of the page's busy notice. */
function watchNotice() {
  const states: boolean[] = [];
  const off = serverBusy.subscribe(() => states.push(serverBusy.getSnapshot()));
  return { states, off };
}

describe('the session page against a busy server', () => {
  it('an upload waits out busy answers to its POST, PATCH, HEAD and its finishing PATCH, shows the notice, and arrives whole', async () => {
    // 0 POST busy, 1 POST, 2 PATCH busy (refused before reading), 3 HEAD busy, 4 HEAD → 0,
    // 5 PATCH stores every byte but the database is busy (kept), 6 HEAD → all, 7 empty PATCH → stem.
    busyAt = new Set([0, 2, 3, 5]);
    keepAt = new Set([5]);
    const file = new File([new Uint8Array(50_000).map((_, i) => (i * 7) & 255)], 'take.wav');
    const notice = watchNotice();
    // scale 0.01: Retry-After 2 s → 20 ms, then doubled.
    const queue = new UploadQueue('s1', { scale: 0.01 });
    const statuses: string[] = [];
    const finished = new Promise<UploadItem>((resolve) =>
      queue.subscribe(() => {
        const item = queue.getSnapshot()[0];
        if (statuses.at(-1) !== item.status) statuses.push(item.status);
        if (['done', 'error', 'cancelled'].includes(item.status)) resolve(item);
      }),
    );
    queue.add([file]);
    const item = await finished;
    notice.off();

    expect(item.error).toBeNull();
    expect(item).toMatchObject({ status: 'done', stemId: 'stem-1' });
    expect(seen.map((s) => s.what.split(' ')[0])).toEqual(['POST', 'POST', 'PATCH', 'HEAD', 'HEAD', 'PATCH', 'HEAD', 'PATCH']);
    expect(uploaded).toEqual(new Uint8Array(await file.arrayBuffer()));
    expect(statuses).not.toContain('error');
    expect(statuses).toContain('retrying');
    // Each busy answer is waited out at least the advised (scaled) time; a loaded machine is only slower.
    for (const i of [0, 2, 3, 5]) expect(seen[i + 1].at - seen[i].at).toBeGreaterThanOrEqual(19);
    // The notice came on and went away, and is off now.
    expect(notice.states).toContain(true);
    expect(notice.states.at(-1)).toBe(false);
    expect(serverBusy.getSnapshot()).toBe(false);
  });

  it('a bounce uploaded as a version, a waveform and file bytes are sent again after busy answers', async () => {
    const socket = { on() {}, off() {}, connected: false } as unknown as ConstructorParameters<typeof ReviewClient>[1];
    const review = new ReviewClient('s1', socket, 'me');
    const wav = new Uint8Array(10_000).map((_, i) => i & 255);
    busyAt = new Set([0, 1]);
    // "Retry-After: 0": the shortest wait the page allows (250 ms), then doubled.
    retryAfter = '0';
    const notice = watchNotice();
    const version = await review.uploadVersion(wav, 'bounce', 'first pass');
    expect(version).toMatchObject({ id: 'v1' });
    expect(versionBody).toEqual(wav);
    expect(seen).toHaveLength(3);
    expect(seen[1].at - seen[0].at).toBeGreaterThanOrEqual(249);
    expect(seen[2].at - seen[1].at).toBeGreaterThanOrEqual(499);

    seen.length = 0;
    busyAt = new Set([0]);
    expect((await fetchPeaks('/peaks')).length).toBe(4096);
    expect(seen).toHaveLength(2);

    seen.length = 0;
    busyAt = new Set([0]);
    expect(await review.fetchBytes('/peaks')).toEqual(peaks);
    expect(seen).toHaveLength(2);
    notice.off();
    expect(notice.states).toEqual([true, false, true, false, true, false]);
    review.dispose();
  });
});
