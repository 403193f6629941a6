/**
 * Sync fan-out benchmark: latency of a fader move from one client to the other clients of its
 * session, through the Mixroom server (Yjs protocol + persistence) and through a minimal `ws`
 * relay carrying the very same bytes. Fader moves are real mix-model writes
 * (MixModel.setChannelGain on the session's channel); the relay run replays the binary Yjs
 * updates captured from the Mixroom run. Server/relay each run in their own process; all
 * clients run in this process so one clock timestamps send and receive.
 *
 *   npm run bench:sync [-- --sessions 20 --per-session 5 --hz 30 --seconds 10]
 *
 * `--processes 2` (npm run bench:sync:cluster): two server processes sharing PostgreSQL
 * (BENCH_DATABASE_URL, default the local `test` database, schema bench_sync_cluster) and Redis
 * (BENCH_REDIS_URL, default redis://127.0.0.1:6379); every dragger is on the first process and
 * every receiver on the second, so each delivery crosses Redis.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as encoding from 'lib0/encoding';
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
const SESSIONS = opt('sessions', 20);
const PER_SESSION = opt('per-session', 5);
const HZ = opt('hz', 30);
const SECONDS = opt('seconds', 10);
const WARMUP_SECONDS = 2;
const PROCESSES = opt('processes', 1);
if (PROCESSES !== 1 && PROCESSES !== 2) throw new Error('--processes must be 1 or 2');
if (PROCESSES === 2) {
  process.env.BENCH_DATABASE_URL ??= 'postgresql://postgres@127.0.0.1:5432/test?schema=bench_sync_cluster';
  process.env.BENCH_REDIS_URL ??= 'redis://127.0.0.1:6379';
}

// ------------------------------------------------------------------ child roles

async function runServer(): Promise<void> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'mixroom-bench-'));
  const { createMixroomServer } = await import('../apps/server/src/app.js');
  const { createLogger } = await import('../apps/server/src/log.js');
  const server = await createMixroomServer(
    { port: 0, host: '127.0.0.1', dataDir, databaseUrl: process.env.BENCH_DATABASE_URL, webDist: path.join(dataDir, 'none'), migrationsDir: path.join(ROOT, 'prisma/migrations'), syncFlushMs: Number(process.env.SYNC_FLUSH_MS ?? 50), syncCompactRows: 200, syncUnloadGraceMs: 30_000, uploadMaxBytes: 2_000_000_000, uploadExpiryMs: 86_400_000, redisUrl: process.env.BENCH_REDIS_URL, redisPrefix: 'mixroom-bench:' },
    { logger: createLogger('bench-server', 'warn'), seed: false, auth: { limits: { signUpsPerIp: 1_000_000, perIp: 1_000_000 } } },
  );
  const { port } = await server.listen();
  process.stdout.write(JSON.stringify({ port }) + '\n');
  process.on('SIGTERM', async () => {
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
    process.exit(0);
  });
}

/** The baseline: no document, no persistence, no validation — just room broadcast. */
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
  wss.on('listening', () => process.stdout.write(JSON.stringify({ port: (wss.address() as { port: number }).port }) + '\n'));
  process.on('SIGTERM', () => wss.close(() => process.exit(0)));
}

// ------------------------------------------------------------------ orchestrator

/** Every child started, so a failed run does not leave servers behind. */
const children: ChildProcess[] = [];

