/**
 * A real session in a real browser: N stereo 24-bit 48 kHz stems × M minutes, uploaded through
 * the product (tus, as the browser does), opened in headless Chromium as a new user would.
 * Reports, with the load average:
 *   - cold open → first sound of the full mix (empty browser cache), warm open (cached), and the
 *     bytes of stem audio each visit downloaded: when it is heard (the transport's start on the
 *     audio clock, at the output) and when the page's analyser saw it;
 *   - seek → every stem ready at the new position (ms);
 *   - renderer memory (RSS of the page's renderer processes, sampled), peak;
 *   - P seconds of playback with EQ and compressor on every channel, both FX returns and the
 *     master chain: underruns (AudioContext.playbackStats and the mix worklet's own count),
 *     main-thread busy share (CDP TaskDuration), audio-thread CPU (/proc, the renderer's
 *     real-time audio threads).
 *
 *   npm run bench:session [-- --stems 48 --minutes 5 --play 60 --seeks 10 --paint-compare 20]
 *
 * --paint-compare S: at the end, the main thread's busy share over S seconds of playback with the
 * live canvases drawn by the paint worker and by the page itself (the way before the worker),
 * alternated twice, each a fresh warm visit with every processor on (0 skips it).
 *
 * --loaf-open: every Long Animation Frame over 50 ms while opening, with the scripts that ran in it
 * (what invoked each: a timer, a message, a promise; the file and function) and their forced
 * layout: what started a long task, where a trace says only what ran.
 * --profile-open: the main thread's top JS self time while opening (CPU profile); --trace-open:
 * every main-thread task over 50 ms while opening, broken down by trace event (style, layout,
 * script…), from a Chromium trace. --open-only stops after the cold open; --data-dir DIR keeps the
 * server's data there and reuses its uploaded session on the next run (no upload). --until-seeks
 * stops after the seeks into parts not yet downloaded (no wait for the whole files, no warm visit).
 * --browser-dir DIR keeps the browser profile (and so its stem cache) there between runs.
 *
 * Stems are generated once into bench/.cache/ (deterministic).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Page, type Request } from 'playwright-core';
import { serverProcessEnv } from '../scripts/server-process-env.mjs';
import { makeStems } from './make-stems';
import { uploadAll, useTusCookie } from '../apps/server/src/stems/tus-test-client';

const ROOT = path.resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const opt = (name: string, def: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const STEMS = opt('stems', 48);
const MINUTES = opt('minutes', 5);
const PLAY_SECONDS = opt('play', 60);
const SEEKS = opt('seeks', 10);
const PORT = opt('port', 3191);
const PAINT_COMPARE_SECONDS = opt('paint-compare', 20);
const base = `http://127.0.0.1:${PORT}`;
const strOpt = (name: string): string | undefined => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};

const load = () => os.loadavg().map((x) => x.toFixed(2)).join(' ');
const log = (...a: unknown[]) => console.log(`[bench:session ${new Date().toISOString().slice(11, 19)}]`, ...a);

async function startServer(dataDir: string): Promise<ChildProcess> {
  // Another server on the port would answer for ours (and serve other code).
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

async function signIn(): Promise<string> {
  const res = await fetch(`${base}/api/auth/signin`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'engineer@mixroom.demo', password: 'mixroom-demo' }) });
  if (res.status !== 200) throw new Error(`sign-in: ${res.status}`);
  return res.headers.get('set-cookie')!.split(';')[0];
}

/** RSS (bytes) of every renderer process of the browser started with `userDataDir`, by pid. */
function rendererRssByPid(userDataDir: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (!cmd.includes('--type=renderer') || !cmd.includes(userDataDir)) continue;
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (m) out.set(pid, Number(m[1]) * 1024);
    } catch {
      // gone
    }
  }
  return out;
}

/** PSS (MB) of every renderer process of the browser started with `userDataDir`. */
function rendererPssMB(userDataDir: string): number {
  let kb = 0;
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (!cmd.includes('--type=renderer') || !cmd.includes(userDataDir)) continue;
      const m = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
      if (m) kb += Number(m[1]);
    } catch {
      // gone
    }
  }
  return kb / 1024;
}

/** CPU seconds of the renderers' real-time audio threads (AudioWorklet and audio output). */
function audioThreadCpu(userDataDir: string): number {
  const tick = 100; // USER_HZ
  let total = 0;
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (!cmd.includes(userDataDir) || !cmd.includes('--type=renderer')) continue;
      for (const tid of readdirSync(`/proc/${pid}/task`)) {
        const comm = readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
        if (!/audio/i.test(comm)) continue;
        const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
        const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        total += (Number(f[11]) + Number(f[12])) / tick;
      }
    } catch {
      // gone
    }
  }
  return total;
}

interface Visit {
  openToSoundMs: number;
  /**
   * Navigation start → the mix at the output, by the audio clock (the page's own milestone; the
   * page may see it later, and this process later still: openToSoundMs).
   */
  openToHeardMs: number | null;
  stemBytesDownloaded: number;
  /** Where the open's time went: the page's "mixroom:…" marks and first sound, ms after navigation. */
  milestones: Record<string, number>;
  /** The page's long tasks (> 50 ms) until the mix sounded: [start, duration] in ms after navigation. */
  longTasks: Array<[number, number]>;
}

/** RSS split of every renderer process (kB, from /proc/<pid>/smaps_rollup): anonymous, shared memory (the SharedArrayBuffers), files. */
function rendererSmaps(userDataDir: string): Record<string, number> {
  const total: Record<string, number> = {};
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (!cmd.includes('--type=renderer') || !cmd.includes(userDataDir)) continue;
      for (const m of readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8').matchAll(/^(Rss|Pss_Anon|Pss_File|Pss_Shmem):\s+(\d+) kB/gm)) total[m[1]] = (total[m[1]] ?? 0) + Math.round(Number(m[2]) / 1024);
    } catch {
      // gone
    }
  }
  return total;
}

