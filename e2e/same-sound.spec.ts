import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import type { CreateSessionResponse } from '@mixroom/protocol';
import { ARTIFACTS_DIR, demoCookie } from './helpers';

/**
 * How far below the mix the Node-vs-Chromium difference must be, for every render (the full mix
 * and each processor alone), over the whole signal from sample 0. Renders run the engine's own
 * kernels (strips, compressors, delay, master dynamics) in JavaScript on both sides and only the
 * reverb's convolution natively, so the two agree to rounding.
 */
const REQUIRED_NULL_DB = 60;

const f32 = (b64: string) => {
  const buf = Buffer.from(b64, 'base64');
  return new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
};
const energy = (chs: Float32Array[]) => chs.reduce((e, c) => e + c.reduce((a, s) => a + s * s, 0), 0);

test('the same mix renders to the same sound in Node and in Chromium (difference ≥ 60 dB down)', async ({ page, baseURL }) => {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  const file = path.resolve(ARTIFACTS_DIR, 'same-sound-node.json');
  // Node: the engine's renderMix on node-web-audio-api, in its own process (as the render CLI would).
  execFileSync('npx', ['tsx', 'e2e/support/same-sound-fixture.ts', file], { stdio: 'inherit', timeout: 600_000 });
  const fixture = JSON.parse(readFileSync(file, 'utf8')) as {
    sampleRate: number;
    stems: Record<string, string[]>;
    variants: Array<{ name: string; state: unknown; notes: string[]; node: [string, string] }>;
  };

  // Chromium: an empty session page, then the app's own bounce path with the fixture's stems and state.
  const signIn = await page.request.post('/api/auth/signin', { data: { email: 'engineer@mixroom.demo', password: 'mixroom-demo' } });
  expect(signIn.status()).toBe(200);
  const res = await fetch(`${baseURL}/api/sessions`, { method: 'POST', headers: { 'content-type': 'application/json', cookie: await demoCookie(baseURL!) }, body: JSON.stringify({ title: 'same-sound' }) });
  expect(res.status).toBe(201);
  const session = (await res.json()) as CreateSessionResponse;
  await page.goto(`/s/${session.id}`);
  await expect.poll(() => page.evaluate(() => Boolean(window.__mixroom?.render)), { timeout: 60_000 }).toBe(true);
  // The full mix first, then each processor group alone: the figures say which one differs.
  const results: Array<{ name: string; nullDb: number }> = [];
  for (const variant of fixture.variants) {
    const chromium = await page.evaluate(
      async ({ fx, state }) => {
        const decode = (b64: string) => {
          const bin = atob(b64);
          const bytes = new Uint8Array(bin.length);
          for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
          return new Float32Array(bytes.buffer);
        };
        const stems = new Map<string, AudioBuffer>();
        for (const [id, chs] of Object.entries(fx.stems)) {
          const data = chs.map(decode);
          const b = new AudioBuffer({ length: data[0].length, numberOfChannels: data.length, sampleRate: fx.sampleRate });
          data.forEach((d, i) => b.copyToChannel(d, i));
          stems.set(id, b);
        }
        const hook = window.__mixroom as unknown as { render(req: object): Promise<{ audio: AudioBuffer; notes: string[] }> };
        const { audio, notes } = await hook.render({ sampleRate: fx.sampleRate, bitDepth: 32, state, stems });
        const enc = (a: Float32Array) => {
          const u = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
          let s = '';
          for (let i = 0; i < u.length; i += 0x8000) s += String.fromCharCode(...u.subarray(i, i + 0x8000));
          return btoa(s);
        };
        return { channels: [enc(audio.getChannelData(0)), enc(audio.getChannelData(1))], notes };
      },
      { fx: { sampleRate: fixture.sampleRate, stems: fixture.stems }, state: variant.state },
    );
    expect(chromium.notes).toEqual([]);
    expect(variant.notes).toEqual([]);
    const node = variant.node.map(f32);
    const web = chromium.channels.map(f32);
    // Both renders kept for a closer look (e.g. e2e/support/same-sound-compare.ts).
    writeFileSync(path.resolve(ARTIFACTS_DIR, `same-sound-${results.length}-chromium.json`), JSON.stringify({ name: variant.name, channels: chromium.channels }));
    expect(web[0].length).toBe(node[0].length);
    const diff = node.map((c, ch) => c.map((s, i) => s - web[ch][i]));
    const nullDb = 10 * Math.log10(energy(node) / Math.max(energy(diff), 1e-30));
    const peakDiff = Math.max(...diff.map((c) => c.reduce((m, s) => Math.max(m, Math.abs(s)), 0)));
    console.log(`same sound, ${variant.name}: difference ${nullDb.toFixed(1)} dB below the mix (peak difference ${(20 * Math.log10(peakDiff || 1e-12)).toFixed(1)} dBFS)`);
    expect(energy(node)).toBeGreaterThan(1);
    results.push({ name: variant.name, nullDb });
  }
  const failing = results.filter((r) => !(r.nullDb >= REQUIRED_NULL_DB)).map((r) => `${r.name}: ${r.nullDb.toFixed(1)} dB`);

  // Live playback: the full mix played through the live graph (the mix worklet, the native
  // returns and master chain, in real time) against Node's render of it.
  const full = fixture.variants.find((v) => v.name === 'full mix')!;
  const live = await page.evaluate(
    async ({ fx, state }) => {
      const decode = (b64: string) => {
        const bin = atob(b64);
        const bytes = new Uint8Array(bin.length);
        for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
        return new Float32Array(bytes.buffer);
      };
      const stems = new Map<string, AudioBuffer>();
      for (const [id, chs] of Object.entries(fx.stems)) {
        const data = chs.map(decode);
        const b = new AudioBuffer({ length: data[0].length, numberOfChannels: data.length, sampleRate: fx.sampleRate });
        data.forEach((d, i) => b.copyToChannel(d, i));
        stems.set(id, b);
      }
      const hook = window.__mixroom as unknown as { captureLive(req: object): Promise<Float32Array[]> };
      const out = await hook.captureLive({ stems, state, seconds: stems.values().next().value!.duration });
      return out.map((c) => Array.from(c));
    },
    { fx: { sampleRate: fixture.sampleRate, stems: fixture.stems }, state: full.state },
  );
  const node = full.node.map(f32);
  const diff = node.map((c, ch) => c.map((s, i) => s - live[ch][i]));
  const liveNullDb = 10 * Math.log10(energy(node) / Math.max(energy(diff), 1e-30));
  console.log(`same sound, live playback vs Node render of the full mix: difference ${liveNullDb.toFixed(1)} dB below the mix`);
  expect(liveNullDb, 'live playback in Chromium vs the Node render, dB below the mix').toBeGreaterThanOrEqual(90);
  expect(failing, `renders whose Node/Chromium difference is not ${REQUIRED_NULL_DB} dB below the mix`).toEqual([]);
  expect(results.map((r) => r.name)).toEqual(expect.arrayContaining(['full mix', 'delay only', 'reverb only', 'comp only', 'master only']));
});