function startChild(role: 'server' | 'relay'): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, [...process.execArgv, ...(process.env.BENCH_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}`] : []), process.argv[1], role], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, LOG_LEVEL: 'warn' } });
  children.push(child);
  return new Promise((resolve, reject) => {
    let buf = '';
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      const line = buf.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve({ child, port: JSON.parse(line).port });
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

interface Stats {
  target: string;
  clients: number;
  sessions: number;
  dragging: number;
  hz: number;
  seconds: number;
  sent: number;
  delivered: number;
  expectedDeliveries: number;
  updatesSentPerSec: number;
  deliveriesPerSec: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  meanMs: number;
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
const round = (n: number) => Math.round(n * 100) / 100;

const CHANNEL = 'c1';
const GAIN_KEY = `ch:${CHANNEL}/gain`;

/** One send of the dragging client, as the Mixroom run produced it. */
interface CapturedSend {
  /** The exact gain value written (unique per session, so it identifies the send). */
  value: number;
  /** The binary Yjs update the transaction produced (the doc's 'update' event). */
  update: Uint8Array;
  /** Sent inside the measured window (after warm-up). */
  recorded: boolean;
}

/** What the Mixroom run hands to the relay run: per session, the initial state and every update the dragger sent. */
interface Capture {
  initialState: Map<string, Uint8Array>;
  sends: Map<string, CapturedSend[]>;
}

interface Receiver {
  sid: string;
  doc: Y.Doc;
  model: MixModel;
  provider: WebsocketProvider;
}

/** Sign-in cookie of the bench user; sent on every socket (the relay ignores it, so both sides pay the same). */
let benchCookie = '';
class CookieWebSocket extends WebSocket {
  constructor(address: string, protocols?: string | string[]) {
    super(address, protocols, { headers: { cookie: benchCookie } });
  }
}

/** y-websocket framing of a document update: messageSync, messageYjsUpdate, update. */
function syncUpdateMessage(update: Uint8Array): Uint8Array {
  const enc = encoding.createEncoder();
  encoding.writeVarUint(enc, 0);
  encoding.writeVarUint(enc, 2);
  encoding.writeVarUint8Array(enc, update);
  return encoding.toUint8Array(enc);
}

/**
 * Runs one measurement. `mixroom`: every client is a y-websocket provider on the Mixroom server and
 * the first client of each session drags with MixModel.setChannelGain; the update bytes are captured.
 * `ws-relay`: the dragger is a bare socket replaying exactly those captured bytes, at the same rate.
 * Receivers are identical in both: a y-websocket provider and a MixModel whose onChange reads the gain.
 */
async function measure(target: 'mixroom' | 'ws-relay', wsBase: string, sessionIds: string[], capture: Capture, receiverWsBase = wsBase): Promise<Stats> {
  const replay = target === 'ws-relay';
  const sentAt = new Map<string, Map<number, { t: number; recorded: boolean }>>(sessionIds.map((sid) => [sid, new Map()]));
  const newClient = (sid: string, base = wsBase): Receiver => {
    const doc = new Y.Doc();
    const provider = new WebsocketProvider(base, sid, doc, { WebSocketPolyfill: CookieWebSocket as never, disableBc: true });
    return { sid, doc, model: new MixModel(doc), provider };
  };
  const receivers = sessionIds.flatMap((sid) => Array.from({ length: PER_SESSION - 1 }, () => newClient(sid, receiverWsBase)));

  // The dragging client of each session.
  type Sender = { sid: string; tick: () => boolean; close: () => void };
  const senders: Sender[] = [];
  let recording = false;
  let firstRecorded = Infinity;
  let lastRecorded = -Infinity;
  if (!replay) {
    const draggers = sessionIds.map((sid) => newClient(sid));
    await waitUntil(() => [...draggers, ...receivers].every((c) => c.provider.wsconnected && c.provider.synced), 30_000, `${target}: clients synced`);
    // The session's mix: one channel, created once by the first client (the server starts sessions empty).
    for (const d of draggers) initializeMix(d.doc, [{ id: CHANNEL, name: 'Vocal', stemId: 's1' }]);
    await waitUntil(() => [...draggers, ...receivers].every((c) => c.model.hasChannel(CHANNEL)), 30_000, `${target}: channel visible everywhere`);
    for (const d of draggers) {
      capture.initialState.set(d.sid, Y.encodeStateAsUpdate(d.doc));
      const sends: CapturedSend[] = [];
      capture.sends.set(d.sid, sends);
      let lastUpdate: Uint8Array | null = null;
      d.doc.on('update', (u: Uint8Array, origin: unknown) => {
        if (origin !== d.provider) lastUpdate = u;
      });
      let counter = 0;
      senders.push({
        sid: d.sid,
        tick: () => {
          // Unique values within the fader range (-20 … -10 dB): the value identifies the send.
          const value = -20 + (counter++ % 100_000) * 1e-4;
          lastUpdate = null;
          sentAt.get(d.sid)!.set(value, { t: performance.now(), recorded: recording });
          if (!d.model.setChannelGain(CHANNEL, value) || !lastUpdate) throw new Error('setChannelGain produced no update');
          sends.push({ value, update: lastUpdate, recorded: recording });
          return true;
        },
        close: () => {
          d.provider.destroy();
          d.doc.destroy(); // also stops the awareness timer, which would keep the process alive
        },
      });
    }
  } else {
    await waitUntil(() => receivers.every((c) => c.provider.wsconnected), 30_000, `${target}: clients connected`);
    for (const sid of sessionIds) {
      const ws = new WebSocket(`${wsBase}/${sid}`, { headers: { cookie: benchCookie } });
      ws.binaryType = 'arraybuffer';
      await new Promise<void>((resolve, reject) => {
        ws.once('open', () => resolve());
        ws.once('error', reject);
      });
      ws.send(syncUpdateMessage(capture.initialState.get(sid)!));
      const sends = capture.sends.get(sid)!;
      let i = 0;
      senders.push({
        sid,
        tick: () => {
          const s = sends[i++];
          if (!s) return false;
          const t = performance.now();
          sentAt.get(sid)!.set(s.value, { t, recorded: s.recorded });
          if (s.recorded) {
            firstRecorded = Math.min(firstRecorded, t);
            lastRecorded = Math.max(lastRecorded, t);
          }
          ws.send(syncUpdateMessage(s.update));
          return true;
        },
        close: () => ws.close(),
      });
    }
    await waitUntil(() => receivers.every((c) => c.model.hasChannel(CHANNEL)), 30_000, `${target}: channel visible everywhere`);
  }
  await sleep(300);

  const latencies: number[] = [];
  for (const r of receivers) {
    const sends = sentAt.get(r.sid)!;
    r.model.onChange((change) => {
      if (change.local || !change.params.has(GAIN_KEY)) return;
      const now = performance.now();
      const sent = sends.get(r.model.getChannelParam(CHANNEL, 'gain'));
      if (sent?.recorded) latencies.push(now - sent.t);
    });
  }

  const timers: NodeJS.Timeout[] = [];
  let running = senders.length;
  for (const s of senders) {
    // Random phase: real users do not move faders in lock-step.
    timers.push(
      setTimeout(() => {
        const iv = setInterval(() => {
          if (!s.tick()) {
            clearInterval(iv);
            running--;
          }
        }, 1000 / HZ);
        timers.push(iv);
      }, Math.random() * (1000 / HZ)),
    );
  }
  let elapsed: number;
  if (!replay) {
    await sleep(WARMUP_SECONDS * 1000);
    recording = true;
    const t0 = performance.now();
    await sleep(SECONDS * 1000);
    recording = false;
    elapsed = (performance.now() - t0) / 1000;
  } else {
    // The relay replays the captured sequence (warm-up sends included) until it is exhausted.
    await waitUntil(() => running === 0, (WARMUP_SECONDS + SECONDS) * 1000 + 30_000, 'relay replay');
    elapsed = (lastRecorded - firstRecorded + 1000 / HZ) / 1000;
  }
  for (const t of timers) clearInterval(t);
  await sleep(500);
  for (const s of senders) s.close();
  for (const r of receivers) {
    r.provider.destroy();
    r.doc.destroy();
  }

  const sent = [...sentAt.values()].reduce((n, m) => n + [...m.values()].filter((s) => s.recorded).length, 0);
  const sorted = latencies.slice().sort((a, b) => a - b);
  return {
    target,
    clients: receivers.length + senders.length,
    sessions: sessionIds.length,
    dragging: senders.length,
    hz: HZ,
    seconds: round(elapsed),
    sent,
    delivered: latencies.length,
    expectedDeliveries: sent * (PER_SESSION - 1),
    updatesSentPerSec: round(sent / elapsed),
    deliveriesPerSec: round(latencies.length / elapsed),
    p50Ms: round(pct(sorted, 50)),
    p90Ms: round(pct(sorted, 90)),
    p99Ms: round(pct(sorted, 99)),
    maxMs: round(sorted[sorted.length - 1] ?? NaN),
    meanMs: round(sorted.reduce((a, b) => a + b, 0) / sorted.length),
  };
}

async function main(): Promise<void> {
  const role = args[0];
  if (role === 'server') return runServer();
  if (role === 'relay') return runRelay();

  // Every y-websocket provider registers a process 'exit' listener.
  process.setMaxListeners(SESSIONS * PER_SESSION + 10);
  const machine = `${os.cpus()[0]?.model.trim()} × ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.platform()} ${os.release()}, Node ${process.version}`;
  console.error(`sync fan-out: ${SESSIONS} sessions × ${PER_SESSION} clients, 1 dragging per session at ${HZ} Hz, ${SECONDS} s (+${WARMUP_SECONDS} s warm-up)`);

  const server = await startChild('server');
  // Started after the first has migrated the shared database.
  const second = PROCESSES === 2 ? await startChild('server') : null;
  const base = `http://127.0.0.1:${server.port}`;
  const signUp = await fetch(`${base}/api/auth/signup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: `bench.${Date.now()}@example.test`, name: 'Bench', password: 'bench password' }),
  });
  if (signUp.status !== 201) throw new Error(`bench sign-up failed: ${signUp.status} ${await signUp.text()}`);
  benchCookie = signUp.headers.get('set-cookie')!.split(';')[0];
  const sessionIds: string[] = [];
  for (let i = 0; i < SESSIONS; i++) {
    const res = await fetch(`${base}/api/sessions`, { method: 'POST', headers: { 'content-type': 'application/json', cookie: benchCookie }, body: JSON.stringify({ title: `bench ${i}` }) });
    sessionIds.push(((await res.json()) as { id: string }).id);
  }
  const capture: Capture = { initialState: new Map(), sends: new Map() };
  const mixroom = await measure('mixroom', `ws://127.0.0.1:${server.port}/yjs`, sessionIds, capture, second ? `ws://127.0.0.1:${second.port}/yjs` : undefined);
  await stopChild(server.child);
  if (second) await stopChild(second.child);

  const relayChild = await startChild('relay');
  const relay = await measure('ws-relay', `ws://127.0.0.1:${relayChild.port}`, sessionIds, capture);
  await stopChild(relayChild.child);

  const allSends = [...capture.sends.values()].flat();
  const updateBytes = allSends.map((c) => c.update.length).sort((a, b) => a - b);
  const meanUpdateBytes = round(updateBytes.reduce((a, b) => a + b, 0) / updateBytes.length);

  const result = {
    date: new Date().toISOString(),
    machine,
    command: PROCESSES === 2 ? 'npm run bench:sync:cluster' : 'npm run bench:sync',
    processes: PROCESSES,
    database: process.env.BENCH_DATABASE_URL ? 'postgresql' : 'pglite',
    flushMs: Number(process.env.SYNC_FLUSH_MS ?? 50),
    updateBytes: { mean: meanUpdateBytes, min: updateBytes[0], max: updateBytes[updateBytes.length - 1], count: updateBytes.length },
    results: [mixroom, relay],
    ratio: { p50: round(mixroom.p50Ms / relay.p50Ms), p99: round(mixroom.p99Ms / relay.p99Ms) },
    targetP99Ms: 15,
    meetsTarget: mixroom.p99Ms <= 15,
  };
  mkdirSync(path.join(ROOT, 'bench/results'), { recursive: true });
  writeFileSync(path.join(ROOT, `bench/results/${PROCESSES === 2 ? 'sync-cluster' : 'sync'}.json`), JSON.stringify(result, null, 2) + '\n');
  const title = PROCESSES === 2 ? 'Sync fan-out across two server processes' : 'Sync fan-out';

  const row = (s: Stats) => `| ${s.target} | ${s.p50Ms} | ${s.p90Ms} | ${s.p99Ms} | ${s.maxMs} | ${s.updatesSentPerSec} | ${s.deliveriesPerSec} | ${s.delivered}/${s.expectedDeliveries} |`;
  const md = [
    `## ${title}`,
    '',
    `Command: \`${result.command}\` (${result.date.slice(0, 10)}). Machine: ${machine}. Server DB: ${result.database}, flush window ${result.flushMs} ms.`,
    '',
    ...(PROCESSES === 2
      ? [
          'Two Mixroom server processes share PostgreSQL and Redis (`REDIS_URL`). Every dragging client is connected to the first process and every ' +
            'receiving client to the second, so each delivery goes client → process 1 → Redis pub/sub → process 2 → client. The relay baseline is the ' +
            'same single-process `ws` relay as below: the ratio prices the extra hop.',
          '',
        ]
      : []),
    `${SESSIONS} sessions × ${PER_SESSION} y-websocket clients (${mixroom.clients} total), each with a \`MixModel\` on its doc; the first client of each session ` +
      `creates the session's mix (\`initializeMix\`, one channel) and, once every client sees the channel, drags its fader with \`model.setChannelGain('c1', value)\` ` +
      `at ${HZ} Hz for ${SECONDS} s after ${WARMUP_SECONDS} s warm-up. Every send writes a unique gain value and notes \`performance.now()\` for it; the other ` +
      `${PER_SESSION - 1} clients read \`getChannelParam('c1', 'gain')\` in \`model.onChange\` and look the value up (clients share this process's clock; the server ` +
      `runs in its own process). Baseline: a minimal \`ws\` room relay (own process), where a bare socket per session replays the very same binary Yjs updates ` +
      `captured from the Mixroom run (the dragger doc's \`update\` events, y-websocket framing; mean ${meanUpdateBytes} B, ${updateBytes[0]}–${updateBytes[updateBytes.length - 1]} B) ` +
      `at the same rate to the same receivers.`,
    '',
    '| target | p50 ms | p90 ms | p99 ms | max ms | updates sent/s | deliveries/s | delivered/expected |',
    '|---|---|---|---|---|---|---|---|',
    row(mixroom),
    row(relay),
    '',
    `Mixroom / relay: p50 ×${result.ratio.p50}, p99 ×${result.ratio.p99}. Target p99 ≤ 15 ms: ${result.meetsTarget ? 'met' : 'NOT met'}.`,
    '',
  ].join('\n');
  console.log(md);

  // The run's table, as printed, replaces its section in latest-runs.md; BENCHMARKS.md (one table
  // of current figures) and history.md are written by hand from it.
  const benchMd = path.join(ROOT, 'bench/results/latest-runs.md');
  const existing = existsSync(benchMd) ? readFileSync(benchMd, 'utf8') : '# The last run of each printed benchmark\n\n';
  // Re-runs replace the previous section in place instead of piling up.
  const section = new RegExp(`## ${title}\\n[\\s\\S]*?(?=\\n## |$)`);
  if (section.test(existing)) writeFileSync(benchMd, existing.replace(section, () => md.replace(/\n+$/, '\n')));
  else writeFileSync(benchMd, existing.replace(/\n*$/, '\n\n') + md);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function waitUntil(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await sleep(20);
  }
}

main().catch((err) => {
  console.error(err);
  for (const child of children) child.kill('SIGTERM');
  process.exit(1);
});
