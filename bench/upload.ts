/**
 * Upload benchmark: a large WAV (1 GB by default) sent over loopback as chunked tus PATCHes
 * through the real Mixroom server (stream to disk + SHA-256, then probe, streaming peaks, blob
 * store, stem row, mix channel) vs a plain node:http sink that only appends the same PATCH
 * bodies to a file. Both run in child processes. RSS and CPU are those of the whole process tree
 * (on the embedded default the server's PGlite process counts as the server's), RSS sampled from
 * /proc/<pid>/status every 20 ms to find the peak growth over the idle baseline.
 *
 * Runs alternate (sink first, then Mixroom first, …) so a change in the machine's load hits
 * both sides; the summary is the median ratio over the runs, with the load average.
 *
 *   npm run bench:upload [-- --mb 1024 --chunk-mb 64 --runs 3 --warm-gb 8]
 *   npm run bench:upload -- --impl tus-server      (@tus/server 2 + @tus/file-store instead of Mixroom)
 *   npm run bench:upload -- --impl tus-server-s3   (@tus/server 2 + @tus/s3-store on s3rver, the
 *                                                   tests' S3 stand-in, in a process of its own)
 * The tus-server variants are the library alone, as a candidate to replace our tus routes: no
 * sign-in, database, SHA-256, probe, peaks or ingest, so their ratio is an upper bound of what
 * Mixroom on top of them could reach.
 *   BENCH_PROFILE_DIR=/tmp/prof npm run bench:upload   (CPU profile of the server per run)
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, statSync, closeSync, createReadStream, createWriteStream, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { createServer, request } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { MetadataValue } from '@tus/s3-store';
import { UPLOAD_CHUNK_BYTES } from '../packages/protocol/src/index';
import { serverProcessEnv } from '../scripts/server-process-env.mjs';

const ROOT = path.resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const opt = (name: string, def: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const MB = opt('mb', 1024);
// The browser's PATCH size unless told otherwise.
const CHUNK = args.includes('--chunk-mb') ? opt('chunk-mb', 64) * 1024 * 1024 : UPLOAD_CHUNK_BYTES;
const RUNS = opt('runs', 3);
const WARM_GB = opt('warm-gb', 8);
const IMPL = (() => {
  const i = args.indexOf('--impl');
  const v = i >= 0 ? args[i + 1] : 'mixroom';
  if (v !== 'mixroom' && v !== 'tus-server' && v !== 'tus-server-s3') throw new Error(`--impl mixroom | tus-server | tus-server-s3 (got ${v})`);
  return v;
})();

// ------------------------------------------------------------------ child roles

async function runServer(): Promise<void> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'mixroom-bench-upload-'));
  // An installed product's database already exists: start from a copy of the cluster that the
  // parent initialized once, instead of paying PGlite's initdb (~4 s of 1.5 cores) before each run.
  if (process.env.BENCH_PGLITE_TEMPLATE) cpSync(process.env.BENCH_PGLITE_TEMPLATE, path.join(dataDir, 'pglite'), { recursive: true });
  const { createMixroomServer } = await import('../apps/server/src/app.js');
  const { createLogger } = await import('../apps/server/src/log.js');
  const server = await createMixroomServer(
    { port: 0, host: '127.0.0.1', dataDir, databaseUrl: process.env.BENCH_DATABASE_URL, webDist: path.join(dataDir, 'none'), migrationsDir: path.join(ROOT, 'prisma/migrations'), syncFlushMs: 50, syncCompactRows: 200, syncUnloadGraceMs: 30_000, uploadMaxBytes: 2 ** 31 - 1, uploadExpiryMs: 86_400_000 },
    { logger: createLogger('bench-server', 'info'), seed: false, auth: { limits: { signUpsPerIp: 1_000_000, perIp: 1_000_000 } } },
  );
  const { port } = await server.listen();
  process.stdout.write(JSON.stringify({ port }) + '\n');
  process.on('SIGTERM', async () => {
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
    process.exit(0);
  });
}

/** The reference: accept each PATCH body and append it to one file, nothing else. */
function runSink(): void {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mixroom-bench-sink-'));
  const file = path.join(dir, 'upload.bin');
  const server = createServer((req, res) => {
    pipeline(req, createWriteStream(file, { flags: 'a', highWaterMark: 1 << 20 }))
      .then(() => res.writeHead(204).end())
      .catch(() => res.writeHead(500).end());
  });
  server.listen(0, '127.0.0.1', () => {
    const addr = server.address() as { port: number };
    process.stdout.write(JSON.stringify({ port: addr.port }) + '\n');
  });
  process.on('SIGTERM', () => {
    rmSync(dir, { recursive: true, force: true });
    process.exit(0);
  });
}

