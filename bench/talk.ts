/**
 * Talkback over loopback: mouth-to-ear latency and ducking reaction time, in real Chromium.
 *
 *   npm run bench:talk [-- --bursts 12 --port 3141]
 *
 * One Chromium whose fake microphone plays a generated WAV: every 1.5 s a 250 ms voiced burst
 * (180 Hz with 10 harmonics, −12 dBFS) starting abruptly (the "click"). Two pages of the demo
 * session (owner A, artist B); B plays the song; both join the talk; A opens the mic.
 *   - A: onsets in A's own microphone stream (an analyser in A's page);
 *   - B: onsets in B's analyser of A's received voice, plus B's AudioContext output latency (what
 *     B's speakers add after the graph);
 *   - mouth-to-ear = B's onset − A's onset (wall clock shared by both pages on this machine;
 *     what the fake device buffers before A's stream is not included);
 *   - ducking reaction = B's onset → B's music gain at −6 dB (half the default −12 in dB) and at
 *     −11.5 dB, read from the audio: the monitor path's input against its output over the last
 *     256 samples (whatever does the ducking: a worklet since 2026-12-07, a timer-driven gain before).
 * Onsets are found by polling 512-sample analyser frames every ~2 ms and locating the first
 * sample above −30 dBFS after ≥ 500 ms of quiet. Reports p50 / p90 / max with the load average.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { encodeWav } from '../packages/engine/src/audio/wav';
import { serverProcessEnv } from '../scripts/server-process-env.mjs';

const ROOT = path.resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const opt = (name: string, def: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const BURSTS = opt('bursts', 12);
const PORT = opt('port', 3141);
const base = `http://127.0.0.1:${PORT}`;
const PERIOD_S = 1.5;
const load = () => os.loadavg().map((x) => x.toFixed(2)).join(' ');
const log = (...a: unknown[]) => console.log(`[bench:talk ${new Date().toISOString().slice(11, 19)}]`, ...a);

function burstWav(file: string): void {
  const sr = 48000;
  const x = new Float32Array(Math.round(sr * PERIOD_S * 4));
  const amp = 10 ** (-12 / 20) / 2.2;
  for (let b = 0; b < 4; b++) {
    const start = Math.round((b * PERIOD_S + 0.3) * sr);
    for (let i = 0; i < 0.25 * sr; i++) {
      let v = 0;
      for (let k = 1; k <= 10; k++) v += Math.sin((2 * Math.PI * 180 * k * i) / sr) / k;
      x[start + i] = v * amp;
    }
  }
  writeFileSync(file, encodeWav([x], sr, { bitDepth: 16 }));
}

async function startServer(dataDir: string): Promise<ChildProcess> {
  const taken = await fetch(`${base}/api/auth/demo`).then(() => true, () => false);
  if (taken) throw new Error(`port ${PORT} is in use: pass --port <free port>`);
  const child = spawn(process.execPath, ['--import', 'tsx', 'apps/server/src/main.ts'], {
    cwd: ROOT,
    env: serverProcessEnv({ ...process.env, PORT: String(PORT), HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'warn' }),
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  for (;;) {
    try {
      if ((await fetch(`${base}/api/auth/demo`)).ok) return child;
    } catch {
      // not listening yet
    }
    if (child.exitCode !== null) throw new Error('the server exited');
    await new Promise((r) => setTimeout(r, 500));
  }
}

async function cookieOf(email: string): Promise<string> {
  const res = await fetch(`${base}/api/auth/signin`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password: 'mixroom-demo' }) });
  if (res.status !== 200) throw new Error(`sign-in: ${res.status}`);
  return res.headers.get('set-cookie')!.split(';')[0];
}

/** Starts recording onsets in `page` of the stream `which` ('mic' = own microphone, 'peer' = the first received voice). */
function startProbe(page: Page, which: 'mic' | 'peer'): Promise<void> {
  return page.evaluate((which) => {
    const hook = (window as any).__mixroomTalk;
    const talk = hook.talk;
    let analyser: AnalyserNode;
    let ctx: AudioContext;
    if (which === 'mic') {
      ctx = new AudioContext();
      analyser = ctx.createAnalyser();
      ctx.createMediaStreamSource(talk.mic).connect(analyser);
    } else {
      const peer = [...talk.peers.values()][0];
      ctx = talk.ctx;
      analyser = peer.analyser;
    }
    analyser.fftSize = 512;
    const buf = new Float32Array(512);
    const threshold = 10 ** (-30 / 20);
    const rt = (window as any).__mixroom.runtime;
    // The music's gain after the ducker, read from the audio itself: the monitor path's input against
    // what leaves it, over the last 256 samples (5.3 ms) — whichever node does the ducking.
    const preview = rt.preview;
    const mctx: AudioContext | undefined = rt.monitorDuck?.ctx;
    let gainDb: (() => number | null) | null = null;
    if (preview && mctx) {
      const pre = mctx.createAnalyser();
      const post = mctx.createAnalyser();
      pre.fftSize = post.fftSize = 256;
      preview.input.connect(pre);
      preview.duck.connect(post);
      const a = new Float32Array(256);
      const b = new Float32Array(256);
      gainDb = () => {
        pre.getFloatTimeDomainData(a);
        post.getFloatTimeDomainData(b);
        let pa = 0;
        let pb = 0;
        for (let i = 0; i < 256; i++) {
          pa += a[i] * a[i];
          pb += b[i] * b[i];
        }
        return pa > 256 * 1e-8 ? 10 * Math.log10(pb / pa) : null;
      };
    }
    const out: { onsets: number[]; duckHalf: number[]; duckFull: number[]; outputLatencyMs: number } = {
      onsets: [], duckHalf: [], duckFull: [], outputLatencyMs: ((ctx.baseLatency ?? 0) + ((ctx as any).outputLatency ?? 0)) * 1000,
    };
    (window as any).__talkProbe = out;
    let lastLoud = -Infinity;
    let armedHalf = false;
    let armedFull = false;
    const tick = () => {
      const now = performance.timeOrigin + performance.now();
      analyser.getFloatTimeDomainData(buf);
      let first = -1;
      for (let i = 0; i < buf.length; i++) if (Math.abs(buf[i]) > threshold) { first = i; break; }
      if (first >= 0) {
        if (now - lastLoud > 500) {
          out.onsets.push(now - ((buf.length - first) / ctx.sampleRate) * 1000);
          armedHalf = armedFull = true;
        }
        lastLoud = now;
      }
      const db = gainDb && (armedHalf || armedFull) ? gainDb() : null;
      if (db !== null) {
        if (armedHalf && db <= -6) { out.duckHalf.push(now); armedHalf = false; }
        if (armedFull && db <= -11.5) { out.duckFull.push(now); armedFull = false; }
      }
    };
    setInterval(tick, 2);
  }, which);
}

