import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadTone } from '@mixroom/engine/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalBlobStore } from '../blob/local-blob-store.js';
import { ProbeError } from './probe.js';
import { loadStemAudio } from './stem-audio.js';
import { fixtureDir, VALID_FIXTURES, validFixture } from './test-fixtures.js';

/** ffmpeg's decode of `file` at its own rate and channel count, de-interleaved. */
function ffmpegDecode(file: string, channels: number): Float32Array[] {
  const raw = execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-i', file, '-f', 'f32le', '-c:a', 'pcm_f32le', '-'], { maxBuffer: 1 << 28 });
  const inter = new Float32Array(raw.buffer, raw.byteOffset, raw.length / 4);
  const frames = inter.length / channels;
  return Array.from({ length: channels }, (_, c) => Float32Array.from({ length: frames }, (_, i) => inter[i * channels + c]));
}

const rmsDb = (x: Float32Array) => 10 * Math.log10(x.reduce((s, v) => s + v * v, 0) / x.length);

describe('stems as AudioBuffers for server renders', () => {
  let dir: string;
  let blobs: LocalBlobStore;
  beforeAll(async () => {
    await loadTone(); // puts node-web-audio-api's AudioBuffer on globalThis, as the render CLI does
    dir = mkdtempSync(path.join(os.tmpdir(), 'mixroom-stem-audio-'));
    blobs = new LocalBlobStore(path.join(dir, 'blobs'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  for (const f of VALID_FIXTURES.filter((v) => v.expect.codec !== 'opus')) {
    it(`reads ${f.name} like ffmpeg does`, async () => {
      const file = validFixture(f.name);
      const { sha256 } = await blobs.put(readFileSync(file));
      const audio = await loadStemAudio(blobs, sha256);
      const ref = ffmpegDecode(file, f.expect.channels);
      expect(audio.numberOfChannels).toBe(f.expect.channels);
      expect(audio.sampleRate).toBe(f.expect.sampleRate);
      if (f.expect.bitDepth !== null) {
        // Lossless: the same samples, exactly (to float rounding).
        expect(audio.length).toBe(ref[0].length);
        for (let c = 0; c < ref.length; c++) {
          const got = audio.getChannelData(c);
          let worst = 0;
          for (let i = 0; i < ref[c].length; i++) worst = Math.max(worst, Math.abs(got[i] - ref[c][i]));
          expect(worst).toBeLessThan(1e-6);
        }
      } else {
        // Lossy: decoders differ in padding and rounding, not in what the file sounds like.
        expect(Math.abs(audio.length - ref[0].length) / audio.sampleRate).toBeLessThan(0.1);
        for (let c = 0; c < ref.length; c++) expect(Math.abs(rmsDb(audio.getChannelData(c)) - rmsDb(ref[c]))).toBeLessThan(0.5);
      }
    });
  }

  it('streams a long PCM file whose frames straddle every read (3 channels × 24 bit, 10 s)', async () => {
    const file = path.join(fixtureDir(), 'long-3ch.wav');
    execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'aevalsrc=0.5*sin(2*PI*220*t)|0.3*sin(2*PI*331*t)|0.2*sin(2*PI*97*t):s=48000:d=10', '-c:a', 'pcm_s24le', file]);
    const { sha256 } = await blobs.put(readFileSync(file));
    const audio = await loadStemAudio(blobs, sha256);
    const ref = ffmpegDecode(file, 3);
    expect(audio.length).toBe(480_000);
    for (let c = 0; c < 3; c++) {
      const got = audio.getChannelData(c);
      let worst = 0;
      for (let i = 0; i < ref[c].length; i++) worst = Math.max(worst, Math.abs(got[i] - ref[c][i]));
      expect(worst).toBeLessThan(1e-6);
    }
  });

  it('says why it cannot: Opus on the server, a truncated file, a missing blob', async () => {
    const opus = await blobs.put(readFileSync(validFixture('ogg-opus')));
    await expect(loadStemAudio(blobs, opus.sha256)).rejects.toThrow(/Opus stems cannot be decoded on the server/);
    const wav = readFileSync(validFixture('wav-pcm24'));
    const cut = await blobs.put(wav.subarray(0, wav.length - 1000));
    await expect(loadStemAudio(blobs, cut.sha256)).rejects.toBeInstanceOf(ProbeError);
    await expect(loadStemAudio(blobs, 'f'.repeat(64))).rejects.toThrow(/missing from storage/);
  });
});
