// Peaks computed while a WAV/AIFF upload streams in, so completing a 2 GB upload does not read
// the whole file back from disk. Best effort: anything unexpected (a header beyond the first
// 64 kB, a compressed format, bytes arriving out of order after a restart) switches it off and
// the completion falls back to scanning the file (peaks-from-file.ts). The final probe of the
// file stays authoritative; these peaks are only used when it agrees on where the audio is.
import { encodePeaks, PeaksBuilder } from '@mixroom/engine';
import { extremesReader } from './peaks-from-file.js';
import { probeAudio, type ProbeResult } from './probe.js';

const HEAD_BYTES = 64 * 1024;

interface Scanner {
  builder: PeaksBuilder;
  extremes: ReturnType<typeof extremesReader>;
  frameBytes: number;
  bucketBytes: number;
  carry: Buffer;
  carryLen: number;
  dataStart: number;
  dataEnd: number;
}

export class LivePcmPeaks {
  private head: Buffer[] = [];
  private headBytes = 0;
  private pos = 0;
  private scanner: Scanner | null = null;
  private probe: ProbeResult | null = null;
  disabled = false;

  constructor(private readonly totalSize: number) {}

  /** The next bytes of the file, in order. Returns a promise only while the header is probed. */
  push(chunk: Buffer): Promise<void> | undefined {
    if (this.disabled) return;
    const at = this.pos;
    this.pos += chunk.length;
    if (this.scanner) return void this.feed(chunk, at);
    this.head.push(chunk);
    this.headBytes += chunk.length;
    if (this.headBytes < HEAD_BYTES && this.pos < this.totalSize) return;
    return this.start();
  }

  private async start(): Promise<void> {
    const head = Buffer.concat(this.head);
    this.head = [];
    try {
      const probe = await probeAudio(async (offset, length) => head.subarray(offset, offset + length), this.totalSize);
      if (!probe.pcm) throw new Error('not PCM');
      this.probe = probe;
      const builder = new PeaksBuilder(probe.sampleRate, probe.channels);
      const frameBytes = probe.pcm.bytesPerSample * probe.channels;
      this.scanner = {
        builder, frameBytes, bucketBytes: frameBytes * builder.finest,
        extremes: extremesReader(probe.pcm.bytesPerSample, probe.pcm.float, probe.pcm.bigEndian, probe.container),
        carry: Buffer.alloc(frameBytes * builder.finest), carryLen: 0,
        dataStart: probe.pcm.dataOffset, dataEnd: probe.pcm.dataOffset + probe.pcm.dataBytes,
      };
      this.feed(head, 0);
    } catch {
      // Not streamable here (or not audio at all): the completion decides, from the file.
      this.disabled = true;
    }
  }

  private feed(chunk: Buffer, at: number): void {
    const s = this.scanner!;
    const from = Math.max(at, s.dataStart);
    const to = Math.min(at + chunk.length, s.dataEnd);
    if (to <= from) return;
    let bytes = chunk.subarray(from - at, to - at);
    if (s.carryLen > 0) {
      const take = Math.min(s.bucketBytes - s.carryLen, bytes.length);
      bytes.copy(s.carry, s.carryLen, 0, take);
      s.carryLen += take;
      bytes = bytes.subarray(take);
      if (s.carryLen < s.bucketBytes) return;
      this.bucket(s.carry, 0, s.bucketBytes);
      s.carryLen = 0;
    }
    const whole = bytes.length - (bytes.length % s.bucketBytes);
    for (let o = 0; o < whole; o += s.bucketBytes) this.bucket(bytes, o, o + s.bucketBytes);
    bytes.copy(s.carry, 0, whole);
    s.carryLen = bytes.length - whole;
  }

  private bucket(b: Buffer, start: number, end: number): void {
    const s = this.scanner!;
    const [lo, hi] = s.extremes(b, start, end);
    s.builder.pushBucket(lo, hi, (end - start) / s.frameBytes);
  }

  /** Encoded peaks if every audio byte went through and `probe` locates the audio where we did. */
  finish(probe: ProbeResult): Uint8Array | null {
    const s = this.scanner;
    if (this.disabled || !s || !this.probe?.pcm || this.pos !== this.totalSize) return null;
    const a = this.probe;
    if (!probe.pcm || probe.pcm.dataOffset !== a.pcm!.dataOffset || probe.pcm.dataBytes !== a.pcm!.dataBytes || probe.channels !== a.channels || probe.sampleRate !== a.sampleRate) return null;
    if (s.carryLen > 0) this.bucket(s.carry, 0, s.carryLen);
    s.carryLen = 0;
    this.disabled = true; // finish once
    return encodePeaks(s.builder.finish());
  }
}
