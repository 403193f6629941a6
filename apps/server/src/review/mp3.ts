// 320 kbps MP3 of a master, for delivery beside the WAV and the FLAC. The encoder (LAME in
// WebAssembly, review/mp3-worker.mjs) runs in a worker thread: a song takes seconds of CPU,
// which on the server's thread would stall every other request and socket meanwhile.
//
// A lossy encode adds its own error to the waveform, so a master that just meets its true-peak
// ceiling usually exceeds it once decoded (a −1 dBTP master came back at −0.8). `deliverMp3`
// therefore decodes what it made and measures the decoded true peak with the engine's meter; if
// it is over the ceiling, it encodes again with the input turned down by the overshoot, and says
// by how much. To spare a second full encode, the loudest moments are encoded first on their own
// and their overshoot decides the gain of the full encode.
import { Worker } from 'node:worker_threads';
import { defaultOversampling, designInterpolator, TruePeakDetector, type DecodedWav } from '@mixroom/engine';
import { HttpError } from '../http/respond.js';

export const MP3_KBPS = 320;
const WORKER_URL = new URL('./mp3-worker.mjs', import.meta.url);
/** Rates the worker can deliver: MPEG-1 Layer III's own, or 2×/4× of them (decimated in the worker). */
const SUPPORTED_RATES = new Set([32000, 44100, 48000, 88200, 96000, 176400, 192000]);
/** Safety below the ceiling when a gain has to be chosen, so rounding in the next encode does not tip it over. */
const MARGIN_DB = 0.05;
/**
 * Decoders and true-peak meters differ by a few thousandths of a dB (ffmpeg's read 0.007 dB above
 * ours on one file), so a file passes only this far under the ceiling.
 */
const GUARD_DB = 0.02;
const MAX_PASSES = 4;

type Pcm = Pick<DecodedWav, 'sampleRate' | 'channels'>;

/** Throws a 422 for masters an MP3 cannot carry as they are (so the route answers before any work). */
export function assertMp3Encodable(wav: Pick<DecodedWav, 'sampleRate' | 'channels'>): void {
  if (!SUPPORTED_RATES.has(wav.sampleRate)) {
    throw new HttpError(422, 'unsupported_audio', `MP3 delivery needs a master at 44.1 or 48 kHz (or a multiple); this one is ${wav.sampleRate} Hz`);
  }
  if (wav.channels.length < 1 || wav.channels.length > 2) {
    throw new HttpError(422, 'unsupported_audio', `MP3 delivery takes mono or stereo masters; this one has ${wav.channels.length} channels`);
  }
}

/** The rate the MP3 of a master at `rate` carries (hi-res masters are decimated to 44.1/48 kHz). */
export const mp3RateFor = (rate: number) => (rate > 96000 ? rate / 4 : rate > 48000 ? rate / 2 : rate);

export interface EncodeOptions {
  kbps?: number;
  /** Applied to the input before encoding, dB (≤ 0 to turn down). */
  gainDb?: number;
  /** Fraction of the input encoded so far, 0…1. */
  onProgress?: (fraction: number) => void;
}

/**
 * Encodes `wav` and yields the MP3 bytes as the worker produces them, so they can be streamed
 * into the blob store. Channels backed by a SharedArrayBuffer are shared with the worker (no
 * copy); others are transferred to it and unusable afterwards.
 */
