/**
 * Review-loop benchmark.
 * 1. Comment fan-out: 100 socket.io clients in 10 sessions (10 signed-up accounts, each a member
 *    of every session: one artist who posts, nine viewers), all subscribed to their session's
 *    review events; in each session the artist POSTs comments at a steady rate (REST → auth →
 *    validation → DB write of the comment, its mix snapshot and activity row → socket.io broadcast).
 *    Latency = POST sent → the comment event received by each client of the session (one process,
 *    one clock). Reference in the same run: a bare http + socket.io relay (own process) that
 *    broadcasts the POSTed body to the room — no auth, no validation, no database.
 *    Before the timed run, a capacity probe posts comments one after another (closed loop) to find
 *    the most comments/s the server absorbs; the offered rate is reported as a share of it, so a
 *    run that overloads the server (latency = queueing) says so.
 * 2. Session load: a session with 2,000 comments and 50 versions; the time for the requests the
 *    session page makes (session, comments, versions, activity, notifications, settings) in
 *    parallel, against GET /api/sessions/:id alone as the reference.
 *
 *   npm run bench:review [-- --sessions 10 --per-session 10 --rate 3 --seconds 10]
 *   BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test npm run bench:review   (own schema, dropped after)
 *   BENCH_CPU_PROF=/tmp/prof npm run bench:review   (server runs with --cpu-prof into that directory)
 *   -- --load-only   (just the session load, printed, nothing written); BENCH_KEEP=1 keeps the data dir / schema
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
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
/** Comments per second per session: a busy review (several people typing notes at once), not a flood. */
const RATE = opt('rate', 3);
const SECONDS = opt('seconds', 10);
const WARMUP = 2;
const PROBE = opt('probe', 150);
const LOAD_COMMENTS = opt('comments', 2000);
const LOAD_VERSIONS = opt('versions', 50);
const PG_BASE = process.env.BENCH_DATABASE_URL;

// ------------------------------------------------------------------ child roles

/** The Mixroom server on the data dir / database schema the parent chose (BENCH_DATA_DIR, BENCH_SCHEMA), so it can be restarted cold on the same data. */
async function runServer(): Promise<void> {
  const dataDir = process.env.BENCH_DATA_DIR!;
  let databaseUrl: string | undefined;
  if (PG_BASE) {
    const u = new URL(PG_BASE);
    u.searchParams.set('schema', process.env.BENCH_SCHEMA!);
    databaseUrl = u.toString();
  }
  const { createMixroomServer } = await import('../apps/server/src/app.js');
  const { createLogger } = await import('../apps/server/src/log.js');
  const server = await createMixroomServer(
    { port: 0, host: '127.0.0.1', dataDir, databaseUrl, webDist: path.join(dataDir, 'none'), migrationsDir: path.join(ROOT, 'prisma/migrations'), syncFlushMs: 50, syncCompactRows: 200, syncUnloadGraceMs: 30_000, uploadMaxBytes: 2 ** 31 - 1, uploadExpiryMs: 86_400_000 },
    { logger: createLogger('bench-server', 'warn'), seed: false, auth: { limits: { signUpsPerIp: 1_000_000, perIp: 1_000_000 } } },
  );
  const { port } = await server.listen();
  process.stdout.write(JSON.stringify({ port }) + '\n');
  process.on('SIGTERM', async () => {
    await server.close();
    process.exit(0);
  });
}

/** Where the bench's server keeps its data; removed (and the PostgreSQL schema dropped) at the end. */
function benchStorage() {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'mixroom-bench-review-'));
  const schema = `bench_review_${Date.now().toString(36)}`;
  return {
    env: { BENCH_DATA_DIR: dataDir, BENCH_SCHEMA: schema },
    async remove() {
      if (process.env.BENCH_KEEP) return void console.error(`kept: BENCH_DATA_DIR=${dataDir} BENCH_SCHEMA=${schema}`);
      rmSync(dataDir, { recursive: true, force: true });
      if (!PG_BASE) return;
      const base = new URL(PG_BASE);
      base.searchParams.delete('schema');
      const client = new pg.Client({ connectionString: base.toString() });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).finally(() => client.end());
    },
  };
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

