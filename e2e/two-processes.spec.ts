// Two real server processes behind two addresses, sharing only PostgreSQL, Redis and an S3 bucket
// (as two machines behind a load balancer would, each with its own disk): Alice's browser talks
// to one, Bob's to the other.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { expect, test, type Browser } from '@playwright/test';
import { Redis } from 'ioredis';
import pg from 'pg';
import { serverProcessEnv } from '../scripts/server-process-env.mjs';
import { startFakeS3, type FakeS3 } from '../apps/server/src/blob/fake-s3';
import { ARTIFACTS_DIR, DEMO, enterValue, firstSession, grabFader, slug, waitForMixer } from './helpers';

const PG_URL = process.env.MIXROOM_TEST_PG_URL ?? 'postgresql://postgres@127.0.0.1:5432/test';
const REDIS_URL = process.env.MIXROOM_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const skip = process.env.MIXROOM_SKIP_PG === '1' || process.env.MIXROOM_SKIP_REDIS === '1';
const BASE_PORT = Number(process.env.MIXROOM_E2E_PORT ?? 3123) + 10;
// One data dir per process: nothing on disk is shared, the stems live in the bucket.
const dataDirOf = (port: number) => path.resolve(__dirname, `../test-results/e2e-cluster-data-${port}`);

test.skip(skip, 'needs PostgreSQL and Redis (MIXROOM_SKIP_PG / MIXROOM_SKIP_REDIS is set)');

const schema = `e2e_cluster_${randomUUID().slice(0, 8)}`;
const prefix = `mixroom-e2e-${randomUUID().slice(0, 8)}:`;
const servers: ChildProcess[] = [];
const urls: string[] = [];
let s3: FakeS3;

