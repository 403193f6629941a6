/**
 * Sync fan-out benchmark: latency of a fader move from one client to the other clients of its
 * session, through the Mixroom server (Yjs protocol + persistence) and through a minimal `ws`
 * relay carrying the very same messages. Server/relay each run in their own process; all clients
 * run in this process so one clock timestamps send and receive.
 *
 *   npm run bench:sync [-- --sessions 20 --per-session 5 --hz 30 --seconds 10]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { WebSocket, WebSocketServer } from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';

const ROOT = path.resolve(__dirname, '..');
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

// ------------------------------------------------------------------ child roles

async function runServer(): Promise<void> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'mixroom-bench-'));
  const { createMixroomServer } = await import('../apps/server/src/app.js');
  const { createLogger } = await import('../apps/server/src/log.js');
  const server = await createMixroomServer(
    { port: 0, host: '127.0.0.1', dataDir, databaseUrl: process.env.BENCH_DATABASE_URL, webDist: path.join(dataDir, 'none'), migrationsDir: path.join(ROOT, 'prisma/migrations'), syncFlushMs: Number(process.env.SYNC_FLUSH_MS ?? 50), syncCompactRows: 200, syncUnloadGraceMs: 30_000 },
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

function startChild(role: 'server' | 'relay'): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, [...process.execArgv, ...(process.env.BENCH_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}`] : []), process.argv[1], role], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, LOG_LEVEL: 'warn' } });
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

async function measure(target: string, wsBase: string, sessionIds: string[], waitForSync: boolean): Promise<Stats> {
  const clients = sessionIds.flatMap((sid) =>
    Array.from({ length: PER_SESSION }, (_, i) => {
      const doc = new Y.Doc();
      const provider = new WebsocketProvider(wsBase, sid, doc, { WebSocketPolyfill: WebSocket as never, disableBc: true });
      return { sid, doc, provider, sender: i === 0 };
    }),
  );
  await waitUntil(() => clients.every((c) => c.provider.wsconnected && (!waitForSync || c.provider.synced)), 30_000, `${target}: clients connected`);
  await sleep(300);

  let recording = false;
  const latencies: number[] = [];
  for (const c of clients) {
    c.doc.getMap('mix').observe((ev) => {
      if (ev.transaction.local || !recording) return;
      const v = c.doc.getMap('mix').get('fader') as { t: number } | undefined;
      if (v) latencies.push(performance.now() - v.t);
    });
  }

  let sent = 0;
  const senders = clients.filter((c) => c.sender);
  const timers: NodeJS.Timeout[] = [];
  for (const s of senders) {
    // Random phase: real users do not move faders in lock-step.
    const start = setTimeout(() => {
      let v = 0;
      timers.push(setInterval(() => {
        v = (v + 0.01) % 1;
        s.doc.getMap('mix').set('fader', { v, t: performance.now() });
        if (recording) sent++;
      }, 1000 / HZ));
    }, Math.random() * (1000 / HZ));
    timers.push(start);
  }
  await sleep(WARMUP_SECONDS * 1000);
  recording = true;
  const t0 = performance.now();
  await sleep(SECONDS * 1000);
  recording = false;
  const elapsed = (performance.now() - t0) / 1000;
  for (const t of timers) clearInterval(t);
  await sleep(300);
  for (const c of clients) c.provider.destroy();

  const sorted = latencies.slice().sort((a, b) => a - b);
  return {
    target,
    clients: clients.length,
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

  const machine = `${os.cpus()[0]?.model.trim()} × ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.platform()} ${os.release()}, Node ${process.version}`;
  console.error(`sync fan-out: ${SESSIONS} sessions × ${PER_SESSION} clients, 1 dragging per session at ${HZ} Hz, ${SECONDS} s (+${WARMUP_SECONDS} s warm-up)`);

  const server = await startChild('server');
  const base = `http://127.0.0.1:${server.port}`;
  const sessionIds: string[] = [];
  for (let i = 0; i < SESSIONS; i++) {
    const res = await fetch(`${base}/api/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ title: `bench ${i}` }) });
    sessionIds.push(((await res.json()) as { id: string }).id);
  }
  const mixroom = await measure('mixroom', `ws://127.0.0.1:${server.port}/yjs`, sessionIds, true);
  await stopChild(server.child);

  const relayChild = await startChild('relay');
  const relay = await measure('ws-relay', `ws://127.0.0.1:${relayChild.port}`, sessionIds, false);
  await stopChild(relayChild.child);

  const result = {
    date: new Date().toISOString(),
    machine,
    command: 'npm run bench:sync',
    database: process.env.BENCH_DATABASE_URL ? 'postgresql' : 'pglite',
    flushMs: Number(process.env.SYNC_FLUSH_MS ?? 50),
    results: [mixroom, relay],
    ratio: { p50: round(mixroom.p50Ms / relay.p50Ms), p99: round(mixroom.p99Ms / relay.p99Ms) },
    targetP99Ms: 15,
    meetsTarget: mixroom.p99Ms <= 15,
  };
  mkdirSync(path.join(ROOT, 'bench/results'), { recursive: true });
  writeFileSync(path.join(ROOT, 'bench/results/sync.json'), JSON.stringify(result, null, 2) + '\n');

  const row = (s: Stats) => `| ${s.target} | ${s.p50Ms} | ${s.p90Ms} | ${s.p99Ms} | ${s.maxMs} | ${s.updatesSentPerSec} | ${s.deliveriesPerSec} | ${s.delivered}/${s.expectedDeliveries} |`;
  const md = [
    '## Sync fan-out',
    '',
    `Command: \`npm run bench:sync\` (${result.date.slice(0, 10)}). Machine: ${machine}. Server DB: ${result.database}, flush window ${result.flushMs} ms.`,
    '',
    `${SESSIONS} sessions × ${PER_SESSION} y-websocket clients (${mixroom.clients} total); one client per session drags a fader at ${HZ} Hz ` +
      `(a Y.Map write of \`{ v, t }\`) for ${SECONDS} s after ${WARMUP_SECONDS} s warm-up. Latency = receive time − \`t\` at the other ${PER_SESSION - 1} clients ` +
      `of the session (clients share this process's clock; the server runs in its own process). Baseline: a minimal \`ws\` relay broadcasting the same binary messages.`,
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

  const benchMd = path.join(ROOT, 'BENCHMARKS.md');
  const existing = existsSync(benchMd) ? readFileSync(benchMd, 'utf8') : '# Benchmarks\n\n';
  // Re-runs replace the previous section instead of piling up.
  const without = existing.replace(/## Sync fan-out\n[\s\S]*?(?=\n## |$)/, '').replace(/\n*$/, '\n\n');
  if (existing !== without || !existing.includes('## Sync fan-out')) writeFileSync(benchMd, without + md);
  else appendFileSync(benchMd, md);
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
  process.exit(1);
});