const q = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(p * s.length))] : NaN;
};
const summary = (xs: number[]) => ({ n: xs.length, p50: +q(xs, 0.5).toFixed(1), p90: +q(xs, 0.9).toFixed(1), max: +Math.max(...xs).toFixed(1) });

async function main(): Promise<void> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'mixroom-bench-talk-'));
  const wav = path.join(dataDir, 'bursts.wav');
  burstWav(wav);
  log(`load before: ${load()}`);
  const server = await startServer(dataDir);
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--autoplay-policy=no-user-gesture-required', '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', `--use-file-for-fake-audio-capture=${wav}`],
  });
  try {
    const sessions = (await (await fetch(`${base}/api/sessions`, { headers: { cookie: await cookieOf('engineer@mixroom.demo') } })).json()) as { sessions: { id: string }[] };
    const sessionId = sessions.sessions[0].id;
    const pages: Page[] = [];
    for (const [email, name] of [['engineer@mixroom.demo', 'Ana'], ['artist@mixroom.demo', 'Ben']] as const) {
      const context = await browser.newContext({ baseURL: base });
      const [k, v] = (await cookieOf(email)).split('=');
      await context.addCookies([{ name: k, value: v, url: base }]);
      await context.grantPermissions(['microphone']);
      // tsx keeps function names with an `__name` helper that page.evaluate's copies lack.
      await context.addInitScript('window.__name = (f) => f;');
      await context.addInitScript((n) => localStorage.setItem('mixroom.identity', JSON.stringify({ name: n, color: '#3366aa' })), name);
      const page = await context.newPage();
      await page.goto(`/s/${sessionId}`);
      await page.waitForSelector('[data-testid="mixer"][data-stems-state="done"]', { timeout: 300_000 });
      pages.push(page);
    }
    const [A, B] = pages;
    await B.evaluate(() => (window as any).__mixroom.runtime.play());
    for (const p of [A, B]) {
      await p.click('[data-testid="talk-join"]');
      await p.waitForSelector('[data-testid="talk"][data-state="on"]');
    }
    await B.waitForSelector('[data-testid="talk-peer-Ana"][data-connection="connected"]', { state: 'attached', timeout: 60_000 });
    await A.check('[data-testid="talk-open-mic"]');
    await startProbe(A, 'mic');
    await startProbe(B, 'peer');
    log(`measuring ${BURSTS} bursts…`);
    await A.waitForTimeout((BURSTS + 1) * PERIOD_S * 1000);
    const a = await A.evaluate(() => (window as any).__talkProbe);
    const b = await B.evaluate(() => (window as any).__talkProbe);
    const mouthToEar: number[] = [];
    const duckHalf: number[] = [];
    const duckFull: number[] = [];
    for (const t of b.onsets) {
      const src = a.onsets.filter((x: number) => x <= t && t - x < 1000).pop();
      if (src !== undefined) mouthToEar.push(t - src + b.outputLatencyMs);
      const h = b.duckHalf.find((x: number) => x >= t && x - t < 1000);
      if (h !== undefined) duckHalf.push(h - t);
      const f = b.duckFull.find((x: number) => x >= t && x - t < 1000);
      if (f !== undefined) duckFull.push(f - t);
    }
    const result = {
      date: new Date().toISOString(),
      bursts: { a: a.onsets.length, b: b.onsets.length },
      bOutputLatencyMs: +b.outputLatencyMs.toFixed(1),
      mouthToEarMs: summary(mouthToEar),
      duckToHalfMs: summary(duckHalf),
      duckToFullMs: summary(duckFull),
      loadAverage: load(),
    };
    log(JSON.stringify(result, null, 2));
    mkdirSync(path.join(ROOT, 'bench/results'), { recursive: true });
    writeFileSync(path.join(ROOT, 'bench/results/talk.json'), `${JSON.stringify(result, null, 2)}\n`);
  } finally {
    await browser.close();
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
