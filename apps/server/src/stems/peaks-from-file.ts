// Server-side waveform overviews, computed once per upload. PCM files (WAV/AIFF) are streamed
// through a PeaksBuilder a megabyte at a time, so a 2 GB stem costs a few MB of memory. Compressed
// files are decoded whole by node-web-audio-api, which is fine at their size (see the cap).
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { encodePeaks, PeaksBuilder, type Peaks } from '@mixroom/engine';
import { ProbeError, type ProbeResult } from './probe.js';

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
  const convert = sampleReader(pcm.bytesPerSample, pcm.float, pcm.bigEndian, probe.container);
  let carry = Buffer.alloc(0);
  const stream = createReadStream(filePath, { start: pcm.dataOffset, end: pcm.dataOffset + pcm.dataBytes - 1, highWaterMark: 1 << 20 });
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    const buf = carry.length ? Buffer.concat([carry, chunk]) : chunk;
    const usable = buf.length - (buf.length % frameBytes);
    const samples = new Float32Array(usable / pcm.bytesPerSample);
    for (let i = 0, o = 0; o < usable; i++, o += pcm.bytesPerSample) samples[i] = convert(buf, o);
    builder.pushInterleaved(samples);
    carry = Buffer.from(buf.subarray(usable));
  }
  return builder.finish();
}

type SampleReader = (b: Buffer, at: number) => number;

function sampleReader(bytes: number, float: boolean, bigEndian: boolean, container: string): SampleReader {
  if (float) {
    if (bytes === 4) return bigEndian ? (b, o) => b.readFloatBE(o) : (b, o) => b.readFloatLE(o);
    return bigEndian ? (b, o) => b.readDoubleBE(o) : (b, o) => b.readDoubleLE(o);
  }
  switch (bytes) {
    // 8-bit WAV is unsigned, 8-bit AIFF signed.
    case 1: return container === 'wav' ? (b, o) => (b[o] - 128) / 128 : (b, o) => b.readInt8(o) / 128;
    case 2: return bigEndian ? (b, o) => b.readInt16BE(o) / 32768 : (b, o) => b.readInt16LE(o) / 32768;
    case 3: return bigEndian ? (b, o) => b.readIntBE(o, 3) / 8388608 : (b, o) => ((b[o] | (b[o + 1] << 8) | (b[o + 2] << 24 >> 8)) / 8388608);
    default: return bigEndian ? (b, o) => b.readInt32BE(o) / 2147483648 : (b, o) => b.readInt32LE(o) / 2147483648;
  }
}

async function decodedPeaks(filePath: string, probe: ProbeResult): Promise<Peaks> {
  const { webAudio } = await import('@mixroom/engine/node');
  const bytes = await readFile(filePath);
  // The context's rate is the probed one, so decodeAudioData does not resample.
  const ctx = new webAudio.OfflineAudioContext(probe.channels, 1, probe.sampleRate);
  let decoded;
  try {
    decoded = await ctx.decodeAudioData(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
  } catch (err) {
    throw new ProbeError(`${probe.container.toUpperCase()}: the audio could not be decoded (${(err as Error).message}); the file is damaged`);
  }
  const channels = Array.from({ length: decoded.numberOfChannels }, (_, c) => decoded.getChannelData(c));
  if (channels.length === 0 || decoded.length === 0) throw new ProbeError(`${probe.container.toUpperCase()}: decoding produced no audio`);
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
