/**
 * Review-loop benchmark.
 * 1. Comment fan-out: 100 socket.io clients in 10 sessions, all subscribed to their session's
 *    review events; in each session one user POSTs comments (REST → validation → DB insert with
 *    the mix snapshot and activity row → socket.io broadcast). Latency = POST sent → the comment
 *    event received by each of the other clients of the session (one process, one clock).
 *    Reference in the same run: a bare http + socket.io relay (own process) that broadcasts the
 *    POSTed body to the room — no validation, no database.
 * 2. Session load: a session with 2,000 comments and 50 versions; the time for the requests the
 *    session page makes (session, comments, versions, activity, notifications) in parallel,
 *    against GET /api/sessions/:id alone as the reference.
 *
 *   npm run bench:review [-- --sessions 10 --per-session 10 --rate 2 --seconds 10]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Server } from 'socket.io';
import { io as ioClient, type Socket } from 'socket.io-client';
import * as Y from 'yjs';
import { encodeWav, initializeMix, MixModel } from '../packages/engine/src/index';
import { MIX_STATE_HEADER, REVIEW_EVENTS, reviewUrls } from '../packages/protocol/src/index';

const ROOT = path.resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const opt = (name: string, def: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const SESSIONS = opt('sessions', 10);
const PER_SESSION = opt('per-session', 10);
const RATE = opt('rate', 2); // comments per second per session
const SECONDS = opt('seconds', 10);
const WARMUP = 2;
const LOAD_COMMENTS = opt('comments', 2000);
const LOAD_VERSIONS = opt('versions', 50);

const idHeaders = (userId: string, role: string) => ({ 'x-mixroom-user': userId, 'x-mixroom-name': userId, 'x-mixroom-role': role });

// ------------------------------------------------------------------ child roles

async function runServer(): Promise<void> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'mixroom-bench-review-'));
  const { createMixroomServer } = await import('../apps/server/src/app.js');
  const { createLogger } = await import('../apps/server/src/log.js');
  const server = await createMixroomServer(
    { port: 0, host: '127.0.0.1', dataDir, databaseUrl: process.env.BENCH_DATABASE_URL, webDist: path.join(dataDir, 'none'), migrationsDir: path.join(ROOT, 'prisma/migrations'), syncFlushMs: 50, syncCompactRows: 200, syncUnloadGraceMs: 30_000 },
    { logger: createLogger('bench-server', 'warn'), seed: false },
  );
  const { port } = await server.listen();
  process.stdout.write(JSON.stringify({ port }) + '\n');
  process.on('SIGTERM', async () => {
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
    process.exit(0);
  });
}

/** The reference: receive a POST, broadcast its body to the session's room. */
function runRelay(): void {
  const http = createServer((req, res) => {
    const m = /^\/api\/sessions\/([^/]+)\/comments$/.exec(req.url ?? '');
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (m) io.to(`review:${m[1]}`).emit(REVIEW_EVENTS.comment, JSON.parse(Buffer.concat(chunks).toString('utf8')));
      res.writeHead(m ? 201 : 404, { 'content-type': 'application/json' }).end('{}');
    });
  });
  const io = new Server(http, { path: '/socket.io', serveClient: false });
  io.on('connection', (socket) => {
    socket.on(REVIEW_EVENTS.subscribe, async (p: { sessionId: string }, ack: (a: unknown) => void) => {
      await socket.join(`review:${p.sessionId}`);
      ack({ ok: true });
    });
  });
  http.listen(0, '127.0.0.1', () => {
    const addr = http.address() as { port: number };
    process.stdout.write(JSON.stringify({ port: addr.port }) + '\n');
  });
  process.on('SIGTERM', () => process.exit(0));
}

function startChild(role: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'bench/review.ts'), `--${role}`], { stdio: ['ignore', 'pipe', 'inherit'], cwd: ROOT });
  return new Promise((resolve, reject) => {
    let buf = '';
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      const line = buf.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve({ child, url: `http://127.0.0.1:${JSON.parse(line).port}` });
    });
    child.once('exit', (code) => reject(new Error(`${role} exited with ${code}`)));
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

