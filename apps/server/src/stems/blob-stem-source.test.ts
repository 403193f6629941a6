import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import * as Y from 'yjs';
import { MixModel, initializeMix, renderMixDetailed, type StemInput, type StemSource } from '@mixroom/engine';
import { loadTone } from '@mixroom/engine/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BlobStore, ByteRange } from '../blob/blob-store.js';
import { startFakeS3, type FakeS3 } from '../blob/fake-s3.js';
import { LocalBlobStore } from '../blob/local-blob-store.js';
import { S3BlobStore, createS3Client } from '../blob/s3-blob-store.js';
import { BlobPcmSource, openRenderStem } from './blob-stem-source.js';
import { loadStemAudio } from './stem-audio.js';

const SR = 48000;
const SONG = 36; // seconds: three 16 s render segments, the last one partial; 27 reads
/** What renderStream asks a streamed stem to prepare at once (65,536 frames), as stereo float. */
const READ_BYTES = 65_536 * 2 * 4;

/**
 * Stems in every uncompressed layout a session brings, made by ffmpeg from deterministic sources
 * (noise bursts, tones): each channel differs, so a swapped or shifted channel shows.
 */
const STEMS: Array<{ name: string; ext: string; seconds: number; channels: number; args: string[] }> = [
  { name: 'drums-24', ext: 'wav', seconds: SONG, channels: 2, args: ['-c:a', 'pcm_s24le'] },
  { name: 'pad-float', ext: 'wav', seconds: SONG, channels: 2, args: ['-c:a', 'pcm_f32le'] },
  { name: 'keys-aiff24', ext: 'aiff', seconds: SONG, channels: 2, args: ['-c:a', 'pcm_s24be'] },
  { name: 'fx-aifc-float', ext: 'aifc', seconds: SONG, channels: 2, args: ['-f', 'aiff', '-c:a', 'pcm_f32be'] },
  { name: 'bass-mono16', ext: 'wav', seconds: SONG, channels: 1, args: ['-c:a', 'pcm_s16le'] },
  { name: 'vox-short-rf64', ext: 'wav', seconds: 21.3, channels: 2, args: ['-c:a', 'pcm_s32le', '-rf64', 'always'] },
  { name: 'gtr-float64-ext', ext: 'wav', seconds: SONG, channels: 3, args: ['-c:a', 'pcm_f64le'] },
];

function makeStem(dir: string, s: (typeof STEMS)[number], k: number): string {
  const file = path.join(dir, `${s.name}.${s.ext}`);
  const expr = Array.from({ length: s.channels }, (_, c) => `0.3*sin(2*PI*${110 * (k + 1) + 37 * c}*t)*(0.5+0.5*sin(2*PI*${0.7 + c}*t))`).join('|');
  execFileSync('ffmpeg', [
    '-hide_banner', '-loglevel', 'error', '-y',
    '-f', 'lavfi', '-i', `aevalsrc=${expr}:s=${SR}:d=${s.seconds}`,
    '-f', 'lavfi', '-i', `anoisesrc=a=0.2:c=pink:s=${SR}:d=${s.seconds}:seed=${k + 1}`,
    '-filter_complex', `[1:a]volume='if(lt(mod(t,0.5),0.05),1,0.05)':eval=frame,aformat=channel_layouts=mono,asplit=${s.channels}${Array.from({ length: s.channels }, (_, c) => `[n${c}]`).join('')};[0:a]channelsplit=channel_layout=${s.channels === 1 ? 'mono' : s.channels === 2 ? 'stereo' : '3.0'}${Array.from({ length: s.channels }, (_, c) => `[t${c}]`).join('')};${Array.from({ length: s.channels }, (_, c) => `[t${c}][n${c}]amix=inputs=2:normalize=0[m${c}]`).join(';')};${Array.from({ length: s.channels }, (_, c) => `[m${c}]`).join('')}amerge=inputs=${s.channels}[out]`,
    '-map', '[out]', ...s.args, file,
  ]);
  return file;
}

const same = (a: Float32Array, b: Float32Array) => a.length === b.length && Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength)) === 0;

