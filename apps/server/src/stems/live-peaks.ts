// Peaks computed while a WAV/AIFF upload streams in, so completing a 2 GB upload does not read
// the whole file back from disk. This side probes the header (the first 64 kB) on the server
// thread; the per-sample scan runs on the digest worker (upload-digests.ts), right behind the
// disk writes. Best effort: anything unexpected (a header beyond the first 64 kB, a compressed
// format, bytes arriving out of order after a restart) switches it off and the completion falls
// back to scanning the file (peaks-from-file.ts). The final probe of the file stays
// authoritative; these peaks are only used when it agrees on where the audio is.
import { encodePeaks, PeaksBuilder } from '@mixroom/engine';
import { probeAudio, type ProbeResult } from './probe.js';
import type { DigestResult, ExtremesSink, PcmScanFormat } from './upload-digests.js';

const HEAD_BYTES = 64 * 1024;

export class LivePcmPeaks {
  private head: Buffer[] = [];
  private headBytes = 0;
  private pos = 0;
  private probe: ProbeResult | null = null;
  /** Known once the header was probed (null: not streamable PCM). */
  format: PcmScanFormat | null = null;
  disabled = false;
  /** Fed bucket by bucket from the worker's scan (2 bytes per bucket: ~11 MB for a 1 GB 24-bit stereo file). */
  private builder: PeaksBuilder | null = null;

  /** Where the worker's extremes go. */
  readonly sink: ExtremesSink = (lo, hi, count, lastFrames) => {
    if (this.disabled || !this.builder || !this.format) return;
    const full = this.format.bucketBytes / this.format.frameBytes;
    try {
      for (let i = 0; i < count; i++) this.builder.pushBucket(lo[i], hi[i], i === count - 1 ? lastFrames : full);
    } catch {
      this.disabled = true; // out of order: the completion scans the file instead
    }
  };

  constructor(private readonly totalSize: number) {}

  /** True once the header is probed (or given up on): later chunks need not be pushed. */
  get settled(): boolean {
    return this.disabled || this.format !== null;
  }

  /**
   * The next bytes of the file, in order, until `settled`. Returns a promise (resolving to the
   * format, or null) when this chunk completes the header.
   */
  push(chunk: Buffer): Promise<PcmScanFormat | null> | undefined {
    if (this.settled) return;
    this.pos += chunk.length;
    this.head.push(chunk);
    this.headBytes += chunk.length;
    if (this.headBytes < HEAD_BYTES && this.pos < this.totalSize) return;
    return this.start();
  }

  private async start(): Promise<PcmScanFormat | null> {
    const head = Buffer.concat(this.head);
    this.head = [];
    try {
      const probe = await probeAudio(async (offset, length) => head.subarray(offset, offset + length), this.totalSize);
      if (!probe.pcm) throw new Error('not PCM');
      this.probe = probe;
      this.builder = new PeaksBuilder(probe.sampleRate, probe.channels);
      const finest = this.builder.finest;
      const frameBytes = probe.pcm.bytesPerSample * probe.channels;
      this.format = {
        bytesPerSample: probe.pcm.bytesPerSample, float: probe.pcm.float, bigEndian: probe.pcm.bigEndian, container: probe.container,
        dataStart: probe.pcm.dataOffset, dataEnd: probe.pcm.dataOffset + probe.pcm.dataBytes, frameBytes, bucketBytes: frameBytes * finest,
      };
      return this.format;
    } catch {
      // Not streamable here (or not audio at all): the completion decides, from the file.
      this.disabled = true;
      return null;
    }
  }

  /**
   * Encoded peaks from the worker's extremes, if the scan covered all the audio and the final
   * `probe` locates it where the header probe did; otherwise null (the completion scans the file).
   */
  finish(probe: ProbeResult, digest: DigestResult): Uint8Array | null {
    const a = this.probe;
    const f = this.format;
    if (this.disabled || !a?.pcm || !f || !this.builder || digest.scannedTo !== f.dataEnd) return null;
    if (!probe.pcm || probe.pcm.dataOffset !== a.pcm.dataOffset || probe.pcm.dataBytes !== a.pcm.dataBytes || probe.channels !== a.channels || probe.sampleRate !== a.sampleRate) return null;
    this.disabled = true; // finish once
    return encodePeaks(this.builder.finish());
  }
}