/** @tus/server 2 on node:http at /files, with the file store or (BENCH_S3_ENDPOINT) the S3 store. */
async function runTusServer(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mixroom-bench-tus-'));
  const { Server } = await import('@tus/server');
  const endpoint = process.env.BENCH_S3_ENDPOINT;
  const datastore = endpoint ? await s3Store(endpoint) : new (await import('@tus/file-store')).FileStore({ directory: dir });
  const tus = new Server({ path: '/files', datastore, relativeLocation: true, maxSize: 2 ** 31 - 1 });
  const server = createServer((req, res) => void tus.handle(req, res));
  server.listen(0, '127.0.0.1', () => {
    const addr = server.address() as { port: number };
    process.stdout.write(JSON.stringify({ port: addr.port }) + '\n');
  });
  process.on('SIGTERM', () => {
    rmSync(dir, { recursive: true, force: true });
    process.exit(0);
  });
}

/**
 * @tus/s3-store against s3rver. s3rver has no ListParts (GET ?uploadId answers 405 "The specified
 * method is not allowed against this resource"), which the store calls on every HEAD and PATCH to
 * find the offset; here the parts this process uploaded are listed from memory instead. The data
 * path (parts buffered to temporary files, UploadPart, CompleteMultipartUpload) is the library's.
 */
async function s3Store(endpoint: string) {
  const { S3Store } = await import('@tus/s3-store');
  type Part = { PartNumber: number; ETag: string; Size: number };
  const parts = new Map<string, Part[]>();
  class ListedS3Store extends S3Store {
    protected override async uploadPart(metadata: MetadataValue, body: Readable | Buffer, partNumber: number): Promise<string> {
      // The store hands each part over as a temporary file's read stream (or a Buffer).
      const size = Buffer.isBuffer(body) ? body.length : statSync((body as unknown as { path: string }).path).size;
      const etag = await super.uploadPart(metadata, body, partNumber);
      const list = parts.get(metadata.file.id) ?? [];
      list.push({ PartNumber: partNumber, ETag: etag, Size: size });
      list.sort((a, b) => a.PartNumber - b.PartNumber);
      parts.set(metadata.file.id, list);
      return etag;
    }
    protected override async retrieveParts(id: string): Promise<Part[]> {
      await this.getMetadata(id);
      return parts.get(id) ?? [];
    }
  }
  return new ListedS3Store({
    s3ClientConfig: {
      bucket: 'mixroom-bench', region: 'us-east-1', endpoint, forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
      // As createS3Client: s3rver does not take the SDK's default streaming checksums.
      requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED',
    },
  });
}

/** s3rver (the tests' S3 stand-in) in a process of its own, so its CPU and memory are not the tus server's. */
async function runS3(): Promise<void> {
  const { startFakeS3 } = await import('../apps/server/src/blob/fake-s3.js');
  const s3 = await startFakeS3('mixroom-bench');
  process.stdout.write(JSON.stringify({ port: Number(new URL(s3.endpoint).port) }) + '\n');
  process.on('SIGTERM', async () => {
    await s3.close();
    process.exit(0);
  });
}

// ------------------------------------------------------------------ parent

