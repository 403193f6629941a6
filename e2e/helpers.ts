import { expect, type Browser, type BrowserContext, type Cookie, type Page } from '@playwright/test';
import type { ListSessionsResponse, GetSessionResponse } from '@mixroom/protocol';
import config from '../playwright.config';

type MixScope = { kind: 'channel'; channelId: string } | { kind: 'fx'; bus: 'reverb' | 'delay' } | { kind: 'master' };

// The app's documented debugging hook, typed loosely here so the tests don't import browser code.
declare global {
  interface Window {
    __mixroom?: {
      graph: { readMasterLevel(): { rmsDb: number; peakDb: number }; readChannelLevel(id: string): { rmsDb: number; peakDb: number } } | null;
      model: {
        doc: { transact(fn: () => void): void };
        getState(): {
          channels: Array<{ id: string; name: string; gain: number; params: Record<string, number> }>;
          fx: Record<'reverb' | 'delay', { params: Record<string, number> }>;
          master: { params: Record<string, number> };
        };
        setParam(scope: MixScope, id: string, value: number): boolean;
        setChannelGain(id: string, db: number): boolean;
        setPan(id: string, pan: number): boolean;
        setMute(id: string, on: boolean): boolean;
        setSolo(id: string, on: boolean): boolean;
        setMasterGain(db: number): boolean;
      };
      transport: { state: string; position: number } | null;
      runtime: unknown;
      render?: unknown;
      paramDefFor(scope: MixScope, id: string): { defaultValue: number } | undefined;
    };
  }
}

export const ARTIFACTS_DIR = 'test-results/artifacts';

/** The demo accounts the server seeds with the demo session (README: "Demo accounts"). */
export const DEMO = {
  engineer: { email: 'engineer@mixroom.demo', password: 'mixroom-demo' },
  artist: { email: 'artist@mixroom.demo', password: 'mixroom-demo' },
} as const;

// One sign-in per demo account for the whole run (this worker process) on the suite's server,
// which lives as long as the run: a sign-in hashes the password, 0.4–0.8 s of server CPU at load
// 15–18, and the suite asked for ~150 of them. Nothing in the suite signs the demo accounts out; a
// failed test restarts the worker, and with it these. Servers a spec starts itself
// (two-processes.spec.ts) get a sign-in per call: their database is new each time.
const cookieHeaders = new Map<keyof typeof DEMO, Promise<string>>();
const contextCookies = new Map<keyof typeof DEMO, Cookie[]>();

async function signInCookie(baseURL: string, who: keyof typeof DEMO): Promise<string> {
  const res = await fetch(`${baseURL}/api/auth/signin`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(DEMO[who]) });
  expect(res.status, 'demo sign-in').toBe(200);
  return res.headers.get('set-cookie')!.split(';')[0];
}

/** Signs in through the API (once per account on the suite's server) and returns the `Cookie` header value, for fetch from the test process. */
export function demoCookie(baseURL: string, who: keyof typeof DEMO = 'engineer'): Promise<string> {
  if (baseURL !== config.use?.baseURL) return signInCookie(baseURL, who);
  let cookie = cookieHeaders.get(who);
  if (!cookie) {
    cookie = signInCookie(baseURL, who);
    cookieHeaders.set(who, cookie);
    cookie.catch(() => cookieHeaders.delete(who));
  }
  return cookie;
}

/** A browser context signed in as a demo account (the API request shares the context's cookie jar); the account's cookies are reused after its first sign-in. */
export async function signedInContext(browser: Browser, who: keyof typeof DEMO = 'engineer', options: { acceptDownloads?: boolean } = {}): Promise<BrowserContext> {
  const context = await browser.newContext(options);
  const known = contextCookies.get(who);
  if (known) {
    await context.addCookies(known);
    return context;
  }
  const res = await context.request.post('/api/auth/signin', { data: DEMO[who] });
  expect(res.status(), 'demo sign-in').toBe(200);
  contextCookies.set(who, await context.cookies());
  return context;
}

export async function firstSession(baseURL: string): Promise<GetSessionResponse> {
  const cookie = await demoCookie(baseURL);
  const list = (await (await fetch(`${baseURL}/api/sessions`, { headers: { cookie } })).json()) as ListSessionsResponse;
  expect(list.sessions.length, 'the server should have seeded the demo session').toBeGreaterThan(0);
  // The seeded demo session, by its title (other specs create sessions with more stems).
  const demo = list.sessions.find((x) => x.title.includes('(Mixroom demo)')) ?? [...list.sessions].sort((a, b) => b.stemCount - a.stemCount)[0];
  const id = demo.id;
  return (await (await fetch(`${baseURL}/api/sessions/${id}`, { headers: { cookie } })).json()) as GetSessionResponse;
}

/** Same rule as the app's slug() for data-testids. */
export const slug = (name: string) => name.replace(/\s+/g, '-');

export interface Person {
  context: BrowserContext;
  page: Page;
}