// ------------------------------------------------------------------ measurement

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const r2 = (x: number) => Math.round(x * 100) / 100;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function createSessions(url: string, n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const res = await fetch(`${url}/api/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ title: `Bench ${i}` }) });
    if (res.status === 201) ids.push(((await res.json()) as { id: string }).id);
    else ids.push(`relay-${i}`);
  }
  return ids;
}

async function fanout(name: string, url: string) {
  const sessions = await createSessions(url, SESSIONS);
  const clients: { socket: Socket; session: number }[] = [];
  for (let s = 0; s < SESSIONS; s++) {
    for (let c = 0; c < PER_SESSION; c++) {
      const socket = ioClient(url, { path: '/socket.io', transports: ['websocket'], extraHeaders: idHeaders(`u${s}-${c}`, c === 0 ? 'artist' : 'viewer'), forceNew: true });
      await new Promise<void>((resolve, reject) => { socket.once('connect', () => resolve()); socket.once('connect_error', reject); });
      const ack = await socket.emitWithAck(REVIEW_EVENTS.subscribe, { sessionId: sessions[s] });
      if (!(ack as { ok: boolean }).ok) throw new Error(`subscribe failed: ${JSON.stringify(ack)}`);
      clients.push({ socket, session: s });
    }
  }
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  let recording = false;
  let expected = 0;
  for (const { socket } of clients) {
    socket.on(REVIEW_EVENTS.comment, (c: { body: string }) => {
      const t0 = sentAt.get(c.body);
      if (t0 !== undefined) latencies.push(performance.now() - t0);
    });
  }
  const postOne = async (s: number, k: number, measured: boolean) => {
    const body = `s${s} comment ${k} — the snare is a little loud here`;
    const t0 = performance.now();
    if (measured) sentAt.set(body, t0);
    const res = await fetch(`${url}${reviewUrls(sessions[s]).comments}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...idHeaders(`u${s}-0`, 'artist') },
      body: JSON.stringify({ body, atSec: 0 }),
    });
    if (res.status !== 201) throw new Error(`${name}: POST comment ${res.status} ${await res.text()}`);
  };
  const total = (WARMUP + SECONDS) * RATE;
  const pending: Promise<void>[] = [];
  const start = performance.now();
  for (let k = 0; k < total; k++) {
    if (k === WARMUP * RATE) recording = true;
    // Sessions post staggered across the interval, like independent users.
    for (let s = 0; s < SESSIONS; s++) {
      const due = start + (k + s / SESSIONS) * (1000 / RATE);
      await sleep(Math.max(0, due - performance.now()));
      pending.push(postOne(s, k, recording));
      if (recording) expected += PER_SESSION; // the poster's own socket also receives it
    }
  }
  await Promise.all(pending);
  await sleep(500);
  clients.forEach((c) => c.socket.close());
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    target: name, clients: clients.length, sessions: SESSIONS, commentsPerSecond: SESSIONS * RATE,
    p50: r2(pct(sorted, 50)), p90: r2(pct(sorted, 90)), p99: r2(pct(sorted, 99)), max: r2(sorted[sorted.length - 1]),
    delivered: latencies.length, expected,
  };
}

function smallMaster(seed: number): Uint8Array {
  const sr = 48000;
  const ch = [0, 1].map(() => Float32Array.from({ length: sr * 2 }, (_, i) => 0.2 * Math.sin((2 * Math.PI * (200 + seed) * i) / sr)));
  return encodeWav(ch, sr, { bitDepth: 24, dither: 'none' });
}

async function sessionLoad(url: string) {
  const [sessionId] = await createSessions(url, 1);
  const urls = reviewUrls(sessionId);
  const artist = idHeaders('ana', 'artist');
  const engineer = idHeaders('eddie', 'engineer');
  const seedStart = performance.now();
  for (let i = 0; i < LOAD_COMMENTS; i += 20) {
    await Promise.all(Array.from({ length: Math.min(20, LOAD_COMMENTS - i) }, (_, j) =>
      fetch(`${url}${urls.comments}`, { method: 'POST', headers: { 'content-type': 'application/json', ...artist }, body: JSON.stringify({ body: `note ${i + j}: more air on the vocal`, atSec: (i + j) % 60, endSec: (i + j) % 3 ? null : ((i + j) % 60) + 2 }) })
        .then((r) => { if (r.status !== 201) throw new Error(`seed comment ${r.status}`); })));
  }
  const doc = new Y.Doc();
  initializeMix(doc, Array.from({ length: 8 }, (_, i) => ({ id: `c${i}`, name: `Ch ${i}`, stemId: `s${i}` })));
  const model = new MixModel(doc);
  for (let v = 0; v < LOAD_VERSIONS; v++) {
    model.setChannelGain(`c${v % 8}`, -((v * 1.5) % 20));
    const res = await fetch(`${url}${urls.versions}?source=bounce&notes=v${v + 1}`, {
      method: 'POST',
      headers: { 'content-type': 'audio/wav', ...engineer, [MIX_STATE_HEADER]: Buffer.from(Y.encodeStateAsUpdate(doc)).toString('base64') },
      body: Buffer.from(smallMaster(v)),
    });
    if (res.status !== 201) throw new Error(`seed version ${res.status} ${await res.text()}`);
  }
  const seedMs = performance.now() - seedStart;

  const get = async (p: string) => {
    const res = await fetch(`${url}${p}`, { headers: artist });
    if (res.status !== 200) throw new Error(`${p}: ${res.status}`);
    return res.arrayBuffer();
  };
  const page = [`/api/sessions/${sessionId}`, urls.comments, urls.versions, `${urls.activity}?limit=100`, urls.notifications];
  const timeIt = async (paths: string[]) => {
    const t0 = performance.now();
    const bodies = await Promise.all(paths.map(get));
    return { ms: performance.now() - t0, bytes: bodies.reduce((n, b) => n + b.byteLength, 0) };
  };
  // First load after seeding is the cold one (version diffs not cached yet).
  const cold = await timeIt(page);
  const full: number[] = [];
  const reference: number[] = [];
  let bytes = 0;
  for (let i = 0; i < 15; i++) {
    const f = await timeIt(page);
    full.push(f.ms);
    bytes = f.bytes;
    reference.push((await timeIt([`/api/sessions/${sessionId}`])).ms);
  }
  full.sort((a, b) => a - b);
  reference.sort((a, b) => a - b);
  return {
    comments: LOAD_COMMENTS, versions: LOAD_VERSIONS, seedSeconds: r2(seedMs / 1000),
    coldMs: r2(cold.ms), p50Ms: r2(pct(full, 50)), maxMs: r2(full[full.length - 1]), responseBytes: bytes,
    referenceP50Ms: r2(pct(reference, 50)), ratio: r2(pct(full, 50) / pct(reference, 50)),
  };
}

