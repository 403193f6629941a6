// Stems for server renders, read from the blob store segment by segment instead of decoded whole:
// a 5-minute stereo stem is 115 MB as float, 48 of them 5.5 GB; a render only ever needs the
// segment it is mixing.
import type { Readable } from 'node:stream';
import { AudioBufferSource, pcmToFloat, type PcmLayout, type StemInput, type StemSource } from '@mixroom/engine';
import type { BlobStore } from '../blob/blob-store.js';
import { probeAudio, ProbeError, type ProbeResult } from './probe.js';
import { decodeCompressed, loadStemAudio, readRange } from './stem-audio.js';

/**
 * An uncompressed WAV/AIFF stem in the blob store (local disk or S3): `prepare` fetches only the
 * byte range of the asked frames (one ranged read) and converts it as the bytes arrive, into float
 * arrays reused from segment to segment. It holds one segment (as float) per stem plus one frame
 * of carry, whatever the stem's length. Only the first two channels are read (renders mix stems
 * as mono or stereo).
 */
export class BlobPcmSource implements StemSource {
  readonly sampleRate: number;
  readonly numberOfChannels: number;
  readonly length: number;
  private readonly layout: PcmLayout;
  private readonly frameBytes: number;
  private held: Float32Array[] = [];
  private heldStart = 0;
  private heldFrames = 0;
  private readonly carry: Uint8Array;
  /** Most bytes this source held at once (float segment + carry), for tests and benchmarks. */
  peakBytesHeld = 0;

  constructor(
    private readonly blobs: BlobStore,
    private readonly sha256: string,
    probe: ProbeResult,
  ) {
    const pcm = probe.pcm;
    if (!pcm) throw new Error(`BlobPcmSource needs an uncompressed stem (got ${probe.codec})`);
    this.frameBytes = pcm.bytesPerSample * probe.channels;
    this.length = Math.floor(pcm.dataBytes / this.frameBytes);
    this.sampleRate = probe.sampleRate;
    this.numberOfChannels = Math.min(2, probe.channels);
    this.layout = {
      sampleRate: probe.sampleRate,
      channels: probe.channels,
      bytesPerSample: pcm.bytesPerSample,
      float: pcm.float,
      bigEndian: pcm.bigEndian,
      // 8-bit WAV is unsigned, 8-bit AIFF signed (as loadStemAudio reads them).
      unsigned8: probe.container === 'wav' && pcm.bytesPerSample === 1,
      dataOffset: pcm.dataOffset,
      frames: this.length,
    };
    this.carry = new Uint8Array(this.frameBytes);
  }

  /** Bytes held right now. */
  get bytesHeld(): number {
    return this.held.reduce((n, c) => n + c.byteLength, 0) + this.carry.byteLength;
  }

  async prepare(start: number, frames: number): Promise<void> {
    const from = Math.max(0, start);
    const to = Math.min(this.length, start + frames);
    this.heldStart = from;
    this.heldFrames = 0;
    if (to <= from) return;
    const want = to - from;
    if (this.held.length === 0 || this.held[0].length < want) {
      // Sized once, for the first (full) segment; later segments reuse the arrays.
      this.held = Array.from({ length: this.numberOfChannels }, () => new Float32Array(want));
      this.peakBytesHeld = Math.max(this.peakBytesHeld, this.bytesHeld);
    }
    const { dataOffset } = this.layout;
    const stream = (await this.blobs.createReadStream(this.sha256, {
      start: dataOffset + from * this.frameBytes,
      end: dataOffset + to * this.frameBytes - 1,
    })) as Readable;
    // Chunks split frames anywhere: a partial frame waits in `carry` for the next chunk.
    let carried = 0;
    let frame = 0;
    for await (const raw of stream) {
      let chunk = raw as Uint8Array;
      if (carried > 0) {
        const take = Math.min(this.frameBytes - carried, chunk.length);
        this.carry.set(chunk.subarray(0, take), carried);
        carried += take;
        chunk = chunk.subarray(take);
        if (carried < this.frameBytes) continue;
        frame = this.convert(this.carry, 1, frame, want);
        carried = 0;
      }
      const whole = Math.floor(chunk.length / this.frameBytes);
      frame = this.convert(chunk, whole, frame, want);
      const rest = chunk.length - whole * this.frameBytes;
      if (rest > 0) {
        this.carry.set(chunk.subarray(chunk.length - rest));
        carried = rest;
      }
    }
    if (frame !== want) throw new ProbeError(`the stem's audio ended after ${from + frame} of ${this.length} frames (file damaged in storage?)`);
    this.heldFrames = want;
  }