export async function* encodeMp3(wav: Pcm, options: EncodeOptions | number = {}): AsyncGenerator<Uint8Array> {
  const { kbps = MP3_KBPS, gainDb = 0, onProgress } = typeof options === 'number' ? { kbps: options } : options;
  assertMp3Encodable(wav);
  const transfer = [...new Set(wav.channels.map((c) => c.buffer))].filter((b): b is ArrayBuffer => b instanceof ArrayBuffer);
  const worker = new Worker(WORKER_URL, {
    workerData: { channels: wav.channels, sampleRate: wav.sampleRate, kbps, gain: 10 ** (gainDb / 20) },
    transferList: transfer,
  });
  // The server's sockets keep the process alive; an encode alone must not hold up its exit.
  worker.unref();
  const queue: Uint8Array[] = [];
  let finished = false;
  let failure: Error | null = null;
  let wake: (() => void) | null = null;
  const poke = () => {
    wake?.();
    wake = null;
  };
  worker.on('message', (m: { chunk?: Uint8Array; progress?: number; done?: boolean; error?: string }) => {
    if (m.chunk) queue.push(m.chunk);
    if (m.progress !== undefined) onProgress?.(m.progress);
    if (m.done) finished = true;
    if (m.error) failure = new Error(`MP3 encoder: ${m.error}`);
    poke();
  });
  worker.on('error', (err) => {
    failure = err;
    poke();
  });
  worker.on('exit', (code) => {
    if (!finished && !failure) failure = new Error(`MP3 encoder stopped (exit code ${code})`);
    poke();
  });
  try {
    for (;;) {
      while (queue.length) yield queue.shift()!;
      if (failure) throw failure;
      if (finished) return;
      await new Promise<void>((resolve) => (wake = resolve));
    }
  } finally {
    // Also when the consumer gave up early: no orphaned encoder keeps a core busy.
    if (!finished) await worker.terminate();
  }
}

const toDb = (x: number) => (x > 0 ? 20 * Math.log10(x) : -Infinity);
const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * True peak (dBTP, BS.1770 oversampled) of the audio an MP3 decodes to. Decoded by
 * node-web-audio-api (on its own thread); measured by the engine's true-peak detector in one-second
 * slices that yield to the event loop in between. Only peaks above `floorDbtp` are of interest:
 * the detector starts there and skips what cannot exceed it, so a quieter file reads `floorDbtp`.
 */
export async function decodedTruePeakDbtp(mp3: Uint8Array, sampleRate: number, channelCount: number, floorDbtp = -Infinity): Promise<number> {
  // node-web-audio-api itself (the engine's Node entry would also load Tone.js, which this does not need).
  const webAudio = await import('node-web-audio-api');
  const ctx = new webAudio.OfflineAudioContext(channelCount, 1, sampleRate);
  const decoded = await ctx.decodeAudioData(mp3.buffer.slice(mp3.byteOffset, mp3.byteOffset + mp3.byteLength) as ArrayBuffer);
  const detector = new TruePeakDetector(decoded.numberOfChannels, designInterpolator(defaultOversampling(decoded.sampleRate)));
  const floor = Number.isFinite(floorDbtp) ? 10 ** (floorDbtp / 20) : 0;
  detector.peaks.fill(floor);
  const slice = decoded.sampleRate;
  for (let c = 0; c < decoded.numberOfChannels; c++) {
    const data = decoded.getChannelData(c);
    for (let start = 0; start < data.length; start += slice) {
      const part = data.subarray(start, Math.min(data.length, start + slice));
      let samplePeak = 0;
      for (let i = 0; i < part.length; i++) {
        const a = part[i] < 0 ? -part[i] : part[i];
        if (a > samplePeak) samplePeak = a;
      }
      detector.process(c, part, part.length, samplePeak);
      await yieldToLoop();
    }
  }
  return toDb(Math.max(...detector.peaks));
}

async function collect(chunks: AsyncIterable<Uint8Array>): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for await (const c of chunks) out.push(c);
  return out;
}

const concatBytes = (parts: Uint8Array[]) => new Uint8Array(Buffer.concat(parts));

/**
 * The loudest moments of `wav` (the `count` quarter-seconds with the highest sample peaks), each
 * with 100 ms of context faded in and out, end to end: what the first encode tries on its own.
 */