async function main(): Promise<void> {
  if (args.includes('--server')) return runServer();
  if (args.includes('--relay')) return runRelay();

  const server = await startChild('server');
  let mixroom, load;
  try {
    mixroom = await fanout('mixroom', server.url);
    load = await sessionLoad(server.url);
  } finally {
    await stopChild(server.child);
  }
  const relayChild = await startChild('relay');
  let relay;
  try {
    relay = await fanout('socket.io-relay', relayChild.url);
  } finally {
    await stopChild(relayChild.child);
  }

  const result = {
    date: new Date().toISOString(), node: process.version, loadAverageAtEnd: os.loadavg().map(r2), cpus: os.cpus().length, cpu: os.cpus()[0]?.model,
    db: process.env.BENCH_DATABASE_URL ? 'postgres' : 'pglite',
    fanout: { mixroom, relay, ratio: { p50: r2(mixroom.p50 / relay.p50), p99: r2(mixroom.p99 / relay.p99) }, meetsTarget: mixroom.p99 <= 20 },
    load: { ...load, meetsTarget: load.p50Ms < 1000 },
  };
  mkdirSync(path.join(ROOT, 'bench/results'), { recursive: true });
  writeFileSync(path.join(ROOT, 'bench/results/review.json'), JSON.stringify(result, null, 2) + '\n');

  const row = (x: typeof mixroom) => `| ${x.target} | ${x.p50} | ${x.p90} | ${x.p99} | ${x.max} | ${x.delivered}/${x.expected} |`;
  const md = [
    '## Review loop',
    '',
    `Command: \`npm run bench:review\` (${result.date.slice(0, 10)}). Machine: ${result.cpu} × ${result.cpus} cores, Node ${result.node}. Server DB: ${result.db}. Load average at the end (other jobs share the machine): ${result.loadAverageAtEnd.join(', ')}.`,
    '',
    `**Comment fan-out**: ${mixroom.clients} socket.io clients in ${SESSIONS} sessions, all subscribed to their session's review events; in each session one ` +
      `artist POSTs a comment ${RATE}×/s (${mixroom.commentsPerSecond} comments/s in all) for ${SECONDS} s after ${WARMUP} s warm-up. Latency = POST sent → ` +
      `\`review:comment\` received, at every client of the session (clients share this process's clock; the server runs in its own process). Each comment ` +
      `is validated, stored with a snapshot of the session's mix and an activity row in one transaction, then broadcast. Reference: a bare http + socket.io ` +
      `relay (own process) broadcasting the POSTed body to the room.`,
    '',
    '| target | p50 ms | p90 ms | p99 ms | max ms | delivered/expected |',
    '|---|---|---|---|---|---|',
    row(mixroom),
    row(relay),
    '',
    `Mixroom / relay: p50 ×${result.fanout.ratio.p50}, p99 ×${result.fanout.ratio.p99}. Target p99 ≤ 20 ms: ${result.fanout.meetsTarget ? 'met' : 'NOT met'}.`,
    '',
    `**Session load**: one session with ${load.comments} comments (a third of them ranges) and ${load.versions} versions (each with its mix state, so the ` +
      `list computes ${load.versions - 1} mix diffs). Time for the five requests the session page makes, in parallel (session, comments, versions, ` +
      `activity, notifications; ${Math.round(load.responseBytes / 1024)} KiB of JSON), median of 15 runs; the first (cold) run decodes every version's mix.`,
    '',
    '| | ms |',
    '|---|---|',
    `| cold (first load) | ${load.coldMs} |`,
    `| p50 | ${load.p50Ms} |`,
    `| max | ${load.maxMs} |`,
    `| reference: \`GET /api/sessions/:id\` alone, p50 | ${load.referenceP50Ms} |`,
    '',
    `Page data / reference: ×${load.ratio}. Target < 1 s: ${result.load.meetsTarget ? 'met' : 'NOT met'} (API only; the Chromium page is not timed here).`,
    '',
  ].join('\n');
  console.log(md);
  const benchMd = path.join(ROOT, 'BENCHMARKS.md');
  const existing = existsSync(benchMd) ? readFileSync(benchMd, 'utf8') : '# Benchmarks\n\n';
  const section = /## Review loop\n[\s\S]*?(?=\n## |$)/;
  if (section.test(existing)) writeFileSync(benchMd, existing.replace(section, () => md.replace(/\n+$/, '\n')));
  else writeFileSync(benchMd, existing.replace(/\n*$/, '\n\n') + md);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
