// Codec preview: the master as platforms will play it. The decoded version is encoded and decoded
// again in this browser — MP3 by LAME compiled to WebAssembly (wasm-media-encoders, the encoder the
// server delivers with), Opus through WebCodecs (AudioEncoder/AudioDecoder, where the browser has
// them) — then aligned with the original (the codec's delay found by cross-correlation) so it can
// be switched against it sample for sample, with "what the codec removes" (the difference) and the
// decoded true peak against the delivery ceiling.
import { checkCodecRoundTrip, type CodecCheck } from '@mixroom/engine';

export type PreviewCodec = 'mp3-128' | 'mp3-320' | 'opus-128';
export const PREVIEW_CODECS: Record<PreviewCodec, { label: string; kbps: 128 | 320 }> = {
  'mp3-128': { label: 'MP3 128', kbps: 128 },
  'mp3-320': { label: 'MP3 320', kbps: 320 },
  'opus-128': { label: 'Opus 128', kbps: 128 },
};

const yieldToPage = () => new Promise<void>((resolve) => setTimeout(resolve, 0));
const channelsOf = (b: AudioBuffer) => Array.from({ length: Math.min(2, b.numberOfChannels) }, (_, c) => b.getChannelData(c));

/** Whether this browser can encode and decode Opus at `sampleRate` (WebCodecs). */
export async function opusAvailable(sampleRate: number, channels: number): Promise<boolean> {
  if (typeof AudioEncoder === 'undefined' || typeof AudioDecoder === 'undefined') return false;
  try {
    const config = { codec: 'opus', sampleRate, numberOfChannels: Math.min(2, channels) };
    return !!(await AudioEncoder.isConfigSupported({ ...config, bitrate: 128_000 })).supported && !!(await AudioDecoder.isConfigSupported(config)).supported;
  } catch {
    return false;
  }
}

async function mp3RoundTrip(ctx: BaseAudioContext, source: AudioBuffer, kbps: 128 | 320, onProgress: (f: number) => void): Promise<Float32Array[]> {
  const { createMp3Encoder } = await import('wasm-media-encoders');
  const encoder = await createMp3Encoder();
  const channels = channelsOf(source);
  encoder.configure({ sampleRate: source.sampleRate, channels: channels.length as 1 | 2, bitrate: kbps });
  const parts: Uint8Array[] = [];
  const block = 1152 * 64;
  for (let i = 0; i < source.length; i += block) {
    // The encoder reuses its output buffer: copy before the next call.
    parts.push(encoder.encode(channels.map((c) => c.subarray(i, i + block))).slice());
    onProgress(i / source.length);
    await yieldToPage();
  }
  parts.push(encoder.finalize().slice());
  const bytes = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    bytes.set(p, o);
    o += p.length;
  }
  const decoded = await ctx.decodeAudioData(bytes.buffer);
  return channelsOf(decoded);
}

async function opusRoundTrip(source: AudioBuffer, kbps: number, onProgress: (f: number) => void): Promise<Float32Array[]> {
  const channels = channelsOf(source);
  const n = channels.length;
  const sr = source.sampleRate;
  const chunks: EncodedAudioChunk[] = [];
  let decoderConfig: AudioDecoderConfig | undefined;
  let failure: unknown = null;
  const encoder = new AudioEncoder({
    output: (chunk, meta) => {
      chunks.push(chunk);
      if (meta?.decoderConfig) decoderConfig = meta.decoderConfig;
    },
    error: (e) => (failure = e),
  });
  encoder.configure({ codec: 'opus', sampleRate: sr, numberOfChannels: n, bitrate: kbps * 1000 });
  const frames = Math.round(sr / 10);
  for (let i = 0; i < source.length; i += frames) {
    const len = Math.min(frames, source.length - i);
    const data = new Float32Array(len * n);
    channels.forEach((c, k) => data.set(c.subarray(i, i + len), k * len));
    const audio = new AudioData({ format: 'f32-planar', sampleRate: sr, numberOfFrames: len, numberOfChannels: n, timestamp: Math.round((i / sr) * 1e6), data });
    encoder.encode(audio);
    audio.close();
    if (i % (frames * 50) === 0) {
      onProgress(0.8 * (i / source.length));
      await yieldToPage();
    }
  }
  await encoder.flush();
  encoder.close();
  if (failure) throw failure;
  // Room for the codec's delay and padding beyond the original's length.
  const out = channels.map(() => new Float32Array(source.length + sr));
  let at = 0;
  const decoder = new AudioDecoder({
    output: (audio) => {
      const len = Math.min(audio.numberOfFrames, out[0].length - at);
      for (let c = 0; c < n; c++) {
        const plane = new Float32Array(audio.numberOfFrames);
        audio.copyTo(plane, { planeIndex: Math.min(c, audio.numberOfChannels - 1), format: 'f32-planar' });
        out[c].set(plane.subarray(0, len), at);
      }
      at += len;
      audio.close();
    },
    error: (e) => (failure = e),
  });
  decoder.configure(decoderConfig ?? { codec: 'opus', sampleRate: sr, numberOfChannels: n });
  for (const chunk of chunks) decoder.decode(chunk);
  await decoder.flush();
  decoder.close();
  if (failure) throw failure;
  onProgress(1);
  return out.map((c) => c.subarray(0, at));
}

export interface CodecPreview {
  codec: PreviewCodec;
  /** The decoded codec output, aligned with the original. */
  decoded: AudioBuffer;
  /** decoded − original. */
  difference: AudioBuffer;
  check: Omit<CodecCheck, 'aligned' | 'difference'>;
  ceilingDbtp: number;
}

const toBuffer = (ctx: BaseAudioContext, channels: Float32Array[], sampleRate: number) => {
  const b = ctx.createBuffer(channels.length, channels[0].length, sampleRate);
  channels.forEach((c, i) => b.copyToChannel(c as Float32Array<ArrayBuffer>, i));
  return b;
};

/** Encodes `source` with `codec`, decodes it, aligns it with `source` and measures it against `ceilingDbtp`. */
export async function makeCodecPreview(ctx: BaseAudioContext, source: AudioBuffer, codec: PreviewCodec, ceilingDbtp: number, onProgress: (f: number) => void = () => {}): Promise<CodecPreview> {
  const { kbps } = PREVIEW_CODECS[codec];
  const decoded = codec === 'opus-128' ? await opusRoundTrip(source, kbps, onProgress) : await mp3RoundTrip(ctx, source, kbps, onProgress);
  const original = channelsOf(source);
  const { aligned, difference, ...check } = checkCodecRoundTrip(original, decoded.length >= original.length ? decoded : [decoded[0], decoded[0]], source.sampleRate, ceilingDbtp);
  return { codec, decoded: toBuffer(ctx, aligned, source.sampleRate), difference: toBuffer(ctx, difference, source.sampleRate), check, ceilingDbtp };
}