function startChild(role: 'server' | 'sink' | 'tus' | 's3'): Promise<{ child: ChildProcess; port: number }> {
  const profile = (role === 'server' || role === 'tus') && process.env.BENCH_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}`] : [];
  const child = spawn(process.execPath, [...profile, ...process.execArgv, process.argv[1], role], { stdio: ['ignore', 'pipe', 'inherit'], env: role === 'server' || role === 'tus' ? serverProcessEnv({ ...process.env, LOG_LEVEL: 'warn', ...(role === 'tus' && s3Endpoint ? { BENCH_S3_ENDPOINT: s3Endpoint } : {}) }) : { ...process.env, LOG_LEVEL: 'warn' } });
  return new Promise((resolve, reject) => {
    let buf = '';
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      for (const line of buf.split('\n').slice(0, -1)) if (line.startsWith('{"port"')) resolve({ child, port: (JSON.parse(line) as { port: number }).port });
    });
    child.once('exit', (code) => reject(new Error(`${role} exited with ${code}`)));
  });
}

let s3Endpoint: string | undefined;

const stop = (child: ChildProcess) => new Promise<void>((resolve) => { child.once('exit', () => resolve()); child.kill('SIGTERM'); });

/** The process and its descendants (the server's embedded-database process). */
function processTree(pid: number): number[] {
  let children: number[] = [];
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(' ').filter(Boolean).map(Number);
  } catch {
    // the process is gone
  }
  return [pid, ...children.flatMap(processTree)];
}

/** kB fields of /proc/<pid>/status; null when the process ended between the listing and the read. */
function statusKb(pid: number, fields: string[]): number[] | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return fields.map((f) => Number(new RegExp(`${f}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0));
  } catch {
    return null;
  }
}

function rssMb(pid: number): number {
  return processTree(pid).reduce((kb, p) => kb + (statusKb(p, ['VmRSS'])?.[0] ?? 0), 0) / 1024;
}

/** User and system CPU seconds of a process so far (clock ticks of /proc/<pid>/stat; 100 Hz on Linux). */
function cpuSeconds(pid: number): { user: number; system: number } {
  let user = 0;
  let system = 0;
  for (const p of processTree(pid)) {
    try {
      const fields = readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1].split(' ');
      user += Number(fields[11]) / 100;
      system += Number(fields[12]) / 100;
    } catch {
      // the process is gone
    }
  }
  return { user, system };
}

function cpuMeter(pid: number) {
  const server0 = cpuSeconds(pid);
  const client0 = process.cpuUsage();
  return () => {
    const server1 = cpuSeconds(pid);
    const client = process.cpuUsage(client0);
    return {
      server: { user: round(server1.user - server0.user, 2), system: round(server1.system - server0.system, 2) },
      client: { user: round(client.user / 1e6, 2), system: round(client.system / 1e6, 2) },
    };
  };
}

/** Anonymous and file-backed resident MB per process of the tree (where a growth comes from). */
function rssBreakdown(pid: number): Record<string, { anonMB: number; fileMB: number }> {
  const out: Record<string, { anonMB: number; fileMB: number }> = {};
  for (const p of processTree(pid)) {
    const kb = statusKb(p, ['RssAnon', 'RssFile']);
    if (kb) out[p === pid ? 'main' : `child ${p}`] = { anonMB: round(kb[0] / 1024, 1), fileMB: round(kb[1] / 1024, 1) };
  }
  return out;
}

function sampleRss(pid: number) {
  let peak = rssMb(pid);
  let atPeak = rssBreakdown(pid);
  const timer = setInterval(() => {
    const now = rssMb(pid);
    if (now > peak) {
      peak = now;
      atPeak = rssBreakdown(pid);
    }
  }, 20);
  return {
    stop: () => {
      clearInterval(timer);
      return Math.max(peak, rssMb(pid));
    },
    atPeak: () => atPeak,
  };
}

/** A valid 24-bit stereo 48 kHz WAV of `bytes` total, written from a repeated noise block. */
function writeWav(file: string, bytes: number): void {
  const dataBytes = bytes - 44 - ((bytes - 44) % 6);
  const header = Buffer.alloc(44);
  header.write('RIFF', 0); header.writeUInt32LE(36 + dataBytes, 4); header.write('WAVE', 8);
  header.write('fmt ', 12); header.writeUInt32LE(16, 16); header.writeUInt16LE(1, 20); header.writeUInt16LE(2, 22);
  header.writeUInt32LE(48000, 24); header.writeUInt32LE(48000 * 6, 28); header.writeUInt16LE(6, 32); header.writeUInt16LE(24, 34);
  header.write('data', 36); header.writeUInt32LE(dataBytes, 40);
  const block = Buffer.alloc(6 * 1024 * 1024);
  let seed = 1;
  for (let i = 0; i < block.length; i += 3) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    block.writeIntLE(((seed >> 8) % 4_000_000) | 0, i, 3);
  }
  const fd = openSync(file, 'w');
  writeSync(fd, header);
  for (let left = dataBytes; left > 0; left -= block.length) writeSync(fd, block, 0, Math.min(left, block.length));
  closeSync(fd);
}