/** A browser profile that has already picked a name, so the "who's mixing?" dialog stays closed. */
export async function openAs(browser: Browser, sessionId: string, name: string, color: string, who: keyof typeof DEMO = 'engineer'): Promise<Person> {
  const context = await signedInContext(browser, who);
  await context.addInitScript(
    ([n, c]) => window.localStorage.setItem('mixroom.identity', JSON.stringify({ name: n, color: c })),
    [name, color] as const,
  );
  const page = await context.newPage();
  page.on('pageerror', (e) => console.log(`[${name}] page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') console.log(`[${name}] console: ${m.text()}`);
  });
  await page.goto(`/s/${sessionId}`);
  const t0 = Date.now();
  await waitForMixer(page);
  console.log(`[${name}] mixer ready in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return { context, page };
}

/** The two-person setup most specs start from: Alice (with the demo mix reset) and Bob on the demo session. */
export async function openAliceAndBob(browser: Browser, baseURL: string) {
  const session = await firstSession(baseURL);
  const alice = await openAs(browser, session.id, 'Alice', '#e5484d');
  await resetMix(alice.page);
  const bob = await openAs(browser, session.id, 'Bob', '#5b9cf5');
  return { session, alice, bob, A: alice.page, B: bob.page };
}

export async function waitForMixer(page: Page): Promise<void> {
  const mixer = page.getByTestId('mixer');
  await expect(mixer).toHaveAttribute('data-synced', 'true', { timeout: 60_000 });
  await expect(mixer).toHaveAttribute('data-stems-state', 'done', { timeout: 120_000 });
}

/**
 * The engine's measured master output (not the UI meter), as mean power over `ms`,
 * in dBFS. Reads through the documented window.__mixroom debugging hook.
 */
export function masterLevelDb(page: Page, ms = 500): Promise<number> {
  return page.evaluate(async (ms) => {
    const graph = window.__mixroom!.graph!;
    let power = 0;
    let n = 0;
    const end = performance.now() + ms;
    while (performance.now() < end) {
      const { rmsDb } = graph.readMasterLevel();
      power += Number.isFinite(rmsDb) ? Math.pow(10, rmsDb / 10) : 0;
      n++;
      await new Promise((r) => setTimeout(r, 25));
    }
    const mean = power / Math.max(1, n);
    return mean > 0 ? 10 * Math.log10(mean) : -200;
  }, ms);
}

/**
 * Waits until the master output is audible (above −60 dBFS); if it never is, logs where along
 * each strip the signal was lost before failing.
 */
export async function expectAudible(page: Page, timeout = 10_000): Promise<void> {
  try {
    await expect.poll(() => masterLevelDb(page, 300), { timeout }).toBeGreaterThan(-60);
  } catch (e) {
    console.log('silent master; signal along each strip:', JSON.stringify(await traceSignal(page)));
    throw e;
  }
}

/** Each channel's contribution (post fader/mute), loudest first. */
export function channelLevels(page: Page, ms = 500): Promise<Array<{ name: string; db: number }>> {
  return page.evaluate(async (ms) => {
    const { graph, model } = window.__mixroom!;
    const channels = model.getState().channels;
    const power = new Map<string, number>(channels.map((c) => [c.id, 0]));
    let n = 0;
    const end = performance.now() + ms;
    while (performance.now() < end) {
      for (const c of channels) {
        const { rmsDb } = graph!.readChannelLevel(c.id);
        power.set(c.id, power.get(c.id)! + (Number.isFinite(rmsDb) ? Math.pow(10, rmsDb / 10) : 0));
      }
      n++;
      await new Promise((r) => setTimeout(r, 25));
    }
    return channels
      .map((c) => {
        const p = power.get(c.id)! / Math.max(1, n);
        return { name: c.name, db: p > 0 ? 10 * Math.log10(p) : -200 };
      })
      .sort((a, b) => b.db - a.db);
  }, ms);
}

/** Types an exact value into a control's numeric entry box. */
/** Puts every channel and the master back to defaults, so specs don't inherit each other's mix. */
/** Every parameter of every channel, FX return and the master back to its default (earlier specs leave EQ, compressors, sends…). */
export async function resetMix(page: Page): Promise<void> {
  await page.evaluate(() => {
    const hook = window.__mixroom!;
    const model = hook.model;
    type Scope = Parameters<typeof hook.paramDefFor>[0];
    const reset = (scope: Scope, params: Record<string, number>) => {
      for (const id of Object.keys(params)) {
        const def = hook.paramDefFor(scope, id);
        if (def) model.setParam(scope, id, def.defaultValue);
      }
    };
    model.doc.transact(() => {
      const state = model.getState();
      for (const c of state.channels) reset({ kind: 'channel', channelId: c.id }, c.params);
      for (const bus of ['reverb', 'delay'] as const) reset({ kind: 'fx', bus }, state.fx[bus].params);
      reset({ kind: 'master' }, state.master.params);
      // Automation lanes and write modes too (a failed automation spec must not leave rides behind).
      const auto = (model as unknown as { automation?: { laneKeys(): string[]; clear(k: string): boolean; setMode(s: Scope, m: string): boolean } }).automation;
      if (auto) {
        for (const k of auto.laneKeys()) auto.clear(k);
        for (const c of state.channels) auto.setMode({ kind: 'channel', channelId: c.id }, 'read');
      }
    });
  });
}

export async function enterValue(page: Page, testId: string, text: string): Promise<void> {
  await page.getByTestId(testId).click();
  const input = page.getByTestId(`${testId}-input`);
  await input.fill(text);
  await input.press('Enter');
}

/**
 * Presses the mouse on a channel fader's cap and drags it 30 px down, keeping the button held
 * (the caller releases with `page.mouse.up()`). The strips scroll sideways beside the master and
 * loudness panels, so the cap is scrolled into view first.
 */
export async function grabFader(page: Page, channelSlug: string): Promise<void> {
  const cap = page.getByTestId(`fader-${channelSlug}`).locator('.fader-cap');
  await cap.scrollIntoViewIfNeeded();
  const box = (await cap.boundingBox())!;
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2 + 30, { steps: 6 });
}

/**
 * Where along each channel strip the signal is lost: taps every stage with a fresh AnalyserNode
 * for `ms` and reports the peak seen there, plus the gains and player state. For failure logs.
 */
export function traceSignal(page: Page, ms = 400): Promise<unknown> {
  return page.evaluate(async (ms) => {
    const hook = window.__mixroom as unknown as {
      Tone: { getContext(): { rawContext: AudioContext; lookAhead: number }; getTransport(): { seconds: number; state: string } };
      runtime: { liveContext: unknown };
      graph: { strips: Map<string, Record<string, any>>; masterOutput: { input: AudioNode } };
    };
    const ctx = hook.Tone.getContext().rawContext;
    const taps: Array<{ where: string; node: AnalyserNode; peak: number }> = [];
    const tap = (where: string, node: AudioNode | undefined) => {
      if (!node) return;
      const a = ctx.createAnalyser();
      a.fftSize = 2048;
      node.connect(a);
      taps.push({ where, node: a, peak: 0 });
    };
    const strips = [...hook.graph.strips.entries()];
    for (const [id, s] of strips) {
      tap(`${id}:player`, s.player?.output);
      tap(`${id}:trim`, s.trim);
      tap(`${id}:hpf`, s.hpf?.output);
      tap(`${id}:lpf`, s.lpf?.output);
      tap(`${id}:eq`, s.eq?.output);
      tap(`${id}:comp`, s.comp?.node);
      tap(`${id}:pan`, s.panner);
      tap(`${id}:audibility`, s.audibility);
      tap(`${id}:fader`, s.fader);
    }
    const buf = new Float32Array(2048);
    const end = performance.now() + ms;
    while (performance.now() < end) {
      for (const t of taps) {
        t.node.getFloatTimeDomainData(buf);
        for (let i = 0; i < buf.length; i++) {
          const v = Math.abs(buf[i]);
          if (v > t.peak || Number.isNaN(v)) t.peak = Number.isNaN(v) ? NaN : Math.max(t.peak, v);
        }
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    for (const t of taps) t.node.disconnect();
    const tr = hook.Tone.getTransport();
    return {
      context: { state: ctx.state, currentTime: ctx.currentTime, sampleRate: ctx.sampleRate, baseLatency: ctx.baseLatency, outputLatency: (ctx as any).outputLatency, live: hook.Tone.getContext() === hook.runtime.liveContext },
      transport: { state: tr.state, seconds: tr.seconds },
      strips: strips.map(([id, s]) => ({
        id,
        player: s.player ? { scheduled: s.player.scheduled, rate: s.player.playbackRate, duration: s.player.buffer.duration, sameContext: s.player.output.context === ctx } : null,
        gains: { trim: s.trim.gain.value, audibility: s.audibility.gain.value, fader: s.fader.gain.value, direct: s.direct.gain.value, pan: s.panner.pan.value },
        peaks: Object.fromEntries(taps.filter((t) => t.where.startsWith(`${id}:`)).map((t) => [t.where.slice(id.length + 1), Number(t.peak.toPrecision(3))])),
      })),
    };
  }, ms);
}

/** Drops files on the mixer as a person dragging them from their desktop would. */
export async function dropFiles(page: Page, files: Array<{ name: string; mime: string; bytes: number[] }>): Promise<void> {
  await page.evaluate((list) => {
    const dt = new DataTransfer();
    for (const f of list) dt.items.add(new File([new Uint8Array(f.bytes)], f.name, { type: f.mime }));
    const target = document.querySelector('[data-testid="mixer"]')!;
    for (const type of ['dragenter', 'dragover', 'drop']) target.dispatchEvent(new DragEvent(type, { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, files);
}
