// Two server processes with nothing on a shared disk: each its own data dir, one PostgreSQL,
// one S3 bucket. A stem uploaded through one is served by the other, and a deleted session's
// blobs leave the bucket. (They run in one Node process here only to share the test.)
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import type { GetSessionResponse } from '@mixroom/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureBytes } from '../stems/test-fixtures.js';
import { uploadAll, useTusCookie } from '../stems/tus-test-client.js';
import { createSession, fetchAs, postgres, SKIP_PG, startServer, type TestDatabase, type TestServer } from '../test-support.js';
import { startFakeS3, type FakeS3 } from './fake-s3.js';
import { createS3Client } from './s3-blob-store.js';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe.skipIf(SKIP_PG)('two processes sharing an S3 bucket and PostgreSQL, no shared disk', () => {
  let s3: FakeS3;
  let database: TestDatabase;
  let otherDataDir: string;
  let one: TestServer;
  let two: TestServer;

  beforeAll(async () => {
    s3 = await startFakeS3();
    database = await postgres.create();
    otherDataDir = await mkdtemp(path.join(os.tmpdir(), 'mixroom-test-other-'));
    one = await startServer({ ...database.config, s3: s3.settings });
    two = await startServer({ ...database.config, dataDir: otherDataDir, s3: s3.settings });
  });

  afterAll(async () => {
    useTusCookie(null);
    await one?.server.close();
    await two?.server.close();
    await database?.cleanup();
    await rm(otherDataDir, { recursive: true, force: true });
    await s3?.close();
  });

  const objectKeys = async () =>
    ((await createS3Client(s3.settings).send(new ListObjectsV2Command({ Bucket: s3.settings.bucket }))).Contents ?? []).map((o) => o.Key!);

  it('a stem uploaded through one is served whole and in ranges by the other; deleting the session empties the bucket of it', async () => {
    const id = await createSession(one);
    const wav = fixtureBytes('wav-pcm24');
    useTusCookie(one.owner.cookie);
    const res = await uploadAll(one.url, id, wav, 'Lead Vocal.wav', 100_000);
    expect(res.status, res.body).toBe(204);
    const stemId = res.headers['mixroom-stem-id'] as string;
    // The upload's bytes and its peaks are in the bucket, not under either data dir.
    const keys = await objectKeys();
    expect(keys).toContain(`blobs/${sha(wav).slice(0, 2)}/${sha(wav).slice(2)}`);
    expect(existsSync(path.join(database.config.dataDir, 'blobs'))).toBe(false);
    expect(await readdir(path.join(database.config.dataDir, 'tmp')).catch(() => [])).toEqual([]);

    // Membership still decides: two's own account is not a member of one's session.
    expect((await fetchAs(two.owner, `${two.url}/api/sessions/${id}`)).status).toBe(404);
    const stem = ((await (await fetchAs(one.owner, `${two.url}/api/sessions/${id}`)).json()) as GetSessionResponse).stems.find((s) => s.id === stemId)!;
    const audio = await fetchAs(one.owner, `${two.url}${stem.url}`);
    expect(audio.status).toBe(200);
    expect(sha(new Uint8Array(await audio.arrayBuffer()))).toBe(sha(wav));
    const part = await fetchAs(one.owner, `${two.url}${stem.url}`, { headers: { range: 'bytes=100-199' } });
    expect(part.status).toBe(206);
    expect(Buffer.from(await part.arrayBuffer()).equals(Buffer.from(wav.subarray(100, 200)))).toBe(true);
    expect((await fetchAs(one.owner, `${two.url}${stem.peaksUrl}`)).status).toBe(200);

    expect((await fetchAs(one.owner, `${two.url}/api/sessions/${id}`, { method: 'DELETE' })).status).toBe(204);
    const left = await objectKeys();
    for (const k of keys) expect(left).not.toContain(k);
  });
});