/** The page's own account of its memory by realm (page, workers, worklets), MB; needs cross-origin isolation. */
async function memoryByRealm(page: Page): Promise<Record<string, number> | string> {
  return page.evaluate(async () => {
    const p = performance as unknown as { measureUserAgentSpecificMemory?: () => Promise<{ bytes: number; breakdown: Array<{ bytes: number; types: string[]; attribution: Array<{ url?: string; scope?: string }> }> }> };
    if (!p.measureUserAgentSpecificMemory) return 'measureUserAgentSpecificMemory is not available';
    const timeout = new Promise<null>((r) => setTimeout(() => r(null), 60_000));
    const m = await Promise.race([p.measureUserAgentSpecificMemory(), timeout]);
    if (!m) return 'measureUserAgentSpecificMemory did not answer within 60 s';
    const out: Record<string, number> = { total: Math.round(m.bytes / 2 ** 20) };
    for (const b of m.breakdown) {
      if (b.bytes === 0) continue;
      const who = b.attribution.map((a) => `${a.scope ?? ''} ${(a.url ?? '').split('/').pop()}`.trim()).join(',') || 'shared';
      const key = `${b.types.join('+') || 'other'}: ${who}`;
      out[key] = (out[key] ?? 0) + Math.round(b.bytes / 2 ** 20);
    }
    return out;
  });
}

/**
 * Chromium's own account of the renderer's memory by allocator (memory-infra: V8 heaps, Blink's
 * garbage-collected heap, PartitionAlloc, malloc, canvases, web audio…), MB, top-level allocators
 * and the largest second-level ones, per renderer process: what holds the RSS the other figures
 * only total.
 */
async function memoryByAllocator(page: Page): Promise<Record<string, Record<string, number>> | string> {
  const cdp = await page.context().newCDPSession(page);
  const events: Array<{ ph: string; pid: number; name: string; args?: { dumps?: { allocators?: Record<string, { attrs?: Record<string, { units?: string; value?: string }> }> } } }> = [];
  const onData = (e: { value: unknown }) => events.push(...(e.value as typeof events));
  cdp.on('Tracing.dataCollected', onData);
  try {
    await cdp.send('Tracing.start', { traceConfig: { includedCategories: ['disabled-by-default-memory-infra'], memoryDumpConfig: { triggers: [] } } as never, transferMode: 'ReportEvents' });
    const dump = (await cdp.send('Tracing.requestMemoryDump' as never, { deterministic: true, levelOfDetail: 'detailed' } as never)) as { success?: boolean };
    const done = new Promise<void>((r) => cdp.once('Tracing.tracingComplete', () => r()));
    await cdp.send('Tracing.end');
    await done;
    if (!dump.success) return 'the memory dump failed';
  } catch (e) {
    return `no memory dump: ${(e as Error).message}`;
  } finally {
    cdp.off('Tracing.dataCollected', onData);
    await cdp.detach().catch(() => undefined);
  }
  const renderers = new Set(
    events.filter((e) => e.name === 'process_labels' || e.name === 'process_name').filter((e) => JSON.stringify(e.args ?? {}).includes('Renderer')).map((e) => e.pid),
  );
  const out: Record<string, Record<string, number>> = {};
  for (const e of events) {
    const allocators = e.ph === 'v' ? e.args?.dumps?.allocators : undefined;
    if (!allocators || (renderers.size > 0 && !renderers.has(e.pid))) continue;
    const mb: Record<string, number> = {};
    for (const [name, a] of Object.entries(allocators)) {
      const size = a.attrs?.size;
      if (!size?.value || size.units !== 'bytes') continue;
      const depth = name.split('/').length;
      const v = parseInt(size.value, 16) / 2 ** 20;
      if (depth === 1 || (depth === 2 && v >= 4)) mb[name] = Math.round(v);
    }
    if (Object.keys(mb).length > 0) out[`pid ${e.pid}`] = Object.fromEntries(Object.entries(mb).sort((x, y) => y[1] - x[1]).slice(0, 30));
  }
  return out;
}