function startChild(role: string, env: Record<string, string> = {}): Promise<{ child: ChildProcess; url: string }> {
  const prof = role === 'server' && process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(process.env.BENCH_CPU_PROF)}`] : [];
  const child = spawn(process.execPath, [...prof, '--import', 'tsx', path.join(ROOT, 'bench/review.ts'), `--${role}`], { stdio: ['ignore', 'pipe', 'inherit'], cwd: ROOT, env: { ...process.env, ...env } });
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

// ------------------------------------------------------------------ accounts

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const r2 = (x: number) => Math.round(x * 100) / 100;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function api<T>(url: string, cookie: string | null, method: string, body?: unknown): Promise<{ res: Response; json: T }> {
  const res = await fetch(url, { method, headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${url}: ${res.status} ${text}`);
  return { res, json: (text ? JSON.parse(text) : null) as T };
}

let accountCounter = 0;
async function signUp(url: string, name: string): Promise<string> {
  const { res } = await api(`${url}/api/auth/signup`, null, 'POST', { email: `${name}.${Date.now().toString(36)}.${++accountCounter}@bench.test`, name, password: 'bench review password' });
  return res.headers.get('set-cookie')!.split(';')[0];
}

interface Cast { sessions: string[]; owner: string; members: string[] }

/**
 * Real accounts on the Mixroom server: an owner creates the sessions and invites `perSession`
 * accounts to each (the first as artist, the others as viewers). The relay needs none of it.
 */
async function cast(url: string, relay: boolean, sessions: number, perSession: number): Promise<Cast> {
  if (relay) return { sessions: Array.from({ length: sessions }, (_, i) => `relay-${i}`), owner: '', members: Array(perSession).fill('') };
  const owner = await signUp(url, 'owner');
  const members: string[] = [];
  for (let c = 0; c < perSession; c++) members.push(await signUp(url, c === 0 ? 'artist' : `viewer${c}`));
  const ids: string[] = [];
  for (let i = 0; i < sessions; i++) {
    const { json } = await api<{ id: string }>(`${url}/api/sessions`, owner, 'POST', { title: `Bench ${i}` });
    ids.push(json.id);
    for (const [role, who] of [['artist', members.slice(0, 1)], ['viewer', members.slice(1)]] as const) {
      if (!who.length) continue;
      const invite = await api<{ token: string }>(`${url}/api/sessions/${json.id}/invites`, owner, 'POST', { role, maxUses: Math.max(1, who.length) });
      for (const cookie of who) await api(`${url}/api/invites/${invite.json.token}/accept`, cookie, 'POST');
    }
  }
  return { sessions: ids, owner, members };
}

// ------------------------------------------------------------------ measurement

const commentBody = (s: number, k: number) => `s${s} comment ${k} — the snare is a little loud here`;
const postComment = (url: string, cookie: string, sessionId: string, body: string) =>
  fetch(`${url}${reviewUrls(sessionId).comments}`, { method: 'POST', headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) }, body: JSON.stringify({ body, atSec: 0 }) })
    .then(async (res) => { if (res.status !== 201) throw new Error(`POST comment ${res.status} ${await res.text()}`); });

/** Closed loop, one comment at a time: the server's service time and so the most it can absorb. */
async function capacity(url: string, who: Cast) {
  const t0 = performance.now();
  for (let k = 0; k < PROBE; k++) await postComment(url, who.members[0], who.sessions[k % who.sessions.length], commentBody(k % who.sessions.length, -1 - k));
  const ms = (performance.now() - t0) / PROBE;
  return { comments: PROBE, msPerComment: r2(ms), commentsPerSecond: r2(1000 / ms) };
}