function send(url: string, method: string, headers: Record<string, string | number>, file?: { path: string; start: number; end: number }) {
  return new Promise<{ status: number; headers: Record<string, unknown>; body: string }>((resolve, reject) => {
    const req = request(url, { method, headers }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    if (!file) return req.end();
    createReadStream(file.path, { start: file.start, end: file.end - 1, highWaterMark: 1 << 20 }).pipe(req);
  });
}

/**
 * Same PATCHes for both targets; the final 64 kB go in a PATCH of their own, so on the server
 * that last request's time is (almost all) the completion work: probe, store, row, mix channel.
 */
async function uploadChunks(file: string, size: number, patchUrl: string, headers: Record<string, string>): Promise<{ transferMs: number; lastMs: number; last: Awaited<ReturnType<typeof send>> }> {
  const started = performance.now();
  let last!: Awaited<ReturnType<typeof send>>;
  const tailAt = size - 65_536;
  let lastMs = 0;
  for (let offset = 0; offset < size; ) {
    const end = offset < tailAt ? Math.min(tailAt, offset + CHUNK) : size;
    const t = performance.now();
    last = await send(patchUrl, 'PATCH', { ...headers, 'Upload-Offset': offset, 'Content-Length': end - offset }, { path: file, start: offset, end });
    if (last.status !== 204) throw new Error(`PATCH at ${offset}: ${last.status} ${last.body}`);
    lastMs = performance.now() - t;
    offset = end;
  }
  return { transferMs: performance.now() - started - lastMs, lastMs, last };
}

async function measureSink(wav: string, size: number) {
  const sink = await startChild('sink');
  await new Promise((r) => setTimeout(r, 1000));
  const baseline = rssMb(sink.child.pid!);
  const rss = sampleRss(sink.child.pid!);
  const cpu = cpuMeter(sink.child.pid!);
  const t0 = performance.now();
  await uploadChunks(wav, size, `http://127.0.0.1:${sink.port}/`, {});
  const ms = performance.now() - t0;
  const cpuSpent = cpu();
  const peak = rss.stop();
  await stop(sink.child);
  return { ms, cpu: cpuSpent, rss: { baselineMB: baseline, peakMB: peak, growthMB: peak - baseline } };
}

async function measureMixroom(wav: string, size: number) {
  const server = await startChild('server');
  const base = `http://127.0.0.1:${server.port}`;
  // Uploads need a signed-in member with stems.manage: sign up, then create the session as its owner.
  const signup = await fetch(`${base}/api/auth/signup`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email: `bench.${Date.now()}@example.test`, name: 'Bench', password: 'bench upload password' }),
  });
  if (signup.status !== 201) throw new Error(`sign up: ${signup.status} ${await signup.text()}`);
  const cookie = (signup.headers.get('set-cookie') ?? '').split(';')[0];
  const session = await new Promise<string>((resolve, reject) => {
    const req = request(`${base}/api/sessions`, { method: 'POST', headers: { 'Content-Type': 'application/json', Cookie: cookie } }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve((JSON.parse(body) as { id: string }).id));
    });
    req.on('error', reject);
    req.end(JSON.stringify({ title: 'bench' }));
  });
  await new Promise((r) => setTimeout(r, 1000));
  const baselineRss = rssMb(server.child.pid!);
  const baselineBreakdown = rssBreakdown(server.child.pid!);
  const rss = sampleRss(server.child.pid!);
  const cpu = cpuMeter(server.child.pid!);
  const t0 = performance.now();
  const tus = { 'Tus-Resumable': '1.0.0', Cookie: cookie };
  const post = await send(`${base}/api/sessions/${session}/uploads`, 'POST', { ...tus, 'Upload-Length': size, 'Upload-Metadata': `filename ${Buffer.from('big.wav').toString('base64')}` });
  if (post.status !== 201) throw new Error(`create: ${post.status} ${post.body}`);
  const { transferMs, lastMs, last } = await uploadChunks(wav, size, `${base}${post.headers.location as string}`, { ...tus, 'Content-Type': 'application/offset+octet-stream' });
  const totalMs = performance.now() - t0;
  const cpuSpent = cpu();
  const peakRss = rss.stop();
  if (!last.headers['mixroom-stem-id']) throw new Error('upload finished without a stem');
  await stop(server.child);
  return { transferMs, lastMs, totalMs, cpu: cpuSpent, rss: { baselineMB: baselineRss, peakMB: peakRss, growthMB: peakRss - baselineRss, baseline: baselineBreakdown, atPeak: rss.atPeak() } };
}

