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
import { createSession, fetchAs, pglite, postgres, SKIP_PG, startServer, type TestDatabase, type TestServer } from '../test-support.js';
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

describe('a server whose S3 bucket goes away', () => {
  it('answers 503 with the bucket and the reason, keeps nothing of an upload it could not store, and keeps serving', async () => {
    const s3 = await startFakeS3();
    const database = await pglite.create();
    const s = await startServer({ ...database.config, s3: s3.settings });
    try {
      const id = await createSession(s);
      useTusCookie(s.owner.cookie);
      const wav = fixtureBytes('wav-pcm24');
      const res = await uploadAll(s.url, id, wav, 'Bass.wav', 100_000);
      expect(res.status, res.body).toBe(204);
      const stem = ((await (await fetchAs(s.owner, `${s.url}/api/sessions/${id}`)).json()) as GetSessionResponse).stems[0];

      await s3.close();
      const audio = await fetchAs(s.owner, `${s.url}${stem.url}`);
      expect(audio.status).toBe(503);
      const body = (await audio.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('storage_unavailable');
      expect(body.error.message).toContain(`the stem store is unavailable: could not look up blob ${sha(wav).slice(0, 12)}… in S3 bucket "mixroom-test" at ${s3.endpoint}`);

      // A finished upload that cannot be stored says so, and leaves no row and no file behind.
      const second = await uploadAll(s.url, id, fixtureBytes('wav-pcm16'), 'Keys.wav', 100_000);
      expect(second.status).toBe(503);
      expect(JSON.parse(second.body).error.message).toMatch(/^Keys\.wav was not stored: the stem store is unavailable: .*; upload it again$/);
      expect(await s.server.db.prisma.upload.count()).toBe(0);
      expect(await readdir(path.join(database.config.dataDir, 'uploads'))).toEqual([]);
      expect((await fetchAs(s.owner, `${s.url}/api/auth/me`)).status).toBe(200);
      expect((await fetchAs(s.owner, `${s.url}/api/sessions/${id}`)).status).toBe(200);
    } finally {
      useTusCookie(null);
      await s.server.close();
      await database.cleanup();
      await s3.close().catch(() => {});
    }
  });
});