async function fanout(name: string, url: string, relay: boolean) {
  const who = await cast(url, relay, SESSIONS, PER_SESSION);
  const probe = await capacity(url, who);
  const clients: { socket: Socket; session: number }[] = [];
  for (let s = 0; s < SESSIONS; s++) {
    for (let c = 0; c < PER_SESSION; c++) {
      const cookie = who.members[c];
      const socket = ioClient(url, { path: '/socket.io', transports: ['websocket'], extraHeaders: cookie ? { cookie } : {}, forceNew: true, reconnection: false });
      await new Promise<void>((resolve, reject) => { socket.once('connect', () => resolve()); socket.once('connect_error', reject); });
      const ack = await socket.emitWithAck(REVIEW_EVENTS.subscribe, { sessionId: who.sessions[s] });
      if (!(ack as { ok: boolean }).ok) throw new Error(`subscribe failed: ${JSON.stringify(ack)}`);
      clients.push({ socket, session: s });
    }
  }
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  const postMs: number[] = [];
  let recording = false;
  let expected = 0;
  for (const { socket } of clients) {
    socket.on(REVIEW_EVENTS.comment, (c: { body: string }) => {
      const t0 = sentAt.get(c.body);
      if (t0 !== undefined) latencies.push(performance.now() - t0);
    });
  }
  const postOne = async (s: number, k: number, measured: boolean) => {
    const body = commentBody(s, k);
    const t0 = performance.now();
    if (measured) sentAt.set(body, t0);
    await postComment(url, who.members[0], who.sessions[s], body);
    if (measured) postMs.push(performance.now() - t0);
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
  const posts = [...postMs].sort((a, b) => a - b);
  const offered = SESSIONS * RATE;
  return {
    target: name, clients: clients.length, sessions: SESSIONS, commentsPerSecond: offered,
    capacity: probe, utilization: r2(offered / probe.commentsPerSecond),
    p50: r2(pct(sorted, 50)), p90: r2(pct(sorted, 90)), p99: r2(pct(sorted, 99)), max: r2(sorted[sorted.length - 1]),
    postP50: r2(pct(posts, 50)), postP99: r2(pct(posts, 99)),
    delivered: latencies.length, expected,
  };
}

function smallMaster(seed: number): Uint8Array {
  const sr = 48000;
  const ch = [0, 1].map(() => Float32Array.from({ length: sr * 2 }, (_, i) => 0.2 * Math.sin((2 * Math.PI * (200 + seed) * i) / sr)));
  return encodeWav(ch, sr, { bitDepth: 24, dither: 'none' });
}

async function sessionLoad(url: string) {
  const owner = await signUp(url, 'load-owner');
  const artist = await signUp(url, 'load-artist');
  const { json: session } = await api<{ id: string }>(`${url}/api/sessions`, owner, 'POST', { title: 'Long review' });
  const sessionId = session.id;
  const invite = await api<{ token: string }>(`${url}/api/sessions/${sessionId}/invites`, owner, 'POST', { role: 'artist' });
  await api(`${url}/api/invites/${invite.json.token}/accept`, artist, 'POST');
  const urls = reviewUrls(sessionId);
  const seedStart = performance.now();
  for (let i = 0; i < LOAD_COMMENTS; i += 20) {
    await Promise.all(Array.from({ length: Math.min(20, LOAD_COMMENTS - i) }, (_, j) =>
      fetch(`${url}${urls.comments}`, { method: 'POST', headers: { 'content-type': 'application/json', cookie: artist }, body: JSON.stringify({ body: `note ${i + j}: more air on the vocal`, atSec: (i + j) % 60, endSec: (i + j) % 3 ? null : ((i + j) % 60) + 2 }) })
        .then(async (r) => { if (r.status !== 201) throw new Error(`seed comment ${r.status} ${await r.text()}`); })));
  }
  const doc = new Y.Doc();
  initializeMix(doc, Array.from({ length: 8 }, (_, i) => ({ id: `c${i}`, name: `Ch ${i}`, stemId: `s${i}` })));
  const model = new MixModel(doc);
  for (let v = 0; v < LOAD_VERSIONS; v++) {
    model.setChannelGain(`c${v % 8}`, -((v * 1.5) % 20));
    const res = await fetch(`${url}${urls.versions}?source=bounce&notes=v${v + 1}`, {
      method: 'POST',
      headers: { 'content-type': 'audio/wav', cookie: owner, [MIX_STATE_HEADER]: Buffer.from(Y.encodeStateAsUpdate(doc)).toString('base64') },
      body: Buffer.from(smallMaster(v)),
    });
    if (res.status !== 201) throw new Error(`seed version ${res.status} ${await res.text()}`);
  }
  const seedMs = performance.now() - seedStart;

  const get = async (base: string, p: string) => {
    const res = await fetch(`${base}${p}`, { headers: { cookie: artist } });
    if (res.status !== 200) throw new Error(`${p}: ${res.status}`);
    return res.arrayBuffer();
  };
  // What the session page asks for when it opens (ReviewClient.refresh plus the session itself).
  const page = [`/api/sessions/${sessionId}`, urls.comments, urls.versions, urls.activity, urls.notifications, urls.settings];
  const timeAt = (base: string) => async (paths: string[]) => {
    const t0 = performance.now();
    const each: Record<string, number> = {};
    const bodies = await Promise.all(paths.map((p) => get(base, p).then((b) => ((each[p.replace(/.*\/sessions\/[^/]+/, '') || '/session'] = r2(performance.now() - t0)), b))));
    return { ms: performance.now() - t0, bytes: bodies.reduce((n, b) => n + b.byteLength, 0), each };
  };
  if (process.env.BENCH_KEEP) console.error(`session ${sessionId}, artist cookie ${artist}`);
  return { sessionId, seedMs, page, timeIt: timeAt(url), timeAt };
}

async function measureLoad(prepared: Awaited<ReturnType<typeof sessionLoad>>) {
  const { seedMs, page, timeIt, sessionId } = prepared;
  // The first load after a server start is the cold one: nothing decoded or cached in the process.
  const cold = await timeIt(page);
  const full: number[] = [];
  const reference: number[] = [];
  let bytes = cold.bytes;
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
    coldMs: r2(cold.ms), coldByRequestMs: cold.each, p50Ms: r2(pct(full, 50)), maxMs: r2(full[full.length - 1]), responseBytes: bytes,
    referenceP50Ms: r2(pct(reference, 50)), ratio: r2(pct(full, 50) / pct(reference, 50)),
  };
}

