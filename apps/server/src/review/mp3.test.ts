import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { measureLoudness } from '@mixroom/engine';
import { afterAll, describe, expect, it } from 'vitest';
import { deliverMp3, encodeMp3 } from './mp3.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'mixroom-mp3-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Something like music: a chord, a kick-ish pulse and some band-limited noise, different per side. */
function music(seconds: number, sampleRate: number): Float32Array[] {
  let seed = 12345;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32) * 2 - 1;
  return [0, 1].map((side) => {
    const out = new Float32Array(Math.round(seconds * sampleRate));
    let lp = 0;
    for (let i = 0; i < out.length; i++) {
      const t = i / sampleRate;
      lp += 0.1 * (rnd() - lp);
      const beat = t % 0.5;
      out[i] = 0.12 * Math.sin(2 * Math.PI * 220 * t) + 0.08 * Math.sin(2 * Math.PI * (277.2 + side) * t) + 0.06 * Math.sin(2 * Math.PI * 329.6 * t)
        + 0.3 * Math.exp(-beat * 30) * Math.sin(2 * Math.PI * 60 * beat) + 0.15 * lp;
    }
    return out;
  });
}

async function collect(chunks: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const c of chunks) parts.push(c);
  return new Uint8Array(Buffer.concat(parts));
}

/** What ffmpeg makes of the bytes: stream facts and the decoded stereo PCM. */
function ffmpegView(bytes: Uint8Array, name: string) {
  const file = path.join(tmp, name);
  writeFileSync(file, bytes);
  const probe = JSON.parse(execFileSync('ffprobe', ['-v', 'error', '-show_streams', '-show_format', '-of', 'json', file]).toString());
  const pcm = execFileSync('ffmpeg', ['-v', 'error', '-i', file, '-f', 'f32le', '-ac', '2', '-'], { maxBuffer: 1 << 28 });
  const floats = new Float32Array(pcm.buffer, pcm.byteOffset, pcm.byteLength / 4);
  const channels = [0, 1].map((c) => Float32Array.from({ length: floats.length / 2 }, (_, i) => floats[2 * i + c]));
  return { stream: probe.streams[0], duration: Number(probe.format.duration), channels, sampleRate: Number(probe.streams[0].sample_rate) };
}

describe('MP3 delivery encoder', () => {
  it('makes a 320 kbps MP3 that ffmpeg decodes, as long and as loud as the master, without blocking the server thread', async () => {
    const master = music(20, 48000);
    const reference = measureLoudness(master, 48000, { series: false }).integrated;
    // Event-loop gaps while encoding: what other requests would wait.
    let last = performance.now();
    let worstGap = 0;
    const ticker = setInterval(() => {
      const now = performance.now();
      worstGap = Math.max(worstGap, now - last);
      last = now;
    }, 5);
    const t0 = performance.now();
    const mp3 = await collect(encodeMp3({ sampleRate: 48000, channels: master.map((c) => c.slice()) }));
    const encodeMs = performance.now() - t0;
    clearInterval(ticker);
    const view = ffmpegView(mp3, 'music.mp3');
    expect(view.stream).toMatchObject({ codec_name: 'mp3', sample_rate: '48000', channels: 2, bit_rate: '320000' });
    expect(Math.abs(view.duration - 20)).toBeLessThan(0.05);
    expect(Math.abs(measureLoudness(view.channels, 48000, { series: false }).integrated - reference)).toBeLessThanOrEqual(0.2);
    // On the server's thread the whole encode would be one gap; in the worker the loop keeps ticking.
    console.log(`MP3 encode of 20 s stereo: ${encodeMs.toFixed(0)} ms, worst event-loop gap ${worstGap.toFixed(0)} ms`);
    expect(worstGap).toBeLessThan(encodeMs / 3);
  });

  it('brings 96 kHz masters down to 48 kHz first (MPEG-1 Layer III stops at 48 kHz)', async () => {
    const master = music(5, 96000);
    const reference = measureLoudness(master, 96000, { series: false }).integrated;
    const view = ffmpegView(await collect(encodeMp3({ sampleRate: 96000, channels: master })), 'hires.mp3');
    expect(view.stream).toMatchObject({ sample_rate: '48000', bit_rate: '320000' });
    expect(Math.abs(view.duration - 5)).toBeLessThan(0.05);
    expect(Math.abs(measureLoudness(view.channels, 48000, { series: false }).integrated - reference)).toBeLessThanOrEqual(0.2);
  });

  it('keeps the decoded true peak under the ceiling by encoding again, turned down by the overshoot, while it is over (without the trial of the loudest moments)', async () => {
    // A bright sawtooth at −1 dBTP: its MP3 decodes about 0.5 dB higher.
    const sr = 44100;
    const master = [0, 1].map((side) => Float32Array.from({ length: sr * 4 }, (_, i) => 0.9 * (((i / sr) * (220 + side)) % 1) * 2 - 0.9));
    const g = 10 ** ((-1 - measureLoudness(master, sr, { series: false }).truePeak) / 20);
    for (const c of master) for (let i = 0; i < c.length; i++) c[i] *= g;
    const stages: string[] = [];
    const made = await deliverMp3({ sampleRate: sr, channels: master }, { ceilingDbtp: -1, trial: false, onProgress: (stage, _f, gain) => stages.push(`${stage}@${gain.toFixed(2)}`) });
    // The overshoot is not quite proportional to the level, so it may take a third encode.
    expect(made.passes).toBeGreaterThanOrEqual(2);
    expect(made.gainDb).toBeLessThan(-0.2);
    expect(made.decodedTruePeakDbtp).toBeLessThanOrEqual(-1.02);
    // Every encode was reported and checked, the last one at the gain delivered.
    expect(stages.filter((s) => s.startsWith('checking'))).toHaveLength(made.passes);
    expect(stages.at(-1)).toBe(`checking@${made.gainDb.toFixed(2)}`);
    const view = ffmpegView(new Uint8Array(Buffer.concat(made.chunks)), 'second-pass.mp3');
    expect(measureLoudness(view.channels, sr, { series: false }).truePeak).toBeLessThanOrEqual(-1);
  });

  it('refuses what an MP3 cannot carry with a clear 422', async () => {
    await expect(collect(encodeMp3({ sampleRate: 22050, channels: [new Float32Array(100)] }))).rejects.toMatchObject({ status: 422, message: expect.stringContaining('22050 Hz') });
    await expect(collect(encodeMp3({ sampleRate: 48000, channels: Array.from({ length: 6 }, () => new Float32Array(100)) }))).rejects.toMatchObject({ status: 422, message: expect.stringContaining('6 channels') });
  });
});
