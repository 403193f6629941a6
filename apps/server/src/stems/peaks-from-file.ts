// Server-side waveform overviews, computed once per upload. PCM files (WAV/AIFF) are streamed
// through a PeaksBuilder a megabyte at a time, so a 2 GB stem costs a few MB of memory. Compressed
// files are decoded whole by node-web-audio-api, which is fine at their size (see the cap).
import { open, readFile } from 'node:fs/promises';
import { encodePeaks, PeaksBuilder, type Peaks } from '@mixroom/engine';
import type { ProbeResult } from './probe.js';
import { decodeCompressed } from './stem-audio.js';

/** Above this a compressed file is not decoded on the server (the browser still draws it). */
const MAX_COMPRESSED_DECODE_BYTES = 256 * 1024 * 1024;

/** Encoded peaks, or null when the server cannot decode this codec (Opus: the browser can). */
export async function peaksFromFile(filePath: string, probe: ProbeResult, size: number): Promise<Uint8Array | null> {
  if (probe.pcm) return encodePeaks(await pcmPeaks(filePath, probe));
  if (probe.codec === 'opus' || size > MAX_COMPRESSED_DECODE_BYTES) return null;
  return encodePeaks(await decodedPeaks(filePath, probe));
}

async function pcmPeaks(filePath: string, probe: ProbeResult): Promise<Peaks> {
  const pcm = probe.pcm!;
  const builder = new PeaksBuilder(probe.sampleRate, probe.channels);
  const frameBytes = pcm.bytesPerSample * probe.channels;
  const bucketBytes = frameBytes * builder.finest;
  // One reused buffer of whole buckets: no per-chunk allocation, so memory stays flat for 2 GB files.
  const buf = Buffer.allocUnsafeSlow(bucketBytes * Math.max(1, Math.floor((1 << 20) / bucketBytes)));
  const extremes = extremesReader(pcm.bytesPerSample, pcm.float, pcm.bigEndian, probe.container);
  const handle = await open(filePath, 'r');
  try {
    for (let pos = 0; pos < pcm.dataBytes; ) {
      const want = Math.min(buf.length, pcm.dataBytes - pos);
      const { bytesRead } = await handle.read(buf, 0, want, pcm.dataOffset + pos);
      if (bytesRead === 0) throw new Error(`audio data ended early at byte ${pcm.dataOffset + pos}`);
      const usable = bytesRead - (bytesRead % frameBytes);
      for (let at = 0; at < usable; at += bucketBytes) {
        const end = Math.min(usable, at + bucketBytes);
        const [lo, hi] = extremes(buf, at, end);
        builder.pushBucket(lo, hi, (end - at) / frameBytes);
      }
      pos += usable;
      if (usable < bytesRead && bytesRead < want) break;
    }
  } finally {
    await handle.close();
  }
  return builder.finish();
}

const pair: [number, number] = [0, 0];

/** Min and max sample (as −1..1 floats) of buf[start, end), with the conversion inlined per format. */
export function extremesReader(bytes: number, float: boolean, bigEndian: boolean, container: string): (b: Buffer, start: number, end: number) => [number, number] {
  const scan = (read: (b: Buffer, o: number) => number, scale: number) => (b: Buffer, start: number, end: number) => {
    let lo = Infinity;
    let hi = -Infinity;
    for (let o = start; o < end; o += bytes) {
      const v = read(b, o);
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    pair[0] = lo / scale;
    pair[1] = hi / scale;
    return pair;
  };
  if (bytes === 3 && !bigEndian) {
    // The common studio format (24-bit WAV) gets a hand-written loop.
    return (b, start, end) => {
      let lo = 8388607;
      let hi = -8388608;
      for (let o = start; o < end; o += 3) {
        const v = (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16)) << 8 >> 8;
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      pair[0] = lo / 8388608;
      pair[1] = hi / 8388608;
      return pair;
    };
  }
  if (float) {
    if (bytes === 4) return scan(bigEndian ? (b, o) => b.readFloatBE(o) : (b, o) => b.readFloatLE(o), 1);
    return scan(bigEndian ? (b, o) => b.readDoubleBE(o) : (b, o) => b.readDoubleLE(o), 1);
  }
  switch (bytes) {
    // 8-bit WAV is unsigned, 8-bit AIFF signed.
    case 1: return container === 'wav' ? scan((b, o) => b[o] - 128, 128) : scan((b, o) => b.readInt8(o), 128);
    case 2: return scan(bigEndian ? (b, o) => b.readInt16BE(o) : (b, o) => b.readInt16LE(o), 32768);
    case 3: return scan((b, o) => b.readIntBE(o, 3), 8388608);
    default: return scan(bigEndian ? (b, o) => b.readInt32BE(o) : (b, o) => b.readInt32LE(o), 2147483648);
  }
}

async function decodedPeaks(filePath: string, probe: ProbeResult): Promise<Peaks> {
  const decoded = await decodeCompressed(await readFile(filePath), probe);
  const channels = Array.from({ length: decoded.numberOfChannels }, (_, c) => decoded.getChannelData(c));
  const builder = new PeaksBuilder(decoded.sampleRate, channels.length);
  const block = 65_536;
  for (let start = 0; start < decoded.length; start += block) {
    const n = Math.min(block, decoded.length - start);
    const inter = new Float32Array(n * channels.length);
    for (let i = 0; i < n; i++) for (let c = 0; c < channels.length; c++) inter[i * channels.length + c] = channels[c][start + i];
    builder.pushInterleaved(inter);
  }
  return builder.finish();
}