type FanoutResult = Awaited<ReturnType<typeof fanout>>;
interface Result {
  date: string; node: string; loadAverageAtStart: number[]; loadAverageAtEnd: number[]; cpus: number; cpu: string | undefined; db: 'pglite' | 'postgres';
  fanout: { mixroom: FanoutResult; relay: FanoutResult; ratio: { p50: number; p99: number }; meetsTarget: boolean };
  load: Awaited<ReturnType<typeof measureLoad>> & { meetsTarget: boolean };
}

async function main(): Promise<void> {
  if (args.includes('--server')) return runServer();
  if (args.includes('--relay')) return runRelay();
  const loadAverageAtStart = os.loadavg().map(r2);

  // --load-only: just the session-load half (while working on it); nothing is written to results.
  const loadOnly = args.includes('--load-only');
  // The relay first, then Mixroom, so both start from the same (idle) state of this process.
  let relay;
  if (!loadOnly) {
    const relayChild = await startChild('relay');
    try {
      relay = await fanout('socket.io-relay', relayChild.url, true);
    } finally {
      await stopChild(relayChild.child);
    }
  }
  const storage = benchStorage();
  let mixroom, load;
  try {
    let server = await startChild('server', storage.env);
    let prepared;
    try {
      if (!loadOnly) mixroom = await fanout('mixroom', server.url, false);
      prepared = await sessionLoad(server.url);
    } finally {
      await stopChild(server.child);
    }
    // Restart on the same data so the first page load is really cold (nothing cached in the process).
    server = await startChild('server', storage.env);
    try {
      load = await measureLoad({ ...prepared, timeIt: prepared.timeAt(server.url) });
    } finally {
      await stopChild(server.child);
    }
  } finally {
    await storage.remove();
  }

  if (loadOnly || !mixroom || !relay) {
    console.log(JSON.stringify(load, null, 2));
    return;
  }
  const db = PG_BASE ? 'postgres' : 'pglite';
  const result: Result = {
    date: new Date().toISOString(), node: process.version, loadAverageAtStart, loadAverageAtEnd: os.loadavg().map(r2), cpus: os.cpus().length, cpu: os.cpus()[0]?.model,
    db,
    fanout: { mixroom, relay, ratio: { p50: r2(mixroom.p50 / relay.p50), p99: r2(mixroom.p99 / relay.p99) }, meetsTarget: mixroom.p99 <= 20 },
    load: { ...load, meetsTarget: load.coldMs < 1000 && load.p50Ms < 1000 },
  };
  mkdirSync(path.join(ROOT, 'bench/results'), { recursive: true });
  const file = (kind: string) => path.join(ROOT, `bench/results/review${kind === 'postgres' ? '-postgres' : ''}.json`);
  writeFileSync(file(db), JSON.stringify(result, null, 2) + '\n');
  console.log(JSON.stringify(result, null, 2));
  const all = ['pglite', 'postgres'].filter((k) => existsSync(file(k))).map((k) => JSON.parse(readFileSync(file(k), 'utf8')) as Result);
  writeSection(all);
}

