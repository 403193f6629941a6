// Issue 19: a busy database (every pool slot held, as a burst of slow requests does) must cost an
// uploader nothing. The routes the session page uses for uploads and downloads answer 503
// `database_busy` with Retry-After (the web client waits that out), and an upload whose last PATCH
// arrives while the database is busy keeps its bytes: an empty PATCH at the end completes it later.
import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { request } from 'node:http';
import path from 'node:path';
import type { GetSessionResponse } from '@mixroom/protocol';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fixtureBytes } from '../stems/test-fixtures.js';
import { createUpload, headOffset, patch, tusRequest, useTusCookie, type TusResponse } from '../stems/tus-test-client.js';
import { assertPostgresReachable, createSession, databaseKinds, fetchAs, holdEveryDbSlot, SKIP_PG, startServer, waitFor, type TestDatabase, type TestServer } from '../test-support.js';

const WAIT = { waitMs: 1_000, attempts: 2, retryDelayMs: 20 };
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

beforeAll(async () => {
  if (!SKIP_PG) await assertPostgresReachable();
});

function expectBusy(res: { status: number; retryAfter: string | null | undefined; body: string }) {
  expect(res.status, res.body).toBe(503);
  expect(Number(res.retryAfter)).toBeGreaterThan(0);
  expect((JSON.parse(res.body) as { error: { code: string } }).error.code).toBe('database_busy');
}
const tusBusy = (r: TusResponse) => ({ status: r.status, retryAfter: r.headers['retry-after'] as string | undefined, body: r.body });
const fetchBusy = async (r: Response) => ({ status: r.status, retryAfter: r.headers.get('retry-after'), body: await r.text() });

/** A PATCH whose body is held back after `first` bytes until `go` resolves (the server is then inside the upload). */
function slowPatch(location: string, cookie: string, offset: number, body: Uint8Array, first: number, go: Promise<void>): Promise<TusResponse> {
  return new Promise((resolve, reject) => {
    const req = request(location, {
      method: 'PATCH',
      headers: { 'Tus-Resumable': '1.0.0', Cookie: cookie, 'Content-Type': 'application/offset+octet-stream', 'Upload-Offset': offset, 'Content-Length': body.length },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.write(body.subarray(0, first));
    void go.then(() => req.end(body.subarray(first)));
  });
}

describe.each(databaseKinds)('uploads and downloads while the database is busy ($name)', (kind) => {
  let db: TestDatabase | undefined;
  let s: TestServer | undefined;
  let release: (() => void) | undefined;
  afterEach(async () => {
    release?.();
    await s?.server.close();
    await db?.cleanup();
    s = db = release = undefined;
  });

  it('answers 503 + Retry-After, and a finished upload that met a busy database is kept and completes on the next PATCH', async () => {
    db = await kind.create();
    const config = { ...db.config, databaseWait: WAIT };
    s = await startServer(config);
    const sessionId = await createSession(s, 'Busy uploads');
    useTusCookie(s.owner.cookie);
    const wav = fixtureBytes('wav-pcm24');
    const half = Math.floor(wav.length / 2);

    // Creating an upload while busy: refused with the advice to come back (nothing was created).
    release = await holdEveryDbSlot(s.server);
    expectBusy(tusBusy(await createUpload(s.url, sessionId, wav.length, 'Busy.wav')));
    release();

    const created = await createUpload(s.url, sessionId, wav.length, 'Busy.wav');
    expect(created.status).toBe(201);
    const location = created.location!;
    expect((await patch(location, 0, wav.subarray(0, half))).status).toBe(204);

    // Asking where to continue while busy: the same answer.
    release = await holdEveryDbSlot(s.server);
    expectBusy(tusBusy(await tusRequest(location, 'GET', {})));
    release();

    // The last PATCH gets in, then the database fills up before the upload is stored.
    const file = path.join(config.dataDir, 'uploads', location.split('/').pop()!);
    let go!: () => void;
    const last = slowPatch(location, s.owner.cookie, half, wav.subarray(half), 1024, new Promise<void>((r) => (go = r)));
    await waitFor(async () => (await stat(file)).size > half, 10_000, 'the last PATCH reaching the disk');
    release = await holdEveryDbSlot(s.server);
    go();
    const busyEnd = await last;
    expectBusy(tusBusy(busyEnd));
    expect(busyEnd.body).toMatch(/Busy\.wav is kept/);
    release();

    // Nothing was lost: every byte is still there, and an empty PATCH at the end stores the stem.
    expect(await headOffset(location)).toBe(wav.length);
    const done = await patch(location, wav.length, new Uint8Array(0));
    expect(done.status, done.body).toBe(204);
    const stemId = done.headers['mixroom-stem-id'] as string;
    const detail = (await (await fetchAs(s.owner, `${s.url}/api/sessions/${sessionId}`)).json()) as GetSessionResponse;
    const stem = detail.stems.find((x) => x.id === stemId)!;
    expect(sha(new Uint8Array(await (await fetchAs(s.owner, `${s.url}${stem.url}`)).arrayBuffer()))).toBe(sha(wav));

    // What the page's stem worker, waveform and refresh fetch answer busy the same way.
    release = await holdEveryDbSlot(s.server);
    expectBusy(await fetchBusy(await fetchAs(s.owner, `${s.url}${stem.url}`, { headers: { Range: 'bytes=0-1023' } })));
    expectBusy(await fetchBusy(await fetchAs(s.owner, `${s.url}${stem.peaksUrl}`)));
    expectBusy(await fetchBusy(await fetchAs(s.owner, `${s.url}/api/sessions/${sessionId}`)));
  });
});