  private convert(bytes: Uint8Array, frames: number, at: number, want: number): number {
    const n = Math.min(frames, want - at);
    if (n > 0) pcmToFloat(bytes, this.layout, n, this.held, at);
    return at + Math.max(0, n);
  }

  read(start: number, frames: number, out: Float32Array[]): boolean {
    const lo = Math.max(start, this.heldStart);
    const hi = Math.min(start + frames, this.heldStart + this.heldFrames);
    for (let c = 0; c < out.length; c++) {
      const dst = out[c];
      if (hi <= lo || this.held.length === 0) {
        dst.fill(0, 0, frames);
        continue;
      }
      const src = this.held[Math.min(c, this.held.length - 1)];
      dst.fill(0, 0, lo - start);
      dst.set(src.subarray(lo - this.heldStart, hi - this.heldStart), lo - start);
      dst.fill(0, hi - start, frames);
    }
    // Complete when every frame asked for that the stem has was prepared.
    const a = Math.max(0, start);
    const b = Math.min(this.length, start + frames);
    return b <= a || (a >= this.heldStart && b <= this.heldStart + this.heldFrames);
  }

  close(): void {
    this.held = [];
    this.heldFrames = 0;
  }
}

export interface RenderStem {
  input: StemInput;
  /** Why this stem is held whole rather than streamed, for the render's notes. */
  note?: string;
}

/**
 * A stored stem for a render at `sampleRate`. Uncompressed WAV/AIFF at that rate streams from
 * storage (BlobPcmSource). FLAC/MP3/Vorbis are decoded whole (no streaming decoder on the server
 * yet), and so is a stem at another rate: the engine resamples whole buffers only (a streaming
 * resampler would lift that). `whole` forces the old path (every stem decoded whole), for
 * comparisons.
 */
export async function openRenderStem(blobs: BlobStore, sha256: string, sampleRate: number, o: { whole?: boolean } = {}): Promise<RenderStem> {
  if (o.whole) return { input: await loadStemAudio(blobs, sha256) };
  const info = await blobs.stat(sha256);
  if (!info) throw new ProbeError(`the stem's file (${sha256.slice(0, 12)}…) is missing from storage`);
  const probe = await probeAudio((offset, length) => readRange(blobs, sha256, offset, Math.min(length, info.size - offset)), info.size);
  if (probe.pcm && probe.sampleRate === sampleRate) return { input: new BlobPcmSource(blobs, sha256, probe) };
  const mb = (a: AudioBuffer) => Math.round((a.length * a.numberOfChannels * 4) / 2 ** 20);
  if (probe.pcm) {
    const audio = await loadStemAudio(blobs, sha256);
    return { input: audio, note: `${probe.sampleRate} Hz, decoded whole to be resampled (${mb(audio)} MB held)` };
  }
  if (probe.codec === 'opus') throw new ProbeError('Ogg Opus stems cannot be decoded on the server (browsers play them)');
  const audio = await decodeCompressed(await readRange(blobs, sha256, 0, info.size), probe);
  const what = `${probe.container.toUpperCase()}, decoded whole (${mb(audio)} MB held; only WAV/AIFF stream from storage)`;
  // At another rate the engine resamples it; at the render's rate it is read in place.
  return { input: audio.sampleRate === sampleRate ? new AudioBufferSource(audio) : audio, note: what };
}
