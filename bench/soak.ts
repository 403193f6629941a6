/**
 * Soak: many people moving faders at once, for minutes. 20 sessions × 5 y-websocket clients, every
 * client dragging its own channel's fader with MixModel.setChannelGain at 30 Hz (100 clients,
 * ~3,000 moves/s), the other 4 clients of the session timing each move's arrival. Reported per run:
 * moves/s, end-to-end fader latency p50/p99, the server's event-loop delay p99 per 5 s window
 * (perf_hooks.monitorEventLoopDelay, reset every window), server RSS start → end, errors and
 * disconnects. The same clients then run against a bare relay (plain `ws` room broadcast, no
 * document, no database, no checks) in the same run, as the floor.
 *
 *   npm run bench:soak [-- --minutes 3 --sessions 20 --per-session 5 --hz 30]
 *
 * BENCH_PROFILE_DIR=<dir> adds --cpu-prof to the server (and relay) process. BENCH_HEAP_GC=1 runs
 * a full GC in the server before each 5 s report, so its heap figures are the live heap (a leak
 * shows as a rising line; without it they include garbage not yet collected).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { WebSocket, WebSocketServer } from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { MixModel, initializeMix } from '../packages/engine/src/index';

const ROOT = path.resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const opt = (name: string, def: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const MINUTES = opt('minutes', 3);
const SESSIONS = opt('sessions', 20);
const PER_SESSION = opt('per-session', 5);
const HZ = opt('hz', 30);
const WARMUP_S = 5;
const WINDOW_MS = 5_000;
const TARGET_LOOP_P99_MS = 20;
const TARGET_FADER_P99_MS = 30;

// ------------------------------------------------------------------ child roles

/**
 * Every 5 s: event-loop delay p99/max of the window (ms), RSS and heap (MB), CPU time (ms) and the
 * window's garbage-collection pauses (total and longest, ms, from perf_hooks 'gc' entries), as a
 * JSON line on stdout.
 */
function reportLoop(): void {
  const gc = process.env.BENCH_HEAP_GC === '1' ? (globalThis as { gc?: () => void }).gc : undefined;
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  let gcMs = 0;
  let gcMaxMs = 0;
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      gcMs += e.duration;
      gcMaxMs = Math.max(gcMaxMs, e.duration);
    }
  }).observe({ entryTypes: ['gc'] });
  let cpu = process.cpuUsage();
  setInterval(() => {
    const used = process.cpuUsage(cpu);
    const loop = { p99: h.percentile(99) / 1e6, max: h.max / 1e6 };
    const gcWindow = { ms: gcMs, maxMs: gcMaxMs };
    gc?.();
    cpu = process.cpuUsage();
    gcMs = gcMaxMs = 0;
    const m = process.memoryUsage();
    process.stdout.write(JSON.stringify({ loop, gc: gcWindow, rssMb: m.rss / 2 ** 20, heapMb: m.heapUsed / 2 ** 20, externalMb: m.external / 2 ** 20, cpuMs: (used.user + used.system) / 1000 }) + '\n');
    h.reset();
  }, WINDOW_MS).unref();
}

async function runServer(): Promise<void> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'mixroom-soak-'));
  const { createMixroomServer } = await import('../apps/server/src/app.js');
  const { createLogger } = await import('../apps/server/src/log.js');
  const server = await createMixroomServer(
    { port: 0, host: '127.0.0.1', dataDir, databaseUrl: process.env.BENCH_DATABASE_URL, webDist: path.join(dataDir, 'none'), migrationsDir: path.join(ROOT, 'prisma/migrations'), syncFlushMs: 50, syncCompactRows: 200, syncUnloadGraceMs: 30_000, uploadMaxBytes: 2_000_000_000, uploadExpiryMs: 86_400_000 },
    { logger: createLogger('soak-server', 'warn'), seed: false, auth: { limits: { signUpsPerIp: 1_000_000, perIp: 1_000_000 } } },
  );
  const { port } = await server.listen();
  process.stdout.write(JSON.stringify({ port }) + '\n');
  reportLoop();
  process.on('SIGTERM', async () => {
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
    process.exit(0);
  });
}