/** A blob store that counts the bytes every ranged read hands out. */
function counting(inner: BlobStore): BlobStore & { bytesRead: number; ranges: ByteRange[] } {
  const c = Object.create(inner) as BlobStore & { bytesRead: number; ranges: ByteRange[] };
  c.bytesRead = 0;
  c.ranges = [];
  c.createReadStream = async (sha256, range) => {
    const s = (await inner.createReadStream(sha256, range)) as Readable;
    if (range) c.ranges.push(range);
    s.on('data', (chunk: Uint8Array) => (c.bytesRead += chunk.length));
    return s;
  };
  return c;
}

/** A mix with every processor on, so any difference in a sample shows in the result. */
function session(ids: string[]) {
  const doc = new Y.Doc();
  initializeMix(doc, ids.map((id) => ({ id, name: id, stemId: id })));
  const m = new MixModel(doc);
  ids.forEach((id, k) => {
    m.setChannelParam(id, 'hpf.on', 1);
    m.setChannelParam(id, 'eq2.gain', -3);
    m.setChannelParam(id, 'comp.on', 1);
    m.setPan(id, (k / (ids.length - 1)) * 2 - 1);
    m.setChannelGain(id, -9);
    m.setChannelParam(id, 'send1.level', -18);
    m.setChannelParam(id, 'send2.level', -24);
  });
  m.setMasterParam('glue.on', 1);
  return m.getState();
}

