// MP3 encoding off the server's main thread (plain JavaScript so it loads in any runtime the
// server runs under: tsx, vitest, a build). The encoder is LAME compiled to WebAssembly
// (wasm-media-encoders; the .wasm is inlined in the package, nothing is fetched), about 2.5× as
// fast as the pure-JavaScript lamejs and fed float PCM directly (no 16-bit rounding on the way in).
// Input: float PCM per channel (SharedArrayBuffer-backed, so several passes at different gains
// read the same copy), a linear gain, and the rate; output: MP3 bytes posted as they are
// produced, { progress } as the encode advances, then { done: true }.
import { parentPort, workerData } from 'node:worker_threads';
import { createMp3Encoder } from 'wasm-media-encoders';

const { kbps, gain } = workerData;
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
const BLOCK = FRAME * 32;
const CHUNK_BYTES = 256 * 1024;

let pending = [];
let pendingBytes = 0;
/** `bytes` belongs to the encoder (overwritten by its next call): copy it before keeping it. */
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
  const encoder = await createMp3Encoder();
  encoder.configure({ sampleRate, channels: channels.length, bitrate: kbps });
  const length = channels[0].length;
  const scratch = channels.map(() => new Float32Array(BLOCK));
  let lastReport = 0;
  for (let start = 0; start < length; start += BLOCK) {
    const n = Math.min(BLOCK, length - start);
    const block = channels.map((c, i) => {
      const s = scratch[i];
      for (let k = 0; k < n; k++) s[k] = c[start + k] * gain;
      return n === BLOCK ? s : s.subarray(0, n);
    });
    emit(encoder.encode(block));
    const done = (start + n) / length;
    if (done - lastReport >= 0.02) {
      lastReport = done;
      parentPort.postMessage({ progress: done });
    }
  }
  emit(encoder.finalize(), true);
  parentPort.postMessage({ done: true });
} catch (err) {
  parentPort.postMessage({ error: err instanceof Error ? err.message : String(err) });
}