function runRelay(): void {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  const rooms = new Map<string, Set<WebSocket>>();
  wss.on('connection', (ws, req) => {
    const room = req.url ?? '/';
    let peers = rooms.get(room);
    if (!peers) rooms.set(room, (peers = new Set()));
    peers.add(ws);
    ws.on('message', (data, isBinary) => {
      for (const p of peers!) if (p !== ws && p.readyState === WebSocket.OPEN) p.send(data, { binary: isBinary });
    });
    ws.on('close', () => peers!.delete(ws));
  });
  wss.on('listening', () => {
    process.stdout.write(JSON.stringify({ port: (wss.address() as { port: number }).port }) + '\n');
    reportLoop();
  });
  process.on('SIGTERM', () => wss.close(() => process.exit(0)));
}

// ------------------------------------------------------------------ orchestrator

interface Sample { loop: { p99: number; max: number }; gc: { ms: number; maxMs: number }; rssMb: number; heapMb: number; externalMb: number; cpuMs: number }
interface Child { child: ChildProcess; port: number; samples: Sample[]; errors: number; errorLines: string[] }
const children: ChildProcess[] = [];

function startChild(role: 'server' | 'relay'): Promise<Child> {
  const prof = process.env.BENCH_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}`] : [];
  if (process.env.BENCH_HEAP_GC === '1') prof.push('--expose-gc');
  const child = spawn(process.execPath, [...process.execArgv, ...prof, process.argv[1], role], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LOG_LEVEL: 'warn' } });
  children.push(child);
  const state: Child = { child, port: 0, samples: [], errors: 0, errorLines: [] };
  child.stderr!.on('data', (d: Buffer) => {
    for (const line of d.toString().split('\n')) {
      if (!/ERROR|WARN|Error/.test(line)) continue;
      state.errors++;
      if (state.errorLines.length < 5) state.errorLines.push(line.slice(0, 300));
    }
  });
  return new Promise((resolve, reject) => {
    let buf = '';
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      const lines = buf.split('\n');
      buf = lines.pop()!;
      for (const l of lines) {
        if (!l.startsWith('{')) continue;
        const msg = JSON.parse(l);
        if (msg.port) {
          state.port = msg.port;
          resolve(state);
        } else if (msg.loop) state.samples.push(msg);
      }
    });
    child.once('exit', (code) => reject(new Error(`${role} exited with ${code}`)));
  });
}

const stopChild = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    child.removeAllListeners('exit');
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });

let benchCookie = '';
class CookieWebSocket extends WebSocket {
  constructor(address: string, protocols?: string | string[]) {
    super(address, protocols, { headers: { cookie: benchCookie } });
  }
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
const round = (n: number) => Math.round(n * 100) / 100;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function waitUntil(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await sleep(50);
  }
}

interface RunStats {
  target: string;
  clients: number;
  seconds: number;
  moves: number;
  movesPerSec: number;
  deliveries: number;
  expectedDeliveries: number;
  faderP50Ms: number;
  faderP99Ms: number;
  faderMaxMs: number;
  loopP99PerWindowMs: { median: number; worst: number; windows: number };
  loopMaxMs: number;
  /** Garbage collection in the server: ms per second of run, the longest pause, and the longest pause in the window with the worst loop p99. */
  gc: { msPerSec: number; maxPauseMs: number; worstLoopWindowMaxPauseMs: number };
  rssMb: { start: number; end: number };
  /** Heap used and external (Buffers, ArrayBuffers) memory, first → last window. */
  heapMb: { start: number; end: number };
  externalMb: { start: number; end: number };
  memoryEvery30s: { rssMb: number; heapMb: number; externalMb: number }[];
  clientLoopP99Ms: number;
  /** Server (or relay) CPU time per 1,000 moves: far less sensitive to a shared machine's load than the delays. */
  serverCpuMsPer1000Moves: number;
  disconnects: number;
  connectionErrors: number;
  serverErrors: number;
  serverErrorSample: string[];
  loadAvg: { start: number[]; end: number[] };
}

/** The same 100 MixModel clients against `target`: each drags its own channel's fader at HZ; the others time its arrival. */
async function soak(target: 'mixroom' | 'ws-relay', child: Child, sessionIds: string[]): Promise<RunStats> {
  const wsBase = target === 'mixroom' ? `ws://127.0.0.1:${child.port}/yjs` : `ws://127.0.0.1:${child.port}`;
  const channelOf = (i: number) => `c${i}`;
  type Client = { sid: string; i: number; doc: Y.Doc; model: MixModel; provider: WebsocketProvider };
  const clients: Client[] = [];
  let disconnects = 0;
  let connectionErrors = 0;
  let measuring = false;
  for (const sid of sessionIds) {
    for (let i = 0; i < PER_SESSION; i++) {
      const doc = new Y.Doc();
      const provider = new WebsocketProvider(wsBase, sid, doc, { WebSocketPolyfill: CookieWebSocket as never, disableBc: true });
      provider.on('connection-close', () => { if (measuring) disconnects++; });
      provider.on('connection-error', () => { if (measuring) connectionErrors++; });
      clients.push({ sid, i, doc, model: new MixModel(doc), provider });
    }
  }
  await waitUntil(() => clients.every((c) => c.provider.wsconnected), 60_000, `${target}: clients connected`);
  // One channel per client, created by the first client of each session.
  for (const c of clients) if (c.i === 0) initializeMix(c.doc, Array.from({ length: PER_SESSION }, (_, i) => ({ id: channelOf(i), name: `Ch ${i}`, stemId: `s${i}` })));
  await waitUntil(() => clients.every((c) => c.model.hasChannel(channelOf(PER_SESSION - 1))), 60_000, `${target}: channels visible everywhere`);

  // Send time of each (session, channel, value): values are unique per sender, so the value identifies
  // the move. An entry goes once all the move's receivers have timed it: kept for ever, the map
  // reached ~500k string keys in a 3-minute run, and its growth and collection were the bench
  // process's own event-loop delay (which adds to every latency it measures, the relay's too).
  const sentAt = new Map<string, { t: number; left: number }>();
  const latencies: number[] = [];
  let moves = 0;
  for (const c of clients) {
    c.model.onChange((change) => {
      if (change.local || !measuring) return;
      const now = performance.now();
      for (const key of change.params) {
        if (!key.endsWith('/gain') || !key.startsWith('ch:')) continue;
        const channel = key.slice(3, -5);
        const move = `${c.sid}|${channel}|${c.model.getChannelParam(channel, 'gain')}`;
        const sent = sentAt.get(move);
        if (sent === undefined) continue;
        latencies.push(now - sent.t);
        if (--sent.left === 0) sentAt.delete(move);
      }
    });
  }
  const clientLoop = monitorEventLoopDelay({ resolution: 1 });
  const timers: NodeJS.Timeout[] = [];
  for (const c of clients) {
    let n = 0;
    const channel = channelOf(c.i);
    timers.push(setTimeout(() => {
      timers.push(setInterval(() => {
        const value = -30 + (n++ % 200_000) * 1e-4;
        if (measuring) {
          sentAt.set(`${c.sid}|${channel}|${value}`, { t: performance.now(), left: PER_SESSION - 1 });
          moves++;
        }
        c.model.setChannelGain(channel, value);
      }, 1000 / HZ));
    }, Math.random() * (1000 / HZ)));
  }
  await sleep(WARMUP_S * 1000);
  const loadStart = os.loadavg().map(round);
  child.samples.length = 0;
  const errorsBefore = child.errors;
  clientLoop.enable();
  measuring = true;
  const t0 = performance.now();
  const total = MINUTES * 60_000;
  while (performance.now() - t0 < total) {
    await sleep(Math.min(10_000, total - (performance.now() - t0)));
    process.stderr.write(`  ${target}: ${Math.round((performance.now() - t0) / 1000)} s, ${moves} moves, ${latencies.length} deliveries\n`);
  }
  measuring = false;
  const seconds = (performance.now() - t0) / 1000;
  clientLoop.disable();
  for (const t of timers) clearInterval(t);
  await sleep(1000);
  const loadEnd = os.loadavg().map(round);
  for (const c of clients) {
    c.provider.destroy();
    c.doc.destroy();
  }
  const samples = child.samples.slice();
  const windows = samples.map((s) => s.loop.p99).sort((a, b) => a - b);
  const sorted = latencies.sort((a, b) => a - b);
  return {
    target,
    clients: clients.length,
    seconds: round(seconds),
    moves,
    movesPerSec: round(moves / seconds),
    deliveries: latencies.length,
    expectedDeliveries: moves * (PER_SESSION - 1),
    faderP50Ms: round(pct(sorted, 50)),
    faderP99Ms: round(pct(sorted, 99)),
    faderMaxMs: round(sorted[sorted.length - 1] ?? NaN),
    loopP99PerWindowMs: { median: round(pct(windows, 50)), worst: round(windows[windows.length - 1] ?? NaN), windows: windows.length },
    loopMaxMs: round(Math.max(...samples.map((s) => s.loop.max))),
    gc: {
      msPerSec: round(samples.reduce((n, s) => n + s.gc.ms, 0) / (samples.length * WINDOW_MS / 1000)),
      maxPauseMs: round(Math.max(...samples.map((s) => s.gc.maxMs))),
      worstLoopWindowMaxPauseMs: round(samples.reduce((w, s) => (s.loop.p99 > w.loop.p99 ? s : w), samples[0])?.gc.maxMs ?? NaN),
    },
    rssMb: { start: round(samples[0]?.rssMb ?? NaN), end: round(samples[samples.length - 1]?.rssMb ?? NaN) },
    heapMb: { start: round(samples[0]?.heapMb ?? NaN), end: round(samples[samples.length - 1]?.heapMb ?? NaN) },
    memoryEvery30s: samples.filter((_, i) => i % 6 === 5).map((s) => ({ rssMb: round(s.rssMb), heapMb: round(s.heapMb), externalMb: round(s.externalMb) })),
    externalMb: { start: round(samples[0]?.externalMb ?? NaN), end: round(samples[samples.length - 1]?.externalMb ?? NaN) },
    clientLoopP99Ms: round(clientLoop.percentile(99) / 1e6),
    serverCpuMsPer1000Moves: round((samples.reduce((n, s) => n + s.cpuMs, 0) / (samples.length * WINDOW_MS / 1000)) / (moves / seconds) * 1000),
    disconnects,
    connectionErrors,
    serverErrors: child.errors - errorsBefore,
    serverErrorSample: child.errorLines,
    loadAvg: { start: loadStart, end: loadEnd },
  };
}