/** Top self time of a CPU profile, by function and place in the bundle (for --profile-open). */
function topSelfTime(profile: { nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number } }>; samples?: number[]; timeDeltas?: number[] }, n: number): string[] {
  const self = new Map<string, number>();
  const byId = new Map(profile.nodes.map((x) => [x.id, x]));
  const dt = profile.timeDeltas ?? [];
  (profile.samples ?? []).forEach((id, i) => {
    const f = byId.get(id)!.callFrame;
    const key = `${f.functionName || '(anonymous)'} ${f.url.split('/').pop()}:${f.lineNumber + 1}:${f.columnNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + (dt[i] ?? 0) / 1000);
  });
  return [...self].sort((a, b) => b[1] - a[1]).slice(0, n).map(([k, ms]) => `${ms.toFixed(0).padStart(6)}  ${k}`);
}

type CpuProfile = { nodes: Array<{ id: number; parent?: number; children?: number[]; callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number } }>; samples?: number[]; timeDeltas?: number[]; startTime: number };

/**
 * The profile's stretches of main-thread work over `minMs` (consecutive samples that are not idle,
 * a task or a run of them), each with the frames that took most of it, inclusive: which code a
 * long task ran (time in ms after the profile started).
 */
function longStretches(profile: CpuProfile, minMs: number, framesPerStretch: number): string[] {
  const byId = new Map(profile.nodes.map((x) => [x.id, x]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const name = (id: number) => {
    const f = byId.get(id)!.callFrame;
    return `${f.functionName || '(anonymous)'} ${f.url.split('/').pop()}:${f.lineNumber + 1}`;
  };
  const dt = profile.timeDeltas ?? [];
  const samples = profile.samples ?? [];
  const out: string[] = [];
  let t = 0;
  let start = -1;
  let inclusive = new Map<string, number>();
  let busy = 0;
  const flush = (end: number) => {
    if (start >= 0 && end - start >= minMs * 1000) {
      const top = [...inclusive].filter(([k]) => !k.startsWith('(root)')).sort((a, b) => b[1] - a[1]).slice(0, framesPerStretch);
      out.push(`${((end - start) / 1000).toFixed(0)} ms @${(start / 1000).toFixed(0)} (busy ${(busy / 1000).toFixed(0)}): ${top.map(([k, v]) => `${k} ${(v / 1000).toFixed(0)}`).join(' | ')}`);
    }
    start = -1;
    inclusive = new Map();
    busy = 0;
  };
  samples.forEach((id, i) => {
    const d = dt[i + 1] ?? 0;
    t += dt[i] ?? 0;
    const leaf = byId.get(id)!.callFrame.functionName;
    if (leaf === '(idle)' || leaf === '(program)' && start < 0) {
      if (leaf === '(idle)') flush(t);
      return;
    }
    if (start < 0) start = t;
    busy += d;
    const seen = new Set<string>();
    for (let n: number | undefined = id; n !== undefined; n = parent.get(n)) {
      const k = name(n);
      if (seen.has(k)) continue;
      seen.add(k);
      inclusive.set(k, (inclusive.get(k) ?? 0) + d);
    }
  });
  flush(t);
  return out;
}

/** A compressor, EQ, high-pass and both sends on every channel; glue, limiter and EQ on the master. */
function everyProcessorOn(page: Page): Promise<void> {
  return page.evaluate(() => {
    const m = window.__mixroom!.model;
    m.doc.transact(() => {
      for (const c of m.getState().channels) {
        for (const [id, v] of [['comp.on', 1], ['comp.threshold', -24], ['eq1.gain', 3], ['eq2.gain', -2], ['eq3.gain', 2], ['eq4.gain', 1], ['hpf.on', 1], ['send1.level', -12], ['send2.level', -18]] as const) m.setParam({ kind: 'channel', channelId: c.id }, id, v);
      }
      for (const [id, v] of [['glue.on', 1], ['limiter.on', 1], ['eq1.gain', 1]] as const) m.setParam({ kind: 'master' }, id, v);
    });
  });
}

/** The main thread's busy share (Chromium's TaskDuration) over `seconds` of what the page is doing. */
async function mainThreadBusy(page: Page, seconds: number): Promise<number> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  const taskDuration = async () => (await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === 'TaskDuration')?.value ?? 0;
  const t0 = Date.now();
  const d0 = await taskDuration();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const busy = ((await taskDuration()) - d0) / ((Date.now() - t0) / 1000);
  await cdp.detach();
  return busy;
}

interface TraceEvent {
  name: string;
  ph: string;
  pid: number;
  tid: number;
  ts: number;
  dur?: number;
  args?: {
    name?: string;
    fileName?: string;
    elementCount?: number;
    data?: { functionName?: string; url?: string; type?: string };
    beginData?: { dirtyObjects?: number; totalObjects?: number; stackTrace?: Array<{ functionName?: string; url?: string }> };
  };
}

/**
 * The main thread's tasks over 50 ms in a trace (for --trace-open): each with where its time went,
 * by trace event and self time (nested events' time counted in the innermost), so a long task
 * reads as "style 60 ms, layout 40 ms, script 30 ms" rather than one figure.
 */
function longTasksOfTrace(events: TraceEvent[], navigationTs: number): string[] {
  const main = new Set(events.filter((e) => e.name === 'thread_name' && e.args?.name === 'CrRendererMain').map((e) => `${e.pid}:${e.tid}`));
  const onMain = events.filter((e) => e.ph === 'X' && e.dur !== undefined && main.has(`${e.pid}:${e.tid}`)).sort((a, b) => a.ts - b.ts || b.dur! - a.dur!);
  const out: string[] = [];
  for (const task of onMain.filter((e) => e.name === 'RunTask' && e.dur! > 50_000)) {
    const end = task.ts + task.dur!;
    const inside = onMain.filter((e) => e !== task && e.ts >= task.ts && e.ts + e.dur! <= end && e.pid === task.pid && e.tid === task.tid);
    const self = new Map<string, number>();
    const stack: Array<{ e: TraceEvent; key: string; child: number }> = [];
    const close = (upTo: number) => {
      while (stack.length > 0 && stack[stack.length - 1].e.ts + stack[stack.length - 1].e.dur! <= upTo) {
        const top = stack.pop()!;
        self.set(top.key, (self.get(top.key) ?? 0) + top.e.dur! - top.child);
        if (stack.length > 0) stack[stack.length - 1].child += top.e.dur!;
      }
    };
    // The largest layout and style recalculation of the task: how much of the page they covered, and what forced them.
    let layout = '';
    let layoutDur = 0;
    let style = '';
    let styleDur = 0;
    for (const e of inside) {
      close(e.ts);
      const d = e.args?.data;
      const what = d?.functionName || d?.url ? ` ${d.functionName || ''}@${(d.url ?? '').split('/').pop()}` : d?.type ? ` ${d.type}` : '';
      const file = e.args?.fileName ?? d?.url;
      const key = e.name === 'FunctionCall' || e.name === 'EventDispatch' || e.name === 'TimerFire' ? `${e.name}${what}` : /^(v8\.run|v8\.compile|EvaluateScript|v8\.evaluateModule)$/.test(e.name) && file ? `${e.name} ${file.split('/').pop()}` : e.name;
      stack.push({ e, key, child: 0 });
      const b = e.args?.beginData;
      if (e.name === 'Layout' && e.dur! > layoutDur) {
        layoutDur = e.dur!;
        const forced = b?.stackTrace?.[0];
        layout = `largest Layout ${(e.dur! / 1000).toFixed(0)} ms, ${b?.dirtyObjects}/${b?.totalObjects} objects${forced ? `, forced by ${forced.functionName || '?'}@${(forced.url ?? '').split('/').pop()}` : ''}`;
      }
      if (e.name === 'UpdateLayoutTree' && e.dur! > styleDur) {
        styleDur = e.dur!;
        style = `largest style recalc ${(e.dur! / 1000).toFixed(0)} ms, ${e.args?.elementCount ?? '?'} elements`;
      }
    }
    close(Infinity);
    const covered = [...self.values()].reduce((n, v) => n + v, 0);
    const top = [...self].sort((a, b) => b[1] - a[1]).slice(0, 6).map(([k, us]) => `${k} ${(us / 1000).toFixed(0)}`);
    const notes = [layout, style].filter((x) => x && parseInt(x.replace(/^\D+/, ''), 10) >= 10);
    out.push(`${(task.dur! / 1000).toFixed(0)} ms @${((task.ts - navigationTs) / 1000).toFixed(0)}: ${top.join(', ')}${task.dur! - covered > 5000 ? `, (task itself) ${((task.dur! - covered) / 1000).toFixed(0)}` : ''}${notes.length ? ` [${notes.join('; ')}]` : ''}`);
  }
  return out;
}

/** Long Animation Frames over 50 ms so far, each with its scripts over 5 ms (for --loaf-open). */
async function longAnimationFrames(page: Page): Promise<string[]> {
  type Script = { invoker: string; invokerType: string; duration: number; forcedStyleAndLayoutDuration: number; sourceURL: string; sourceFunctionName: string; sourceCharPosition: number };
  type Frame = { startTime: number; duration: number; blockingDuration: number; renderStart: number; scripts: Script[] };
  const frames = await page.evaluate(() => (window as unknown as { __loaf: Frame[] }).__loaf.slice());
  return frames
    .filter((f) => f.duration > 50)
    .map((f) => {
      const render = f.renderStart > 0 ? f.startTime + f.duration - f.renderStart : 0;
      const scripts = f.scripts
        .filter((x) => x.duration >= 5)
        .map((x) => `${x.invokerType} ${x.invoker} ${x.duration.toFixed(0)} ms${x.forcedStyleAndLayoutDuration >= 1 ? ` (forced layout ${x.forcedStyleAndLayoutDuration.toFixed(0)})` : ''} ${x.sourceFunctionName || '(anonymous)'}@${x.sourceURL.split('/').pop()}:${x.sourceCharPosition}`);
      return `frame ${f.duration.toFixed(0)} ms @${f.startTime.toFixed(0)} (blocking ${f.blockingDuration.toFixed(0)}, rendering ${render.toFixed(0)}): ${scripts.join(' | ') || 'no script over 5 ms'}`;
    });
}

async function openAndPlay(page: Page, sessionId: string, bytes: { n: number }): Promise<Visit> {
  const profiling = args.includes('--profile-open') ? await page.context().newCDPSession(page) : null;
  if (profiling) {
    await profiling.send('Profiler.enable');
    await profiling.send('Profiler.setSamplingInterval', { interval: 500 });
    await profiling.send('Profiler.start');
  }
  // A Chromium trace of the open: every long task broken down by what ran in it.
  const tracing = args.includes('--trace-open') ? await page.context().newCDPSession(page) : null;
  const traceEvents: TraceEvent[] = [];
  if (tracing) {
    tracing.on('Tracing.dataCollected', (e: { value: unknown }) => traceEvents.push(...(e.value as TraceEvent[])));
    await tracing.send('Tracing.start', { categories: 'devtools.timeline,disabled-by-default-devtools.timeline,blink,blink.user_timing,v8,toplevel,loading', transferMode: 'ReportEvents' });
  }
  const t0 = Date.now();
  await page.goto(`${base}/s/${sessionId}`);
  // Click as soon as Play is enabled, as a user waiting on it would, in the page itself: through
  // Playwright a click is several round trips to a page busy opening (scroll into view, two frames
  // of stability, hit test, the input events), and those had counted 0.5-1.8 s as opening time.
  await page.waitForFunction(() => {
    const play = document.querySelector('[data-testid="play"]') as HTMLButtonElement | null;
    const enabled = play?.disabled === false;
    if (enabled) {
      performance.mark('mixroom:play-enabled');
      play.click();
    }
    return enabled;
  }, undefined, { timeout: 600_000, polling: 20 });
  await page.waitForFunction(() => {
    const g = window.__mixroom?.graph as { readMasterLevel(): { peakDb: number } } | null;
    const sounding = !!g && g.readMasterLevel().peakDb > -60;
    if (sounding) {
      performance.mark('mixroom:first-sound');
      // When it was heard: the transport's start on the audio clock, at the output (a busy page
      // reads its analyser late, so the page sees the sound after the listener hears it).
      const started = performance.getEntriesByName('mixroom:transport-started', 'mark')[0] as PerformanceMark | undefined;
      const ctx = (window.__mixroom!.runtime as { audioContext: AudioContext | null }).audioContext;
      const at = (started?.detail as { contextTime?: number } | null)?.contextTime;
      if (ctx && at !== undefined) {
        const ts = ctx.getOutputTimestamp();
        const heard = (ts.performanceTime ?? 0) + (at - (ts.contextTime ?? 0)) * 1000;
        performance.mark('mixroom:first-sound-heard', { startTime: Math.min(heard, performance.now()) });
      }
    }
    return sounding;
  }, undefined, { timeout: 600_000, polling: 20 });
  const openToSoundMs = Date.now() - t0;
  if (profiling) {
    const { profile } = await profiling.send('Profiler.stop');
    log('main thread while opening, top self time (ms):');
    const profileOut = strOpt('profile-out');
    if (profileOut) writeFileSync(profileOut, JSON.stringify(profile));
    for (const line of topSelfTime(profile, 25)) log(`  ${line}`);
    log('main thread while opening, stretches of work over 50 ms, with their heaviest frames (inclusive ms):');
    for (const line of longStretches(profile as CpuProfile, 50, 8)) log(`  ${line}`);
    await profiling.detach();
  }
  if (tracing) {
    const done = new Promise<void>((r) => tracing.once('Tracing.tracingComplete', () => r()));
    await tracing.send('Tracing.end');
    await done;
    await tracing.detach();
  }
  // The page's long tasks until the mix sounded (start ms, duration ms): what a click then waited for.
  const openLongTasks = await page.evaluate(() => (window as unknown as { __longTaskAt: Array<[number, number]> }).__longTaskAt.slice());
  log(`long tasks while opening: ${openLongTasks.length}, ${openLongTasks.reduce((n, [, d]) => n + d, 0)} ms in all: ${openLongTasks.map(([at, d]) => `${d}@${at}`).join(' ')}`);
  if (args.includes('--loaf-open')) for (const line of await longAnimationFrames(page)) log(`  ${line}`);
  const milestones = await page.evaluate(() => {
    const out: Record<string, number> = {};
    const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined;
    if (nav) {
      out.responseEnd = Math.round(nav.responseEnd);
      out.domContentLoaded = Math.round(nav.domContentLoadedEventEnd);
    }
    for (const m of performance.getEntriesByType('mark')) if (m.name.startsWith('mixroom:') && !(m.name.slice(8) in out)) out[m.name.slice(8)] = Math.round(m.startTime);
    return out;
  });
  if (tracing) {
    // Times in the page's clock (ms after navigation, as the long tasks above): the trace's
    // "mixroom:first-sound" mark is at the page's own figure for it.
    const mark = traceEvents.find((e) => e.name === 'mixroom:first-sound');
    const navigationTs = mark ? mark.ts - milestones['first-sound'] * 1000 : 0;
    log('main thread while opening, tasks over 50 ms (ms, by trace event self time):');
    for (const line of longTasksOfTrace(traceEvents, navigationTs).filter((l) => !l.includes('@-'))) log(`  ${line}`);
  }
  const missing = await page.evaluate(() => {
    const snap = (window.__mixroom!.runtime as { getSnapshot(): { health?: { startedWithout: string[] } } }).getSnapshot();
    return snap.health ? snap.health.startedWithout : [`(no health in the snapshot: ${Object.keys(snap).join(' ')})`];
  });
  if (missing.length > 0) log(`started without ${missing.length} stems: ${missing.join(', ')}`);
  // On the page's own clock from the navigation's start: Playwright's answer that the page saw
  // sound reaches this process 0.3-0.7 s later when the page is busy, which openToSoundMs counts.
  const openToHeardMs = milestones['first-sound-heard'] ?? null;
  return { openToSoundMs, openToHeardMs, stemBytesDownloaded: bytes.n, milestones, longTasks: openLongTasks };
}

/** Waits until the page holds every stem's whole file in its local cache. */
async function everyStemCached(page: Page): Promise<void> {
  await page.waitForFunction(() => (window.__mixroom!.runtime as { getSnapshot(): { stems: Array<{ loadedBytes: number; totalBytes: number }> } }).getSnapshot().stems.every((s) => s.loadedBytes >= s.totalBytes), undefined, { timeout: 600_000, polling: 500 });
}

/**
 * Seeks while playing: ms from the seek until the transport plays again with every stem sounding
 * at the playhead (a seek into a part not yet cached holds the transport until it is).
 */
async function seeks(page: Page, what: string): Promise<number[]> {
  const out: number[] = [];
  // How much of the files the local cache held as the seeks began (the background download may
  // have fetched everything by then): a "not yet downloaded" figure means something only below 100 %.
  const cachedShare = await page.evaluate(() => {
    const stems = (window.__mixroom!.runtime as { getSnapshot(): { stems: Array<{ loadedBytes: number; totalBytes: number }> } }).getSnapshot().stems;
    return stems.reduce((n, x) => n + Math.min(x.loadedBytes, x.totalBytes), 0) / Math.max(1, stems.reduce((n, x) => n + x.totalBytes, 0));
  });
  // The batched range requests each seek made (the stem worker's, seen from the page): when the
  // first answer began and the last one ended, after the seek, in ms (where a seek's time goes).
  const ranges: Array<{ sentAt: number; request: Request }> = [];
  const onRequest = (r: Request) => r.url().endsWith('/stems/ranges') && ranges.push({ sentAt: Date.now(), request: r });
  page.on('request', onRequest);
  // Seeks while playing: after a long wait for the cache the song may have played to its end.
  await page.evaluate(async () => {
    const h = window.__mixroom as unknown as { transport: { state: string }; runtime: { play(): Promise<void> } };
    if (h.transport.state !== 'started') await h.runtime.play();
  });
  const phases: string[] = [];
  const primes: string[] = [];
  for (let i = 0; i < SEEKS; i++) {
    const to = ((i * 0.618 + 0.1) % 1) * (MINUTES * 60 - 10);
    const seekAt = Date.now();
    ranges.length = 0;
    out.push(
      await page.evaluate(async (pos) => {
        const h = window.__mixroom as unknown as { transport: { position: number; state: string }; runtime: { seek(s: number): void; library: { missingAt(s: number): string[] } } };
        const t = performance.now();
        h.runtime.seek(pos);
        await new Promise((r) => setTimeout(r, 0));
        while (h.transport.state !== 'started' || h.runtime.library.missingAt(h.transport.position).length > 0) {
          await new Promise((r) => setTimeout(r, 2));
          if (performance.now() - t > 30_000) return { ms: -1, prime: '' };
        }
        const ms = performance.now() - t;
        // Where the time went: the transport held for the stems (prime), after the seek.
        // (No named function here: tsx would wrap it in a helper the page does not have.)
        const [start, done] = ['prime-start', 'prime-done'].map((name) => performance.getEntriesByName(`mixroom:${name}`, 'mark').findLast((m) => m.startTime >= t)?.startTime);
        return { ms, prime: start === undefined || done === undefined ? 'no hold' : `hold ${(start - t).toFixed(0)}–${(done - t).toFixed(0)}` };
      }, to).then(({ ms, prime }) => {
        primes.push(prime);
        return ms;
      }),
    );
    const answered = await Promise.all(
      ranges.map(async ({ sentAt, request }) => {
        await request.response().catch(() => null);
        const t = request.timing();
        return { sent: sentAt - seekAt, first: t.responseStart >= 0 ? t.startTime + t.responseStart - seekAt : NaN, end: t.responseEnd >= 0 ? t.startTime + t.responseEnd - seekAt : NaN };
      }),
    );
    const early = answered.filter((a) => a.sent < out[i]);
    phases.push(early.length === 0 ? 'none' : early.map((a) => `${a.sent.toFixed(0)}→${a.first.toFixed(0)}→${a.end.toFixed(0)}`).join(' '));
    await new Promise((r) => setTimeout(r, 1000));
  }
  page.off('request', onRequest);
  log(`seek ${what}: range requests before sounding, sent→first byte→last byte (ms after the seek): ${phases.join(' | ')}`);
  log(`seek ${what}: transport held for the stems (ms after the seek): ${primes.join(' | ')}`);
  log(`seek ${what} → sounding (ms): ${out.map((x) => x.toFixed(0)).join(' ')} (files ${(cachedShare * 100).toFixed(0)} % in the local cache as the seeks began; load ${load()})`);
  return out;
}

async function main(): Promise<void> {
  const stemsDir = path.join(ROOT, 'bench/.cache', `stems-${STEMS}x${MINUTES}`);
  mkdirSync(stemsDir, { recursive: true });
  const files = existsSync(path.join(stemsDir, 'done')) ? readdirSync(stemsDir).filter((f) => f.endsWith('.wav')).sort().map((f) => path.join(stemsDir, f)) : await makeStems({ count: STEMS, minutes: MINUTES, sampleRate: 48000, dir: stemsDir });
  writeFileSync(path.join(stemsDir, 'done'), '');
  log(`${files.length} stems × ${MINUTES} min ready; load ${load()}`);

  // --data-dir DIR keeps the server's data (and so the uploaded session) for the next run with it.
  const keptDataDir = strOpt('data-dir');
  if (keptDataDir) mkdirSync(keptDataDir, { recursive: true });
  const dataDir = keptDataDir ?? mkdtempSync(path.join(os.tmpdir(), 'mixroom-bench-session-'));
  const server = await startServer(dataDir);
  // --browser-dir DIR keeps the browser's profile (its stem cache) between runs: a second run with
  // --open-only is then a warm open, quick to profile.
  const keptBrowserDir = strOpt('browser-dir');
  if (keptBrowserDir) mkdirSync(keptBrowserDir, { recursive: true });
  const userDataDir = keptBrowserDir ? path.resolve(keptBrowserDir) : mkdtempSync(path.join(os.tmpdir(), 'mixroom-bench-chromium-'));
  const result: Record<string, unknown> = { date: new Date().toISOString(), stems: STEMS, minutes: MINUTES, loadBefore: load() };
  try {
    const cookie = await signIn();
    useTusCookie(cookie);
    const title = `Bench ${STEMS}×${MINUTES}`;
    const listed = (await (await fetch(`${base}/api/sessions`, { headers: { cookie } })).json()) as { sessions: Array<{ id: string; title: string; stemCount: number }> };
    const kept = keptDataDir ? listed.sessions.find((x) => x.title === title && x.stemCount === files.length) : undefined;
    let sessionId: string;
    if (kept) {
      sessionId = kept.id;
      log(`the session uploaded before in ${keptDataDir}: ${sessionId}`);
    } else {
      const created = await fetch(`${base}/api/sessions`, { method: 'POST', headers: { cookie, 'content-type': 'application/json' }, body: JSON.stringify({ title }) });
      sessionId = ((await created.json()) as { id: string }).id;
      const tUp = Date.now();
      for (const f of files) {
        const r = await uploadAll(base, sessionId, readFileSync(f), path.basename(f), 64 * 1024 * 1024);
        if (r.status >= 300) throw new Error(`upload of ${f}: ${r.status} ${r.body}`);
      }
      result.uploadSeconds = (Date.now() - tUp) / 1000;
      log(`uploaded in ${result.uploadSeconds} s`);
    }

    const browser = await chromium.launchPersistentContext(userDataDir, {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--autoplay-policy=no-user-gesture-required'],
      viewport: { width: 1440, height: 900 },
    });
    const res = await browser.request.post(`${base}/api/auth/signin`, { data: { email: 'engineer@mixroom.demo', password: 'mixroom-demo' } });
    if (res.status() !== 200) throw new Error('browser sign-in');
    await browser.addInitScript(() => {
      window.localStorage.setItem('mixroom.identity', JSON.stringify({ name: 'Bench', color: '#f5a524' }));
      const w = window as unknown as { __longTasks: number[]; __longTaskAt: Array<[number, number]> };
      w.__longTasks = [];
      w.__longTaskAt = [];
      const frames: unknown[] = [];
      (w as unknown as { __loaf: unknown[] }).__loaf = frames;
      try {
        new PerformanceObserver((l) => {
          for (const e of l.getEntries()) frames.push(e.toJSON());
        }).observe({ type: 'long-animation-frame', buffered: true });
      } catch {
        // A browser without Long Animation Frames: --loaf-open lists none.
      }
      new PerformanceObserver((l) => {
        for (const e of l.getEntries()) {
          w.__longTasks.push(e.duration);
          w.__longTaskAt.push([Math.round(e.startTime), Math.round(e.duration)]);
        }
      }).observe({ type: 'longtask', buffered: true });
    });
    const bytes = { n: 0 };
    browser.on('response', (r) => {
      if (!r.url().includes('/stems/') || !(r.url().endsWith('/audio') || r.url().endsWith('/stems/ranges'))) return;
      r.headerValue('content-length').then((v) => (bytes.n += Number(v ?? 0)), () => undefined);
    });
    let peakRss = 0;
    let peakPss = 0;
    let tick = 0;
    // The renderers at the peak (MB by pid) and when it was: the page's own, or a closed page's
    // still winding down, or the browser's blank first tab.
    let peakAt = '';
    const sampler = setInterval(() => {
      const byPid = rendererRssByPid(userDataDir);
      const rss = [...byPid.values()].reduce((n, v) => n + v, 0);
      if (rss > peakRss) {
        peakRss = rss;
        peakAt = `${new Date().toISOString().slice(11, 19)}: ${[...byPid].map(([pid, v]) => `${pid} ${Math.round(v / 2 ** 20)}`).join(', ')}`;
      }
      // PSS: pages shared between the renderer processes (Chromium's code, fonts) counted once, not once per process.
      if (tick++ % 5 === 0) peakPss = Math.max(peakPss, rendererPssMB(userDataDir));
    }, 200);

    // Cold: nothing cached.
    let page = await browser.newPage();
    page.on('console', (m) => m.text().startsWith('seek') && log(m.text()));
    const cold = await openAndPlay(page, sessionId, bytes);
    log(`cold open → sound heard ${cold.openToHeardMs} ms, the page saw it at ${cold.milestones['first-sound']} ms, this process at ${cold.openToSoundMs} ms (load ${load()}); milestones ${JSON.stringify(cold.milestones)}`);
    result.cold = cold;
    if (args.includes('--open-only')) {
      // A quick look at the open alone (with --trace-open or --profile-open, say): no playback, seeks or warm visit.
      if (keptBrowserDir) {
        // The next run on this profile is a warm open: every file in the cache first.
        await everyStemCached(page);
        log('every stem in the local cache; run again with the same --browser-dir for a warm open');
      }
      clearInterval(sampler);
      await browser.close();
      return;
    }

    // Every processor on, then play P seconds.
    await everyProcessorOn(page);
    const cdp = await browser.newCDPSession(page);
    await cdp.send('Performance.enable');
    const taskDuration = async () => ((await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === 'TaskDuration')?.value ?? 0);
    const stats = () => page.evaluate(() => {
      const ctx = (window.__mixroom!.runtime as { liveContext: { rawContext: { playbackStats?: { underrunEvents?: number; underrunDuration?: number } } } }).liveContext.rawContext;
      const live = (window.__mixroom!.runtime as { live: { underruns: number } }).live;
      return { underrunEvents: ctx.playbackStats?.underrunEvents ?? -1, workletUnderruns: live.underruns, longTasks: (window as unknown as { __longTasks: number[] }).__longTasks.slice() };
    });
    const before = await stats();
    const task0 = await taskDuration();
    const cpu0 = audioThreadCpu(userDataDir);
    const t0 = Date.now();
    const loadDuring: string[] = [];
    while (Date.now() - t0 < PLAY_SECONDS * 1000) {
      await new Promise((r) => setTimeout(r, 5000));
      loadDuring.push(load());
    }
    const wall = (Date.now() - t0) / 1000;
    const task1 = await taskDuration();
    const cpu1 = audioThreadCpu(userDataDir);
    const statsAtEnd = await stats();
    // What the page itself redraws while playing (counts from a trace, whatever the load): with
    // everything that moves on canvases, layouts and paints should be next to none.
    const lifecycle = await (async () => {
      const events: Array<{ name: string; ph: string; pid: number; tid: number; args?: { name?: string } }> = [];
      const onData = (e: { value: unknown }) => events.push(...(e.value as typeof events));
      cdp.on('Tracing.dataCollected', onData);
      const done = new Promise<void>((r) => cdp.once('Tracing.tracingComplete', () => r()));
      await cdp.send('Tracing.start', { categories: 'devtools.timeline,disabled-by-default-devtools.timeline,blink,cc,v8,toplevel', transferMode: 'ReportEvents' });
      await new Promise((r) => setTimeout(r, 4000));
      await cdp.send('Tracing.end');
      await done;
      cdp.off('Tracing.dataCollected', onData);
      const main = new Set(events.filter((e) => e.name === 'thread_name' && e.args?.name === 'CrRendererMain').map((e) => `${e.pid}:${e.tid}`));
      const count = (name: string) => events.filter((e) => e.name === name && main.has(`${e.pid}:${e.tid}`) && e.ph === 'X').length;
      // Where the main thread's time goes by trace event (nested events overlap their parents).
      const busiest = new Map<string, number>();
      for (const e of events as Array<{ name: string; ph: string; pid: number; tid: number; dur?: number }>) {
        if (e.ph === 'X' && e.dur && main.has(`${e.pid}:${e.tid}`)) busiest.set(e.name, (busiest.get(e.name) ?? 0) + e.dur / 1000);
      }
      const topEventsMs = Object.fromEntries([...busiest].sort((a, b) => b[1] - a[1]).slice(0, 12).map(([k, v]) => [k, Math.round(v)]));
      return { seconds: 4, frames: count('FireAnimationFrame'), layouts: count('Layout'), paints: count('Paint'), styleRecalcs: count('UpdateLayoutTree'), topEventsMs };
    })();
    // Composited layers: every frame's commit walks them all.
    const layers = await (async () => {
      const got = new Promise<number>((r) => cdp.once('LayerTree.layerTreeDidChange', (e: { layers?: unknown[] }) => r(e.layers?.length ?? -1)));
      await cdp.send('LayerTree.enable');
      const n = await Promise.race([got, new Promise<number>((r) => setTimeout(() => r(-1), 5000))]);
      await cdp.send('LayerTree.disable');
      return n;
    })();
    Object.assign(lifecycle, { layers });
    log('page lifecycle during playback', JSON.stringify(lifecycle));
    if (args.includes('--profile')) {
      // Where the main thread's time goes during playback: top functions by self time.
      await cdp.send('Profiler.enable');
      await cdp.send('Profiler.start');
      await new Promise((r) => setTimeout(r, 5000));
      const { profile } = await cdp.send('Profiler.stop');
      const self = new Map<string, number>();
      const dt = profile.timeDeltas ?? [];
      const byId = new Map(profile.nodes.map((n) => [n.id, n]));
      (profile.samples ?? []).forEach((id, i) => {
        const n = byId.get(id)!;
        const key = `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.split('/').pop()}:${n.callFrame.lineNumber}`;
        self.set(key, (self.get(key) ?? 0) + (dt[i] ?? 0) / 1000);
      });
      log('main thread, top self time over 5 s (ms):');
      for (const [k, ms] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 15)) log(`  ${ms.toFixed(0).padStart(6)}  ${k}`);
    }
    const after = statsAtEnd;
    const longAfter = after.longTasks.slice(before.longTasks.length);
    result.playback = {
      seconds: wall,
      underrunEvents: after.underrunEvents - before.underrunEvents,
      workletUnderrunBlocks: after.workletUnderruns - before.workletUnderruns,
      mainThreadBusy: (task1 - task0) / wall,
      audioThreadCpu: (cpu1 - cpu0) / wall,
      longTasksOver50ms: longAfter.length,
      longestTaskMs: Math.max(0, ...longAfter),
      lifecycle,
      load: loadDuring,
    };
    log('playback', JSON.stringify(result.playback));

    result.memoryAfterPlayback = { smapsMB: rendererSmaps(userDataDir), realmsMB: await memoryByRealm(page), allocatorsMB: await memoryByAllocator(page) };
    log('memory after playback', JSON.stringify(result.memoryAfterPlayback));

    result.seekMs = await seeks(page, 'to parts not yet downloaded');
    // --until-seeks: a quicker look (memory, playback, uncached seeks) without the wait for the
    // whole files, the cached seeks and the warm visit.
    if (!args.includes('--until-seeks')) {
      // The rest of every file arrives in the background; a warm visit is one after that.
      const tCache = Date.now();
      await everyStemCached(page);
      result.cachedSecondsAfterSeeks = (Date.now() - tCache) / 1000;
      log(`every stem fully cached ${((Date.now() - tCache) / 1000).toFixed(1)} s after the seeks`);
      result.seekCachedMs = await seeks(page, 'within the local cache');
      await page.close();

      // Warm: the same browser profile, a new visit.
      bytes.n = 0;
      page = await browser.newPage();
      result.warm = await openAndPlay(page, sessionId, bytes);
      log(`warm open → sound heard ${(result.warm as Visit).openToHeardMs} ms, the page saw it at ${(result.warm as Visit).milestones['first-sound']} ms, this process at ${(result.warm as Visit).openToSoundMs} ms, ${(result.warm as Visit).stemBytesDownloaded} stem bytes downloaded; milestones ${JSON.stringify((result.warm as Visit).milestones)}`);
      await new Promise((r) => setTimeout(r, 3000));
      if (PAINT_COMPARE_SECONDS > 0) {
        // Warm visits playing with every processor on: live canvases drawn by the paint worker (as
        // shipped) or by the page (localStorage 'mixroom.paint' = 'page'), alternated twice so the
        // machine's drift between them falls on both; each after the open has settled.
        const runs: Array<{ mode: 'worker' | 'page'; mainThreadBusy: number; load: string }> = [];
        for (const mode of ['page', 'worker', 'page', 'worker'] as const) {
          await page.evaluate((m) => (m === 'page' ? localStorage.setItem('mixroom.paint', 'page') : localStorage.removeItem('mixroom.paint')), mode);
          await page.close();
          page = await browser.newPage();
          await openAndPlay(page, sessionId, bytes);
          await everyProcessorOn(page);
          await new Promise((r) => setTimeout(r, 8000));
          const drawnBy = await page.evaluate(() => (window as unknown as { __mixroomPaint?: { mode: string } }).__mixroomPaint?.mode ?? 'none');
          if (drawnBy !== mode) throw new Error(`paint comparison: asked for ${mode}, the page draws with ${drawnBy}`);
          const run = { mode, mainThreadBusy: await mainThreadBusy(page, PAINT_COMPARE_SECONDS), load: load() };
          runs.push(run);
          log(`main thread busy, canvases drawn by the ${mode}: ${(run.mainThreadBusy * 100).toFixed(1)} % (load ${run.load})`);
        }
        await page.evaluate(() => localStorage.removeItem('mixroom.paint'));
        const mean = (m: string) => runs.filter((r) => r.mode === m).reduce((n, r) => n + r.mainThreadBusy, 0) / 2;
        result.paintCompare = { seconds: PAINT_COMPARE_SECONDS, runs, worker: mean('worker'), page: mean('page'), ratio: mean('worker') / mean('page') };
        log(`paint comparison: worker ${(mean('worker') * 100).toFixed(1)} %, page ${(mean('page') * 100).toFixed(1)} %, ratio ${(mean('worker') / mean('page')).toFixed(2)}`);
      }
    }
    clearInterval(sampler);
    result.peakRendererRssMB = Math.round(peakRss / 2 ** 20);
    result.peakRendererRssAt = peakAt;
    result.peakRendererPssMB = Math.round(peakPss);
    log(`peak renderer PSS ${result.peakRendererPssMB} MB (shared pages counted once)`);
    log(`peak renderer RSS ${result.peakRendererRssMB} MB (at ${peakAt}, MB by renderer pid)`);
    await browser.close();
  } finally {
    result.loadAfter = load();
    server.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 3000));
    if (server.exitCode === null) server.kill('SIGKILL');
    if (!keptDataDir) rmSync(dataDir, { recursive: true, force: true });
    if (!keptBrowserDir) rmSync(userDataDir, { recursive: true, force: true });
    const out = path.join(ROOT, 'bench/results', `session-${STEMS}x${MINUTES}${args.includes('--open-only') ? '-open' : ''}.json`);
    mkdirSync(path.dirname(out), { recursive: true });
    writeFileSync(out, JSON.stringify(result, null, 2));
    log(`results: ${path.relative(ROOT, out)}`);
  }
}

await main();
