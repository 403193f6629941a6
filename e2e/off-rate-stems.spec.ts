import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { encodeWav } from '../packages/engine/src/audio/wav';
import { resample } from '../packages/engine/src/dsp/resampler';
import { ARTIFACTS_DIR, demoCookie, openAs, dropFiles } from './helpers';
import { fitSine } from '@mixroom/engine';

/**
 * Issue 18: live playback of a stem at another rate than the session's goes through the engine's
 * resampler, as renders do — not through the browser's. A 44.1 kHz stem (PCM WAV, converted by
 * the stem worker from its cached file, and FLAC, decoded by the page at its own rate) in a
 * 48 kHz session: what the worker hands to the mix worklet is flat within ±0.1 dB up to 20 kHz,
 * its images are below −100 dB, and it nulls ≥ 100 dB against the engine's resample of the file.
 */

const SEGMENTS = [1000, 10000, 18000, 20000];
const AMP = 0.5;

/** 4 s of tones, one second each, at 44.1 kHz: a float WAV, or a 24-bit FLAC made from it by ffmpeg. */
function tones(name: string): { name: string; mime: string; bytes: number[]; file: string } {
  const dir = path.join(ARTIFACTS_DIR, 'off-rate-stems');
  mkdirSync(dir, { recursive: true });
  const x = new Float32Array(4 * 44100);
  let phase = 0;
  for (let i = 0; i < x.length; i++) {
    x[i] = AMP * Math.sin(phase);
    phase += (2 * Math.PI * SEGMENTS[Math.floor(i / 44100)]) / 44100;
  }
  const wav = path.join(dir, 'tones.wav');
  writeFileSync(wav, encodeWav([x], 44100, { bitDepth: 32, float: true }));
  const file = path.join(dir, name);
  if (name.endsWith('.flac')) execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-i', wav, '-c:a', 'flac', '-sample_fmt', 's32', '-bits_per_raw_sample', '24', file]);
  else writeFileSync(file, readFileSync(wav));
  return { name, mime: name.endsWith('.flac') ? 'audio/flac' : 'audio/wav', bytes: [...readFileSync(file)], file };
}

/** The file's own samples at 44.1 kHz, decoded by ffmpeg. */
function samplesOf(file: string): Float32Array {
  const raw = execFileSync('ffmpeg', ['-v', 'error', '-i', file, '-f', 'f32le', '-ac', '1', '-'], { maxBuffer: 1 << 26 });
  return new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
}


const db = (x: number) => 20 * Math.log10(x);

type RuntimeHandle = {
  sampleRate: number;
  snapshot: { stems: Array<{ stem: { id: string; name: string; sampleRate: number }; status: string; error: string | null }> };
  library: { source(id: string): { length: number; prepare(s: number, n: number): Promise<void>; read(s: number, n: number, out: Float32Array[]): boolean } };
};

test('a 44.1 kHz stem in a 48 kHz session plays through the engine resampler (flat to 20 kHz, images below −100 dB)', async ({ browser, baseURL }) => {
  test.setTimeout(300_000);
  const created = await fetch(`${baseURL}/api/sessions`, { method: 'POST', headers: { 'content-type': 'application/json', cookie: await demoCookie(baseURL!) }, body: JSON.stringify({ title: 'Off-rate stems e2e' }) });
  expect(created.status).toBe(201);
  const sessionId = ((await created.json()) as { id: string }).id;
  const { page, context } = await openAs(browser, sessionId, 'Ana', '#e5484d');
  // An empty session opens at 48 kHz.
  await expect.poll(() => page.evaluate(() => (window.__mixroom?.runtime as unknown as RuntimeHandle | undefined)?.sampleRate)).toBe(48000);

  const files = [tones('Tones WAV.wav'), tones('Tones FLAC.flac')];
  await dropFiles(page, files);
  for (const f of files) await expect(page.locator(`[data-testid="upload-row"][data-file="${f.name}"]`)).toHaveAttribute('data-status', 'done', { timeout: 60_000 });

  for (const f of files) {
    const title = f.name.replace(/\.\w+$/, '');
    await expect
      .poll(() => page.evaluate((t) => (window.__mixroom!.runtime as unknown as RuntimeHandle).snapshot.stems.find((s) => s.stem.name === t)?.status ?? 'absent', title), { timeout: 120_000 })
      .toBe('ready');
    // What the stem worker puts into the mix worklet's chunk cache, read back from the same file.
    const played = await page.evaluate(async (t) => {
      const rt = window.__mixroom!.runtime as unknown as RuntimeHandle;
      const entry = rt.snapshot.stems.find((s) => s.stem.name === t)!;
      const src = rt.library.source(entry.stem.id);
      const n = src.length;
      await src.prepare(0, n);
      const out = [new Float32Array(n)];
      src.read(0, n, out);
      return { rate: entry.stem.sampleRate, data: Array.from(out[0]) };
    }, title);
    expect(played.rate).toBe(44100);
    const y = Float32Array.from(played.data);
    const original = samplesOf(f.file);
    const reference = resample(original, 44100, 48000);
    let e = 0;
    let s = 0;
    for (let i = 0; i < Math.min(y.length, reference.length); i++) {
      e += (y[i] - reference[i]) ** 2;
      s += reference[i] ** 2;
    }
    const nullDb = 10 * Math.log10(s / Math.max(e, 1e-30));
    // The middle 0.8 s of each second: away from the steps between tones.
    const fits = SEGMENTS.map((freq, k) => fitSine(y, freq, 48000, Math.round((k + 0.1) * 48000), Math.round((k + 0.9) * 48000)));
    const figures = fits.map((fit, k) => `${SEGMENTS[k] / 1000} kHz ${db(fit.amp / AMP).toFixed(3)} dB, residual ${db(fit.residual / AMP).toFixed(1)} dB`);
    console.log(`${f.name} played at 48 kHz: ${figures.join('; ')}; null against the engine's resample ${nullDb.toFixed(1)} dB`);
    expect(y.length).toBe(reference.length);
    fits.forEach((fit, k) => {
      expect(Math.abs(db(fit.amp / AMP)), `${f.name}: gain at ${SEGMENTS[k]} Hz`).toBeLessThan(0.1);
      expect(db(fit.residual / AMP), `${f.name}: images/aliases at ${SEGMENTS[k]} Hz`).toBeLessThan(-100);
    });
    expect(nullDb, `${f.name}: live stem vs the engine's resample of the file`).toBeGreaterThanOrEqual(100);
  }
  await context.close();
});