async function main(): Promise<void> {
  const role = args[0];
  if (role === 'server') return runServer();
  if (role === 'relay') return runRelay();
  process.setMaxListeners(SESSIONS * PER_SESSION * 2 + 10);
  const machine = `${os.cpus()[0]?.model.trim()} × ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
  console.error(`soak: ${SESSIONS} sessions × ${PER_SESSION} clients, every client dragging at ${HZ} Hz, ${MINUTES} min per target (+${WARMUP_S} s warm-up)`);

  const server = await startChild('server');
  const base = `http://127.0.0.1:${server.port}`;
  const signUp = await fetch(`${base}/api/auth/signup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: `soak.${Date.now()}@example.test`, name: 'Soak', password: 'soak password' }),
  });
  if (signUp.status !== 201) throw new Error(`sign-up failed: ${signUp.status} ${await signUp.text()}`);
  benchCookie = signUp.headers.get('set-cookie')!.split(';')[0];
  const sessionIds: string[] = [];
  for (let i = 0; i < SESSIONS; i++) {
    const res = await fetch(`${base}/api/sessions`, { method: 'POST', headers: { 'content-type': 'application/json', cookie: benchCookie }, body: JSON.stringify({ title: `soak ${i}` }) });
    sessionIds.push(((await res.json()) as { id: string }).id);
  }
  const mixroom = await soak('mixroom', server, sessionIds);
  await stopChild(server.child);
  // --no-relay: the server alone (profiling); results are then not written.
  if (args.includes('--no-relay')) return void console.log(JSON.stringify(mixroom, null, 2));
  const relayChild = await startChild('relay');
  const relay = await soak('ws-relay', relayChild, sessionIds);
  await stopChild(relayChild.child);

  const result = {
    date: new Date().toISOString(),
    machine,
    command: `npm run bench:soak${MINUTES !== 3 ? ` -- --minutes ${MINUTES}` : ''}`,
    sessions: SESSIONS,
    perSession: PER_SESSION,
    hz: HZ,
    minutes: MINUTES,
    results: [mixroom, relay],
    targets: { loopP99Ms: TARGET_LOOP_P99_MS, faderP99Ms: TARGET_FADER_P99_MS },
    meets: { loopP99: mixroom.loopP99PerWindowMs.worst <= TARGET_LOOP_P99_MS, faderP99: mixroom.faderP99Ms <= TARGET_FADER_P99_MS },
  };
  mkdirSync(path.join(ROOT, 'bench/results'), { recursive: true });
  writeFileSync(path.join(ROOT, 'bench/results/soak.json'), JSON.stringify(result, null, 2) + '\n');

  const row = (s: RunStats) =>
    `| ${s.target} | ${s.movesPerSec} | ${s.deliveries}/${s.expectedDeliveries} | ${s.faderP50Ms} | ${s.faderP99Ms} | ${s.loopP99PerWindowMs.median} / ${s.loopP99PerWindowMs.worst} | ${s.rssMb.start} → ${s.rssMb.end} (heap ${s.heapMb.start} → ${s.heapMb.end}, external ${s.externalMb.start} → ${s.externalMb.end}) | ${s.disconnects} / ${s.connectionErrors} / ${s.serverErrors} | ${s.clientLoopP99Ms} | ${s.serverCpuMsPer1000Moves} | ${s.loadAvg.start.join(', ')} → ${s.loadAvg.end.join(', ')} |`;
  const title = 'Soak: 100 clients moving faders';
  const md = [
    `## ${title}`,
    '',
    `Command: \`${result.command}\` (${result.date.slice(0, 16).replace('T', ' ')} UTC). Machine: ${machine}, **shared with other engineers' jobs** (load average in the table; the machine has ${os.cpus().length} cores), so absolute numbers are noisy; the relay row, measured in the same run, is the floor on the same machine.`,
    '',
    `${SESSIONS} sessions × ${PER_SESSION} y-websocket clients (${mixroom.clients}), each with a \`MixModel\`; every client drags its own channel's fader (\`setChannelGain\`) at ${HZ} Hz for ${MINUTES} min after ${WARMUP_S} s warm-up, and the ${PER_SESSION - 1} others of its session time each move's arrival in \`onChange\` (end-to-end: client → server → client, all clients in the bench process). ` +
      'Event-loop delay: `monitorEventLoopDelay` in the server process, p99 of each 5 s window (median / worst window). ws-relay: the same clients on a plain `ws` room broadcast (no document, database or checks).',
    '',
    '| target | moves/s | deliveries | fader p50 ms | fader p99 ms | event-loop p99 ms per 5 s (median / worst) | server RSS MB (heap, external) | disconnects / conn. errors / server errors+warnings | bench-process loop p99 ms | server CPU ms per 1,000 moves | load avg (1, 5, 15 min) start → end |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
    row(mixroom),
    row(relay),
    '',
    `Garbage collection in the server (perf_hooks): Mixroom ${mixroom.gc.msPerSec} ms per second, longest pause ${mixroom.gc.maxPauseMs} ms (${mixroom.gc.worstLoopWindowMaxPauseMs} ms in the window with the worst loop p99); relay ${relay.gc.msPerSec} ms per second, longest ${relay.gc.maxPauseMs} ms.`,
    '',
    `Targets (Mixroom): event-loop p99 ≤ ${TARGET_LOOP_P99_MS} ms in every window: ${result.meets.loopP99 ? 'met' : 'NOT met'}; fader p99 ≤ ${TARGET_FADER_P99_MS} ms: ${result.meets.faderP99 ? 'met' : 'NOT met'}.`,
    '',
  ].join('\n');
  console.log(md);
  // The run's table, as printed, replaces its section in latest-runs.md; BENCHMARKS.md (one table
  // of current figures) and history.md are written by hand from it.
  const benchMd = path.join(ROOT, 'bench/results/latest-runs.md');
  const existing = existsSync(benchMd) ? readFileSync(benchMd, 'utf8') : '# The last run of each printed benchmark\n\n';
  const section = new RegExp(`## ${title}\\n[\\s\\S]*?(?=\\n## |$)`);
  if (section.test(existing)) writeFileSync(benchMd, existing.replace(section, () => md.replace(/\n+$/, '\n')));
  else writeFileSync(benchMd, existing.replace(/\n*$/, '\n\n') + md);
}

main().catch((err) => {
  console.error(err);
  for (const child of children) child.kill('SIGTERM');
  process.exit(1);
});