/** The same client against bare @tus/server: create, then the same PATCHes. */
async function measureTus(wav: string, size: number) {
  const server = await startChild('tus');
  const base = `http://127.0.0.1:${server.port}`;
  await new Promise((r) => setTimeout(r, 1000));
  const baselineRss = rssMb(server.child.pid!);
  const baselineBreakdown = rssBreakdown(server.child.pid!);
  const rss = sampleRss(server.child.pid!);
  const cpu = cpuMeter(server.child.pid!);
  const t0 = performance.now();
  const tus = { 'Tus-Resumable': '1.0.0' };
  try {
  const post = await send(`${base}/files`, 'POST', { ...tus, 'Upload-Length': size, 'Upload-Metadata': `filename ${Buffer.from('big.wav').toString('base64')}` });
  if (post.status !== 201) throw new Error(`create: ${post.status} ${post.body}`);
  const { transferMs, lastMs, last } = await uploadChunks(wav, size, `${base}${post.headers.location as string}`, { ...tus, 'Content-Type': 'application/offset+octet-stream' });
  const totalMs = performance.now() - t0;
  const cpuSpent = cpu();
  const peakRss = rss.stop();
  if (Number(last.headers['upload-offset']) !== size) throw new Error(`upload ended at ${String(last.headers['upload-offset'])} of ${size}`);
  return { transferMs, lastMs, totalMs, cpu: cpuSpent, rss: { baselineMB: baselineRss, peakMB: peakRss, growthMB: peakRss - baselineRss, baseline: baselineBreakdown, atPeak: rss.atPeak() } };
  } finally {
    await stop(server.child);
  }
}

/**
 * Touches `gb` GiB of fresh memory in a child process that then exits. On this VM kind, guest
 * memory that is freed goes back to the host a few seconds later (virtio-balloon free page
 * reporting; kswapd and a DAMON pageout daemon also run), and the next first touch of such a page
 * costs a host fault. A 1 GiB upload needs 1 GiB of new page cache, so whichever side lands on
 * such memory pays for it: a bare process writing 1 GiB with write(2) ran at 2.4–4.0 GB/s right
 * after another process freed memory and at 0.56–0.89 GB/s when it slept 10 s first. The warm-up
 * makes the first runs less lopsided; it cannot hold for later ones.
 */