describe('stems streamed from the blob store for renders', () => {
  let dir: string;
  let local: LocalBlobStore;
  const files = new Map<string, string>();
  const hashes = new Map<string, string>();
  beforeAll(async () => {
    await loadTone(); // node-web-audio-api's globals, as the render CLI sets them
    dir = mkdtempSync(path.join(os.tmpdir(), 'mixroom-blob-source-'));
    local = new LocalBlobStore(path.join(dir, 'blobs'));
    for (const [k, s] of STEMS.entries()) {
      const file = makeStem(dir, s, k);
      files.set(s.name, file);
      hashes.set(s.name, (await local.put(readFileSync(file))).sha256);
    }
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('renders bit-identically to the stems decoded whole (24-bit, float, AIFF, AIFF-C, mono, RF64, a shorter stem, 3 channels)', async () => {
    const ids = STEMS.map((s) => s.name);
    const whole = new Map<string, StemInput>();
    const streamed = new Map<string, StemInput>();
    for (const id of ids) {
      whole.set(id, await loadStemAudio(local, hashes.get(id)!));
      const { input, note } = await openRenderStem(local, hashes.get(id)!, SR);
      expect(input).toBeInstanceOf(BlobPcmSource);
      expect(note).toBeUndefined();
      streamed.set(id, input);
    }
    const state = session(ids);
    const a = await renderMixDetailed(null, state, whole, { sampleRate: SR });
    const b = await renderMixDetailed(null, state, streamed, { sampleRate: SR });
    expect(b.audio.length).toBe(SONG * SR);
    expect(b.notes).toEqual(a.notes);
    let peak = 0;
    for (let c = 0; c < 2; c++) {
      const x = a.audio.getChannelData(c);
      const y = b.audio.getChannelData(c);
      let differing = 0;
      for (let i = 0; i < x.length; i++) {
        if (x[i] !== y[i]) differing++;
        peak = Math.max(peak, Math.abs(x[i]));
      }
      expect(differing).toBe(0);
    }
    expect(peak).toBeGreaterThan(0.1); // the mix is not silence
    // A render from the middle of the song, across a segment boundary of the stems.
    const c = await renderMixDetailed(null, state, whole, { sampleRate: SR, startSeconds: 13.7, durationSeconds: 9 });
    const d = await renderMixDetailed(null, state, streamed, { sampleRate: SR, startSeconds: 13.7, durationSeconds: 9 });
    for (let ch = 0; ch < 2; ch++) expect(same(c.audio.getChannelData(ch), d.audio.getChannelData(ch))).toBe(true);
  });

  it('holds one read (1.4 s) per stem and reads each byte of the audio once, from only the ranges asked for', async () => {
    const id = 'drums-24';
    const store = counting(local);
    const { input } = await openRenderStem(store, hashes.get(id)!, SR);
    const source = input as BlobPcmSource;
    const headerReads = store.bytesRead; // the probe reads the file's header
    const probeRanges = store.ranges.length;
    expect(headerReads).toBeLessThanOrEqual(64 * 1024);
    await renderMixDetailed(null, session([id, 'other']), new Map([[id, source]]), { sampleRate: SR });
    const decodedBytes = SONG * SR * 2 * 4;
    expect(source.peakBytesHeld).toBeLessThanOrEqual(READ_BYTES + 64);
    expect(source.peakBytesHeld).toBeLessThan(decodedBytes / 10);
    // 24-bit stereo: 6 bytes a frame, every frame once (the render's last segment runs past the
    // song by the limiter's look-ahead, which reads nothing).
    expect(store.bytesRead - headerReads).toBe(SONG * SR * 6);
    expect(store.ranges.length - probeRanges).toBe(Math.ceil((SONG * SR) / 65_536)); // one ranged read per prepare
    source.close();
    expect(source.bytesHeld).toBeLessThanOrEqual(64);
  });

  it('reads frames it was not asked to prepare as silence and says so; zeros before and after the stem', async () => {
    const { input } = await openRenderStem(local, hashes.get('vox-short-rf64')!, SR);
    const source = input as StemSource;
    const whole = await loadStemAudio(local, hashes.get('vox-short-rf64')!);
    const out = [new Float32Array(1000), new Float32Array(1000)];
    expect(source.read(0, 1000, out)).toBe(false);
    expect(out[0].every((v) => v === 0)).toBe(true);
    await source.prepare!(-500, 1000);
    expect(source.read(-500, 1000, out)).toBe(true);
    expect(out[0].subarray(0, 500).every((v) => v === 0)).toBe(true);
    expect(same(out[1].subarray(500), whole.getChannelData(1).subarray(0, 500))).toBe(true);
    const end = whole.length;
    await source.prepare!(end - 300, 1000);
    expect(source.read(end - 300, 1000, out)).toBe(true);
    expect(same(out[0].subarray(0, 300), whole.getChannelData(0).subarray(end - 300))).toBe(true);
    expect(out[0].subarray(300).every((v) => v === 0)).toBe(true);
    expect(source.read(end - 1300, 1000, out)).toBe(false); // before what was prepared
  });

  it('keeps a whole decode for FLAC and for a stem at another rate, and says so', async () => {
    const flacFile = path.join(dir, 'lead.flac');
    execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-i', files.get('drums-24')!, '-t', '2', '-c:a', 'flac', flacFile]);
    const flac = await local.put(readFileSync(flacFile));
    const f = await openRenderStem(local, flac.sha256, SR);
    expect(f.input).not.toBeInstanceOf(BlobPcmSource);
    expect(f.note).toMatch(/FLAC, decoded whole \(\d+ MB held; only WAV\/AIFF stream from storage\)/);
    const wav44 = path.join(dir, 'at44.wav');
    execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-i', files.get('drums-24')!, '-t', '2', '-ar', '44100', '-c:a', 'pcm_s24le', wav44]);
    const w = await openRenderStem(local, (await local.put(readFileSync(wav44))).sha256, SR);
    expect(w.note).toMatch(/44100 Hz, decoded whole to be resampled/);
    expect((w.input as AudioBuffer).sampleRate).toBe(44100);
    const old = await openRenderStem(local, hashes.get('drums-24')!, SR, { whole: true });
    expect(old.input).not.toBeInstanceOf(BlobPcmSource);
  });

  describe('from an S3 bucket', () => {
    let s3: FakeS3;
    beforeAll(async () => {
      s3 = await startFakeS3();
    });
    afterAll(() => s3?.close());

    it('reads the same samples through ranged GETs', async () => {
      const store = new S3BlobStore(createS3Client(s3.settings), s3.settings, { tmpDir: path.join(dir, 's3-tmp') });
      const sha = (await store.put(readFileSync(files.get('keys-aiff24')!))).sha256;
      const { input } = await openRenderStem(store, sha, SR);
      expect(input).toBeInstanceOf(BlobPcmSource);
      const source = input as BlobPcmSource;
      const whole = await loadStemAudio(local, hashes.get('keys-aiff24')!);
      const start = 5 * SR + 17;
      const frames = 3 * SR;
      await source.prepare(start, frames);
      const out = [new Float32Array(frames), new Float32Array(frames)];
      expect(source.read(start, frames, out)).toBe(true);
      for (let c = 0; c < 2; c++) expect(same(out[c], whole.getChannelData(c).subarray(start, start + frames))).toBe(true);
    });
  });
});
