// MP3 encoding off the server's main thread (plain JavaScript so it loads in any runtime the
// server runs under: tsx, vitest, a build). Input: float PCM per channel at 32/44.1/48 kHz
// (the caller resamples); output: MP3 frames posted as they are produced, then { done: true }.
import { parentPort, workerData } from 'node:worker_threads';
import { Mp3Encoder } from '@breezystack/lamejs';

const { kbps } = workerData;
/** Highest-resolution masters (88.2–192 kHz) go down by 2 or 4 to 44.1/48 kHz, which MPEG-1 Layer III carries. */
const factor = workerData.sampleRate > 96000 ? 4 : workerData.sampleRate > 48000 ? 2 : 1;
const sampleRate = workerData.sampleRate / factor;
const channels = factor === 1 ? workerData.channels : workerData.channels.map((c) => decimate(c, factor));

/** Low-pass (Blackman-windowed sinc, cut just below the new Nyquist) and keep every `by`-th sample. */
function decimate(input, by) {
  const half = 32 * by;
  const cutoff = (0.5 / by) * 0.91;
  const taps = new Float32Array(2 * half + 1);
  let sum = 0;
  for (let k = -half; k <= half; k++) {
    const x = 2 * Math.PI * cutoff * k;
    const sinc = k === 0 ? 1 : Math.sin(x) / (Math.PI * k) / (2 * cutoff);
    const w = 0.42 + 0.5 * Math.cos((Math.PI * k) / half) + 0.08 * Math.cos((2 * Math.PI * k) / half);
    taps[k + half] = sinc * w;
    sum += sinc * w;
  }
  for (let i = 0; i < taps.length; i++) taps[i] /= sum;
  const out = new Float32Array(Math.floor(input.length / by));
  for (let j = 0; j < out.length; j++) {
    const centre = j * by;
    let acc = 0;
    const from = Math.max(-half, -centre);
    const to = Math.min(half, input.length - 1 - centre);
    for (let k = from; k <= to; k++) acc += taps[k + half] * input[centre + k];
    out[j] = acc;
  }
  return out;
}
const FRAME = 1152;
const BLOCK = FRAME * 64;
const CHUNK_BYTES = 256 * 1024;

/** Float [-1, 1] → 16-bit with rounding and clipping (the MP3 quantisation noise dwarfs 16-bit steps). */
function toInt16(src, start, end) {
  const out = new Int16Array(end - start);
  for (let i = start; i < end; i++) {
    const v = Math.round(src[i] * 32768);
    out[i - start] = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
  }
  return out;
}

const encoder = new Mp3Encoder(channels.length, sampleRate, kbps);
let pending = [];
let pendingBytes = 0;
const emit = (bytes, force = false) => {
  if (bytes.length) {
    pending.push(bytes.slice());
    pendingBytes += bytes.length;
  }
  if (pendingBytes >= CHUNK_BYTES || (force && pendingBytes)) {
    const chunk = new Uint8Array(pendingBytes);
    let o = 0;
    for (const p of pending) {
      chunk.set(p, o);
      o += p.length;
    }
    pending = [];
    pendingBytes = 0;
    parentPort.postMessage({ chunk }, [chunk.buffer]);
  }
};

try {
  const length = channels[0].length;
  for (let start = 0; start < length; start += BLOCK) {
    const end = Math.min(length, start + BLOCK);
    const left = toInt16(channels[0], start, end);
    emit(channels.length > 1 ? encoder.encodeBuffer(left, toInt16(channels[1], start, end)) : encoder.encodeBuffer(left));
  }
  emit(encoder.flush(), true);
  parentPort.postMessage({ done: true });
} catch (err) {
  parentPort.postMessage({ error: err instanceof Error ? err.message : String(err) });
}