function warmMemory(gb: number): void {
  if (gb <= 0) return;
  const script = `const parts = []; for (let i = 0; i < ${gb}; i++) { const b = Buffer.allocUnsafeSlow(2 ** 30); for (let o = 0; o < b.length; o += 4096) b[o] = 1; parts.push(b); }`;
  const result = spawnSync(process.execPath, ['-e', script], { stdio: 'inherit' });
  if (result.status !== 0) console.warn(`memory warm-up of ${gb} GiB failed (status ${result.status}); continuing cold`);
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const round = (x: number, d = 3) => Math.round(x * 10 ** d) / 10 ** d;

async function main(): Promise<void> {
  const role = process.argv[2];
  if (role === 'server') return runServer();
  if (role === 'sink') return runSink();
  if (role === 'tus') return runTusServer();
  if (role === 's3') return runS3();

  const dir = mkdtempSync(path.join(os.tmpdir(), 'mixroom-bench-wav-'));
  if (!process.env.BENCH_DATABASE_URL && IMPL === 'mixroom') {
    const { startPgliteProcess } = await import('../apps/server/src/db/pglite-process.js');
    console.log('initializing the embedded database once…');
    const template = path.join(dir, 'pglite');
    await (await startPgliteProcess(template, dir)).stop();
    process.env.BENCH_PGLITE_TEMPLATE = template;
  }
  const wav = path.join(dir, 'big.wav');
  console.log(`writing a ${MB} MB WAV…`);
  writeWav(wav, MB * 1024 * 1024);
  const size = statSync(wav).size;
  const mbps = (ms: number) => size / 1e6 / (ms / 1000);
  const s3 = IMPL === 'tus-server-s3' ? await startChild('s3') : null;
  if (s3) s3Endpoint = `http://127.0.0.1:${s3.port}`;
  const measureCandidate = IMPL === 'mixroom' ? measureMixroom : measureTus;
  try {
    console.log(`touching ${WARM_GB} GiB of memory first (--warm-gb 0 to skip)…`);
    warmMemory(WARM_GB);
    const loadBefore = os.loadavg();
    const runs = [];
    for (let i = 0; i < RUNS; i++) {
      // Alternate which side goes first, so a load change during the run hits both equally often.
      const sinkFirst = i % 2 === 0;
      const loadAtStart = os.loadavg()[0];
      let sink: Awaited<ReturnType<typeof measureSink>>;
      let mix: Awaited<ReturnType<typeof measureTus>>;
      if (sinkFirst) {
        sink = await measureSink(wav, size);
        mix = await measureCandidate(wav, size);
      } else {
        mix = await measureCandidate(wav, size);
        sink = await measureSink(wav, size);
      }
      const run = {
        order: sinkFirst ? `sink, ${IMPL}` : `${IMPL}, sink`,
        loadAverage1m: round(loadAtStart, 2),
        sink: { seconds: round(sink.ms / 1000), MBps: round(mbps(sink.ms), 1), cpuSeconds: sink.cpu },
        mixroom: {
          transferSeconds: round(mix.transferMs / 1000),
          endToEndSeconds: round(mix.totalMs / 1000),
          endToEndMBps: round(mbps(mix.totalMs), 1),
          completionSeconds: round(mix.lastMs / 1000),
          cpuSeconds: mix.cpu,
        },
        ratio: { transfer: round(sink.ms / mix.transferMs), endToEnd: round(sink.ms / mix.totalMs) },
        serverRss: mix.rss,
        sinkRss: sink.rss,
      };
      console.log(`run ${i + 1}/${RUNS} (${run.order}, load ${run.loadAverage1m}): sink ${run.sink.MBps} MB/s, ${IMPL} ${run.mixroom.endToEndMBps} MB/s → ratio ${run.ratio.endToEnd} (transfer ${run.ratio.transfer}), server RSS +${mix.rss.growthMB.toFixed(1)} MB; CPU s (user+sys) sink ${sink.cpu.server.user}+${sink.cpu.server.system}, server ${mix.cpu.server.user}+${mix.cpu.server.system}, client ${sink.cpu.client.user}+${sink.cpu.client.system} / ${mix.cpu.client.user}+${mix.cpu.client.system}`);
      runs.push(run);
    }
    const result = {
      date: new Date().toISOString(),
      machine: `${os.cpus()[0]?.model ?? 'cpu'} × ${os.cpus().length}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
      impl: IMPL,
      fileBytes: size,
      chunkBytes: CHUNK,
      warmGiB: WARM_GB,
      database: process.env.BENCH_DATABASE_URL ? 'postgres' : 'pglite',
      loadAverage: { before: loadBefore.map((x) => round(x, 2)), after: os.loadavg().map((x) => round(x, 2)) },
      medianRatio: { endToEnd: round(median(runs.map((r) => r.ratio.endToEnd))), transfer: round(median(runs.map((r) => r.ratio.transfer))), target: 0.7 },
      maxServerRssGrowthMB: round(Math.max(...runs.map((r) => r.serverRss.growthMB)), 1),
      targetRssGrowthMB: 64,
      runs,
    };
    console.log(JSON.stringify(result, null, 2));
    mkdirSync(path.join(ROOT, 'bench/results'), { recursive: true });
    const out = IMPL !== 'mixroom' ? `upload-${IMPL}.json` : process.env.BENCH_DATABASE_URL ? 'upload-postgres.json' : 'upload.json';
    writeFileSync(path.join(ROOT, 'bench/results', out), JSON.stringify(result, null, 2) + '\n');
  } finally {
    if (s3) await stop(s3.child);
    rmSync(dir, { recursive: true, force: true });
  }
}

void main().catch((err) => {
  console.error(err);
  process.exit(1);
});
