// Talkback e2e support: a Chromium whose fake microphone plays a WAV, signed-in contexts, and
// measurements through the documented window.__mixroom / window.__mixroomTalk hooks.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { chromium, expect, type Browser, type BrowserContext, type Page } from '@playwright/test';
import { decodeWav, encodeWav } from '@mixroom/engine';
import config from '../../playwright.config';

declare global {
  interface Window {
    __mixroomTalk?: { talk: { takePeakLevels(): Record<string, number> } };
  }
}

const FIXTURE_DIR = path.resolve(__dirname, '../../test-results/talk');

/** The espeak-ng recording at 48 kHz (linear interpolation ×3), as Chromium's fake microphone plays it (looped). */
export function speechWav(): string {
  mkdirSync(FIXTURE_DIR, { recursive: true });
  const file = path.join(FIXTURE_DIR, 'speech-48k.wav');
  const src = decodeWav(new Uint8Array(readFileSync(path.resolve(__dirname, '../../packages/engine/test/speech/speech-16k.wav'))));
  const x = src.channels[0];
  const out = new Float32Array(x.length * 3);
  for (let i = 0; i < x.length; i++) {
    const b = i + 1 < x.length ? x[i + 1] : x[i];
    for (let k = 0; k < 3; k++) out[3 * i + k] = x[i] + ((b - x[i]) * k) / 3;
  }
  writeFileSync(file, encodeWav([out], 48000, { bitDepth: 16 }));
  return file;
}

export async function launchWithMicrophone(wav: string): Promise<Browser> {
  const base = config.use?.launchOptions ?? {};
  return chromium.launch({
    ...base,
    args: [...(base.args ?? []), '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', `--use-file-for-fake-audio-capture=${wav}`],
  });
}

export async function contextWith(browser: Browser, baseURL: string, cookie: string, name: string, color: string): Promise<BrowserContext> {
  const context = await browser.newContext({ baseURL, viewport: { width: 1440, height: 900 } });
  const [k, v] = cookie.split('=');
  await context.addCookies([{ name: k, value: v, url: baseURL }]);
  await context.grantPermissions(['microphone']);
  await context.addInitScript(([n, c]) => window.localStorage.setItem('mixroom.identity', JSON.stringify({ name: n, color: c })), [name, color] as const);
  return context;
}

/** Opens the session; `stems: false` does not wait for the song to be decoded (a listener of the talk only). */
export async function open(context: BrowserContext, sessionId: string, name: string, stems = true): Promise<Page> {
  const page = await context.newPage();
  page.on('pageerror', (e) => console.log(`[${name}] page error: ${e.message}`));
  page.on('console', (m) => (m.type() === 'error' || m.text().startsWith('[talk e2e]')) && console.log(`[${name}] console: ${m.text()}`));
  await page.goto(`/s/${sessionId}`);
  // Three pages decoding the song on a shared 2-core machine: more time than waitForMixer gives.
  const mixer = page.getByTestId('mixer');
  await expect(mixer).toHaveAttribute('data-synced', 'true', { timeout: 180_000 });
  if (stems) await expect(mixer).toHaveAttribute('data-stems-state', 'done', { timeout: 180_000 });
  return page;
}

export async function signUp(baseURL: string, name: string): Promise<string> {
  const res = await fetch(`${baseURL}/api/auth/signup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: `${name.toLowerCase()}.${Date.now().toString(36)}@example.test`, name, password: 'correct horse battery' }),
  });
  expect(res.status, await res.clone().text()).toBe(201);
  return res.headers.get('set-cookie')!.split(';')[0];
}

export async function invite(baseURL: string, owner: string, sessionId: string, member: string, role: string) {
  const created = await fetch(`${baseURL}/api/sessions/${sessionId}/invites`, { method: 'POST', headers: { cookie: owner, 'content-type': 'application/json', origin: baseURL }, body: JSON.stringify({ role }) });
  expect(created.status).toBe(201);
  const { token } = (await created.json()) as { token: string };
  const accepted = await fetch(`${baseURL}/api/invites/${token}/accept`, { method: 'POST', headers: { cookie: member, origin: baseURL } });
  expect(accepted.status).toBe(200);
}

/** Level of each received voice in this page (the highest analyser block since the last read), dBFS. */
export function voiceLevels(page: Page): Promise<Record<string, number>> {
  return page.evaluate(() => window.__mixroomTalk!.talk.takePeakLevels());
}

/**
 * How far the music is turned down after the mix in this page: power after the ducker's gain
 * against power before it (the monitor path's input), over `ms`, in dB.
 */
export function duckingDb(page: Page, ms = 400): Promise<number> {
  return page.evaluate(async (ms) => {
    // Keep the song going: on a loaded machine a page has been seen stopped mid-test (cause not found yet).
    const tr = (window.__mixroom as unknown as { transport: { state: string } | null }).transport;
    if (tr && tr.state !== 'started') {
      console.warn(`[talk e2e] the song was ${tr.state}; playing it again`);
      void (window.__mixroom!.runtime as { play(): Promise<void> }).play();
    }
    const rt = window.__mixroom!.runtime as { preview: { input: { connect(n: AudioNode): void; disconnect(n: AudioNode): void }; duck: GainNode }; monitorDuck: { ctx: AudioContext } };
    const ctx = rt.monitorDuck.ctx;
    const before = ctx.createAnalyser();
    const after = ctx.createAnalyser();
    before.fftSize = after.fftSize = 2048;
    rt.preview.input.connect(before);
    rt.preview.duck.connect(after);
    const a = new Float32Array(2048);
    const b = new Float32Array(2048);
    let pa = 0;
    let pb = 0;
    const end = performance.now() + ms;
    while (performance.now() < end) {
      before.getFloatTimeDomainData(a);
      after.getFloatTimeDomainData(b);
      for (let i = 0; i < a.length; i++) {
        pa += a[i] * a[i];
        pb += b[i] * b[i];
      }
      await new Promise((r) => setTimeout(r, 40));
    }
    rt.preview.input.disconnect(before);
    rt.preview.duck.disconnect(after);
    // NaN while no music reaches the monitor path (not playing yet): polls wait for it.
    return pa > 0 ? 10 * Math.log10(pb / pa) : NaN;
  }, ms);
}

