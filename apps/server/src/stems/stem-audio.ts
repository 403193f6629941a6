// Stems as AudioBuffers for server-side renders (`npm run render`), read from the blob store.
// PCM files (WAV/AIFF, any depth, either byte order) stream straight into the AudioBuffer's
// channels a megabyte at a time, so a render holds each stem once, decoded, and never its file;
// compressed files are decoded whole by node-web-audio-api, as for their peaks.
import type { Readable } from 'node:stream';
import type { BlobStore } from '../blob/blob-store.js';
import { probeAudio, ProbeError, type ProbeResult } from './probe.js';

/** Bytes of interleaved PCM converted per step. */
const PIECE_BYTES = 1 << 20;

/** A sample at byte `o` of `b` as a −1..1 float, for one PCM layout. */
export function sampleReader(bytes: number, float: boolean, bigEndian: boolean, container: string): (b: Buffer, o: number) => number {
  if (float) {
    if (bytes === 4) return bigEndian ? (b, o) => b.readFloatBE(o) : (b, o) => b.readFloatLE(o);
    return bigEndian ? (b, o) => b.readDoubleBE(o) : (b, o) => b.readDoubleLE(o);
  }
  switch (bytes) {
    // 8-bit WAV is unsigned, 8-bit AIFF signed.
    case 1: return container === 'wav' ? (b, o) => (b[o] - 128) / 128 : (b, o) => b.readInt8(o) / 128;
    case 2: return bigEndian ? (b, o) => b.readInt16BE(o) / 32768 : (b, o) => b.readInt16LE(o) / 32768;
    case 3: return bigEndian ? (b, o) => b.readIntBE(o, 3) / 8388608 : (b, o) => b.readIntLE(o, 3) / 8388608;
    default: return bigEndian ? (b, o) => b.readInt32BE(o) / 2147483648 : (b, o) => b.readInt32LE(o) / 2147483648;
  }
}

export async function readRange(blobs: BlobStore, sha256: string, start: number, length: number): Promise<Uint8Array> {
  if (length <= 0) return new Uint8Array(0);
  const chunks: Buffer[] = [];
  for await (const c of (await blobs.createReadStream(sha256, { start, end: start + length - 1 })) as Readable) chunks.push(Buffer.from(c as Uint8Array));
  return new Uint8Array(Buffer.concat(chunks));
}

/** The stem's audio at its own rate. Needs node-web-audio-api's globals (loadTone() sets them). */
export async function loadStemAudio(blobs: BlobStore, sha256: string): Promise<AudioBuffer> {
  const info = await blobs.stat(sha256);
  if (!info) throw new ProbeError(`the stem's file (${sha256.slice(0, 12)}…) is missing from storage`);
  const probe = await probeAudio((offset, length) => readRange(blobs, sha256, offset, Math.min(length, info.size - offset)), info.size);
  if (probe.pcm) return streamPcm(blobs, sha256, probe);
  if (probe.codec === 'opus') throw new ProbeError('Ogg Opus stems cannot be decoded on the server (browsers play them)');
  return decodeCompressed(await readRange(blobs, sha256, 0, info.size), probe);
}

/**
 * A whole FLAC/MP3/Vorbis file decoded by node-web-audio-api, at the file's own rate so decoding
 * does not resample (a render resamples once, later).
 */
export async function decodeCompressed(bytes: Uint8Array, probe: ProbeResult): Promise<AudioBuffer> {
  const { webAudio } = await import('@mixroom/engine/node');
  const ctx = new webAudio.OfflineAudioContext(probe.channels, 1, probe.sampleRate);
  let decoded: AudioBuffer;
  try {
    decoded = (await ctx.decodeAudioData(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer)) as unknown as AudioBuffer;
  } catch (err) {
    throw new ProbeError(`${probe.container.toUpperCase()}: the audio could not be decoded (${(err as Error).message}); the file is damaged`);
  }
  if (decoded.numberOfChannels === 0 || decoded.length === 0) throw new ProbeError(`${probe.container.toUpperCase()}: decoding produced no audio`);
  return decoded;
}

async function streamPcm(blobs: BlobStore, sha256: string, probe: ProbeResult): Promise<AudioBuffer> {
  const pcm = probe.pcm!;
  const channels = probe.channels;
  const frameBytes = pcm.bytesPerSample * channels;
  const frames = Math.floor(pcm.dataBytes / frameBytes);
  if (frames === 0) throw new ProbeError(`${probe.container.toUpperCase()}: the file holds no audio frames`);
  const buffer = new AudioBuffer({ length: frames, numberOfChannels: channels, sampleRate: probe.sampleRate });
  const outs = Array.from({ length: channels }, (_, c) => buffer.getChannelData(c));
  const read = sampleReader(pcm.bytesPerSample, pcm.float, pcm.bigEndian, probe.container);
  const stream = (await blobs.createReadStream(sha256, { start: pcm.dataOffset, end: pcm.dataOffset + frames * frameBytes - 1 })) as Readable;
  // Chunks split frames anywhere; `carry` holds the partial frame between them.
  const piece = Buffer.allocUnsafe(PIECE_BYTES - (PIECE_BYTES % frameBytes) + frameBytes);
  let filled = 0;
  let frame = 0;
  const drain = (usable: number) => {
    for (let o = 0; o < usable; o += frameBytes, frame++) {
      for (let c = 0; c < channels; c++) outs[c][frame] = read(piece, o + c * pcm.bytesPerSample);
    }
  };
  for await (const raw of stream) {
    let chunk = raw as Buffer;
    while (chunk.length > 0) {
      const take = Math.min(chunk.length, piece.length - filled);
      chunk.copy(piece, filled, 0, take);
      filled += take;
      chunk = chunk.subarray(take);
      if (filled >= piece.length - frameBytes) {
        const usable = filled - (filled % frameBytes);
        drain(usable);
        piece.copy(piece, 0, usable, filled);
        filled -= usable;
      }
    }
  }
  drain(filled - (filled % frameBytes));
  if (frame !== frames) throw new ProbeError(`${probe.container.toUpperCase()}: the audio data ended after ${frame} of ${frames} frames`);
  return buffer;
}