async function startServer(port: number): Promise<string> {
  const url = new URL(PG_URL);
  url.searchParams.set('schema', schema);
  // Node itself, not `npx tsx`: npx does not pass SIGTERM on, and its server went on running
  // (against the dropped schema) through every spec after this one.
  const child = spawn(process.execPath, ['--import', 'tsx', 'apps/server/src/main.ts'], {
    cwd: path.resolve(__dirname, '..'),
    env: serverProcessEnv({
      ...process.env, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDirOf(port), DATABASE_URL: url.toString(),
      REDIS_URL, REDIS_PREFIX: prefix, LOG_LEVEL: 'warn',
      S3_BUCKET: s3.settings.bucket, S3_ENDPOINT: s3.endpoint, S3_ACCESS_KEY_ID: s3.settings.credentials!.accessKeyId, S3_SECRET_ACCESS_KEY: s3.settings.credentials!.secretAccessKey,
    }),
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  servers.push(child);
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 180_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server on port ${port} exited with ${child.exitCode}`);
    const up = await fetch(`${base}/api/auth/demo`).then((r) => r.ok, () => false);
    if (up) return base;
    if (Date.now() > deadline) throw new Error(`server on port ${port} did not come up`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

test.beforeAll(async () => {
  test.setTimeout(300_000);
  for (const port of [BASE_PORT, BASE_PORT + 1]) rmSync(dataDirOf(port), { recursive: true, force: true });
  s3 = await startFakeS3('mixroom-e2e');
  // The first process seeds the demo session into the empty schema; the second finds it there.
  urls.push(await startServer(BASE_PORT));
  urls.push(await startServer(BASE_PORT + 1));
});

test.afterAll(async () => {
  await Promise.all(servers.map((child) => new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const hard = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.once('exit', () => {
      clearTimeout(hard);
      resolve();
    });
    child.kill('SIGTERM');
  })));
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await client.end();
  const redis = new Redis(REDIS_URL);
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
  await s3?.close().catch(() => {}); // the test stops it on purpose
  for (const port of [BASE_PORT, BASE_PORT + 1]) rmSync(dataDirOf(port), { recursive: true, force: true });
});

async function openOn(browser: Browser, baseURL: string, sessionId: string, name: string, color: string) {
  const context = await browser.newContext({ baseURL });
  expect((await context.request.post('/api/auth/signin', { data: DEMO.engineer })).status()).toBe(200);
  await context.addInitScript(([n, c]) => window.localStorage.setItem('mixroom.identity', JSON.stringify({ name: n, color: c })), [name, color] as const);
  const page = await context.newPage();
  page.on('pageerror', (e) => console.log(`[${name}] page error: ${e.message}`));
  await page.goto(`/s/${sessionId}`);
  await waitForMixer(page);
  return { context, page };
}

test('two server processes with their own disks: Alice on one and Bob on the other load the stems from the bucket, mix, see each other and comment live', async ({ browser }) => {
  test.setTimeout(300_000);
  const [one, two] = urls;
  const session = await firstSession(one);
  const alice = await openOn(browser, one, session.id, 'Alice', '#e5484d');
  const bob = await openOn(browser, two, session.id, 'Bob', '#5b9cf5');
  const A = alice.page;
  const B = bob.page;
  // Bob's stems came from process two, which has never had them on its disk: they are in the bucket.
  for (const port of [BASE_PORT, BASE_PORT + 1]) expect(existsSync(path.join(dataDirOf(port), 'blobs'))).toBe(false);
  const readyAtB = await B.evaluate(() => (window.__mixroom!.runtime as { getSnapshot(): { stems: Array<{ status: string }> } }).getSnapshot().stems.filter((s) => s.status === 'ready').length);
  expect(readyAtB).toBe(session.stems.length);

  // Presence crosses processes: each sees the other's avatar.
  await expect(B.getByTestId('avatar-Alice')).toBeVisible();
  await expect(A.getByTestId('avatar-Bob')).toBeVisible();

  // Mix moves follow within a second, both ways.
  const names = await A.evaluate(() => window.__mixroom!.model.getState().channels.map((c) => c.name));
  const first = slug(names[0]);
  const second = slug(names[1]);
  await enterValue(A, `fader-value-${first}`, '-12');
  await expect(B.getByTestId(`fader-value-${first}`)).toHaveText('-12.0 dB', { timeout: 1000 });
  await B.getByTestId(`mute-${second}`).click();
  await expect(A.getByTestId(`mute-${second}`)).toHaveAttribute('aria-pressed', 'true', { timeout: 1000 });

  // Holding a control shows on the other process's screen.
  await grabFader(A, first);
  await expect(B.getByTestId(`held-fader-${first}`)).toHaveText('Alice', { timeout: 2000 });
  await A.mouse.up();
  await expect(B.getByTestId(`held-fader-${first}`)).toHaveCount(0, { timeout: 2000 });

  // A comment Bob posts through his process appears in Alice's list.
  const posted = await bob.context.request.post(`/api/sessions/${session.id}/comments`, { data: { body: 'Kick needs more weight here', atSec: 12 } });
  expect(posted.status()).toBe(201);
  await expect(A.getByTestId('comment-body').filter({ hasText: 'Kick needs more weight here' })).toBeVisible({ timeout: 2000 });

  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  await B.screenshot({ path: path.join(ARTIFACTS_DIR, 'two-processes.png') });

  // Put the demo mix back for anyone reusing this data.
  await A.getByTestId(`fader-${first}`).dblclick();
  await B.getByTestId(`mute-${second}`).click();
  await alice.context.close();
  await expect(B.getByTestId('avatar-Alice')).toHaveCount(0, { timeout: 5000 });

  // The bucket goes away: a stem Bob adds cannot be stored, and his upload row says so and why.
  await s3.close();
  await B.getByTestId('upload-input').setInputFiles({ name: 'Late Idea.wav', mimeType: 'audio/wav', buffer: toneWav(1) });
  await expect(B.getByTestId('upload-error')).toHaveText(/^Late Idea\.wav was not stored: the stem store is unavailable: .* S3 bucket "mixroom-e2e" at http:\/\/127\.0\.0\.1:\d+ .*; upload it again$/, { timeout: 60_000 });
  await expect(B.getByTestId('mixer')).toHaveAttribute('data-synced', 'true');
  await bob.context.close();
});

/** `seconds` of a 440 Hz tone as a 16-bit mono 48 kHz WAV. */
function toneWav(seconds: number): Buffer {
  const rate = 48000;
  const n = rate * seconds;
  const b = Buffer.alloc(44 + n * 2);
  b.write('RIFF', 0); b.writeUInt32LE(36 + n * 2, 4); b.write('WAVE', 8);
  b.write('fmt ', 12); b.writeUInt32LE(16, 16); b.writeUInt16LE(1, 20); b.writeUInt16LE(1, 22);
  b.writeUInt32LE(rate, 24); b.writeUInt32LE(rate * 2, 28); b.writeUInt16LE(2, 32); b.writeUInt16LE(16, 34);
  b.write('data', 36); b.writeUInt32LE(n * 2, 40);
  for (let i = 0; i < n; i++) b.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / rate)), 44 + i * 2);
  return b;
}