function loudestMoments(wav: Pcm, count = 16): Float32Array[] {
  const { sampleRate, channels } = wav;
  const block = Math.round(sampleRate / 4);
  const context = Math.round(sampleRate / 10);
  const fade = Math.round(sampleRate / 200);
  const blocks = Math.floor(channels[0].length / block);
  const peaks = new Float32Array(blocks);
  for (const c of channels) {
    for (let b = 0; b < blocks; b++) {
      let p = peaks[b];
      for (let i = b * block, end = i + block; i < end; i++) {
        const a = c[i] < 0 ? -c[i] : c[i];
        if (a > p) p = a;
      }
      peaks[b] = p;
    }
  }
  const chosen = Array.from(peaks.keys()).sort((a, b) => peaks[b] - peaks[a]).slice(0, count).sort((a, b) => a - b);
  const span = block + 2 * context;
  const out = channels.map(() => new Float32Array(chosen.length * span));
  chosen.forEach((b, j) => {
    const from = b * block - context;
    channels.forEach((c, ch) => {
      for (let i = 0; i < span; i++) {
        const src = from + i;
        if (src < 0 || src >= c.length) continue;
        const edge = Math.min(i, span - 1 - i);
        const w = edge >= fade ? 1 : 0.5 - 0.5 * Math.cos((Math.PI * edge) / fade);
        out[ch][j * span + i] = c[src] * w;
      }
    });
  });
  return out;
}

export type Mp3Stage = 'encoding' | 'checking';

export interface Mp3Delivery {
  /** The MP3, in the chunks the encoder produced. */
  chunks: Uint8Array[];
  ceilingDbtp: number;
  /** Gain applied to the master before encoding, dB (0, or negative when the decoded peaks needed room). */
  gainDb: number;
  /** True peak of the decoded MP3, dBTP (≤ ceiling). Values more than 1 dB under the ceiling read as ceiling − 1. */
  decodedTruePeakDbtp: number;
  /** Full encodes it took (1 unless the first one still came back over the ceiling). */
  passes: number;
}

export interface DeliverMp3Options {
  ceilingDbtp: number;
  kbps?: number;
  /** Try the loudest moments first to choose the gain (default true; off, the full encodes find it alone). */
  trial?: boolean;
  /** Stage and fraction of it done (0…1); a second encode starts over at 0. */
  onProgress?: (stage: Mp3Stage, fraction: number, gainDb: number) => void;
}

/**
 * An MP3 of `wav` whose decoded true peak is at or under `ceilingDbtp`: the loudest moments are
 * tried first to choose the input gain, then the whole master is encoded, decoded and measured,
 * and encoded again (turned down by the overshoot plus 0.05 dB) while it is still over (over:
 * above the ceiling − 0.02 dB, room for other decoders and meters).
 */
export async function deliverMp3(wav: Pcm, options: DeliverMp3Options): Promise<Mp3Delivery> {
  assertMp3Encodable(wav);
  const { ceilingDbtp, kbps = MP3_KBPS, onProgress, trial = true } = options;
  const outRate = mp3RateFor(wav.sampleRate);
  // Only peaks near the ceiling matter; starting the detector there lets it skip most of the work.
  const floor = ceilingDbtp - 1;
  // One copy every encode (worker) shares.
  const shared = wav.channels.map((c) => {
    const s = new Float32Array(new SharedArrayBuffer(c.length * 4));
    s.set(c);
    return s;
  });
  const pcm = { sampleRate: wav.sampleRate, channels: shared };

  onProgress?.('encoding', 0, 0);
  const limit = ceilingDbtp - GUARD_DB;
  let trialPeak = -Infinity;
  if (trial) {
    const moments = await collect(encodeMp3({ sampleRate: wav.sampleRate, channels: loudestMoments(pcm) }, { kbps }));
    trialPeak = await decodedTruePeakDbtp(concatBytes(moments), outRate, shared.length, floor);
  }
  let gainDb = trialPeak > limit ? limit - trialPeak - MARGIN_DB : 0;

  for (let passes = 1; ; passes++) {
    const g = gainDb;
    const chunks = await collect(encodeMp3(pcm, { kbps, gainDb: g, onProgress: (f) => onProgress?.('encoding', f, g) }));
    onProgress?.('checking', 0, g);
    const peak = await decodedTruePeakDbtp(concatBytes(chunks), outRate, shared.length, floor);
    if (peak <= limit || passes >= MAX_PASSES) {
      if (peak > limit) throw new Error(`MP3 still decodes to ${peak.toFixed(2)} dBTP after ${passes} encodes (ceiling ${ceilingDbtp} dBTP)`);
      return { chunks, ceilingDbtp, gainDb: Math.round(g * 100) / 100, decodedTruePeakDbtp: Math.round(peak * 100) / 100, passes };
    }
    gainDb = g + limit - peak - MARGIN_DB;
  }
}