function writeSection(runs: Result[]) {
  const row = (r: Result, x: FanoutResult) =>
    `| ${r.db} | ${x.target} | ${x.commentsPerSecond} (${Math.round(x.utilization * 100)} % of ${x.capacity.commentsPerSecond}/s) | ${x.p50} | ${x.p90} | ${x.p99} | ${x.max} | ${x.postP50} | ${x.delivered}/${x.expected} |`;
  const md = [
    '## Review loop',
    '',
    'Command: `npm run bench:review` (PGlite) and `BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test npm run bench:review` ' +
      '(PostgreSQL, in a schema of its own that is dropped afterwards); results in `bench/results/review.json` and `review-postgres.json`. ' +
      'Options: `-- --sessions 10 --per-session 10 --rate 3 --seconds 10 --probe 150 --comments 2000 --versions 50`.',
    '',
    `**Comment fan-out**: 100 socket.io clients in 10 sessions (10 signed-up accounts, each a member of every session: one artist who posts, ` +
      `nine viewers), all subscribed to their session's review events. In each session the artist POSTs a comment ${RATE}×/s, staggered across ` +
      `sessions (${SESSIONS * RATE} comments/s in all — a busy review, far above what people type), for ${SECONDS} s after ${WARMUP} s warm-up. ` +
      'Latency = POST sent → `review:comment` received, at every client of the session (clients share this process\'s clock; the server runs ' +
      'in its own process). Each comment is authenticated (cookie), checked against the member\'s role, validated (time inside the song), ' +
      'stored with a snapshot of the session\'s mix and its activity row in one statement, then broadcast. Reference: a bare http + socket.io ' +
      'relay (own process, same clients) broadcasting the POSTed body to the room. Before each timed run a closed-loop probe posts ' +
      'comments one at a time to measure how many per second that server absorbs; the offered rate is shown as a share of it ' +
      '(near or above 100 % the latency is queueing, not the cost of a comment).',
    '',
    '| DB | target | offered comments/s (share of capacity) | p50 ms | p90 ms | p99 ms | max ms | POST p50 ms | delivered/expected |',
    '|---|---|---|---|---|---|---|---|---|',
    ...runs.flatMap((r) => [row(r, r.fanout.mixroom), row(r, r.fanout.relay)]),
    '',
    ...runs.map((r) => `- ${r.db} (${r.date.slice(0, 16).replace('T', ' ')} UTC, load average ${r.loadAverageAtStart.join(', ')} at start, ${r.loadAverageAtEnd.join(', ')} at end; ` +
      `${r.cpu} × ${r.cpus}, Node ${r.node}): Mixroom / relay p50 ×${r.fanout.ratio.p50}, p99 ×${r.fanout.ratio.p99}; target p99 ≤ 20 ms ${r.fanout.meetsTarget ? '**met**' : '**NOT met**'}.`),
    '',
    `**Session load**: one session with ${runs[0]?.load.comments} comments (a third of them ranges) and ${runs[0]?.load.versions} versions ` +
      '(each with its mix state, so the list shows 49 mix diffs). Time for the six requests the session page makes when it opens, in ' +
      'parallel (session, comments, versions, activity, notifications, settings), as the artist; cold = the first load in the server process ' +
      '(nothing decoded or cached yet), then the median and max of 15 loads. Reference: `GET /api/sessions/:id` alone.',
    '',
    '| DB | cold ms | p50 ms | max ms | JSON KiB | reference p50 ms | p50 / reference | target < 1 s (cold and p50) |',
    '|---|---|---|---|---|---|---|---|',
    ...runs.map((r) => `| ${r.db} | ${r.load.coldMs} | ${r.load.p50Ms} | ${r.load.maxMs} | ${Math.round(r.load.responseBytes / 1024)} | ${r.load.referenceP50Ms} | ×${r.load.ratio} | ${r.load.meetsTarget ? 'met' : 'NOT met'} |`),
    '',
    'API only; the Chromium page itself is not timed here.',
    '',
  ].join('\n');
  console.log(md);
  // The run's table, as printed, replaces its section in latest-runs.md; BENCHMARKS.md (one table
  // of current figures) and history.md are written by hand from it.
  const benchMd = path.join(ROOT, 'bench/results/latest-runs.md');
  const existing = existsSync(benchMd) ? readFileSync(benchMd, 'utf8') : '# The last run of each printed benchmark\n\n';
  const section = /## Review loop\n[\s\S]*?(?=\n## |$)/;
  const notes = existing.match(/<!-- review-notes -->[\s\S]*?<!-- \/review-notes -->\n/)?.[0] ?? '';
  const text = md + (notes ? `\n${notes}` : '');
  if (section.test(existing)) writeFileSync(benchMd, existing.replace(section, () => text.replace(/\n+$/, '\n')));
  else writeFileSync(benchMd, existing.replace(/\n*$/, '\n\n') + text);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
