import { describe, expect, it } from 'vitest';
// @ts-expect-error plain ESM build script without types
import { compilePcmExtremes } from '../../scripts/build-pcm-extremes.mjs';
import { extremesReader } from './peaks-from-file.js';
import { PCM_EXTREMES_WASM_BASE64 } from './pcm-extremes-wasm.js';

interface Kernel {
  memory: WebAssembly.Memory;
  extremes24(src: number, buckets: number, bucketBytes: number, out: number): void;
  extremes16(src: number, buckets: number, bucketBytes: number, out: number): void;
  extremesF32(src: number, buckets: number, bucketBytes: number, out: number): void;
}

function loadKernel(): Kernel {
  const bytes = Buffer.from(PCM_EXTREMES_WASM_BASE64, 'base64');
  const kernel = new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports as unknown as Kernel;
  kernel.memory.grow(32);
  return kernel;
}

/** Random samples with the format's extreme values planted at random places. */
function randomSamples(bytesPerSample: number, float: boolean, count: number, seed: number): Buffer {
  const b = Buffer.alloc(count * bytesPerSample);
  let x = seed;
  const next = () => ((x = (x * 1103515245 + 12345) >>> 0) / 2 ** 32);
  for (let i = 0; i < count; i++) {
    const o = i * bytesPerSample;
    const r = next();
    if (float) b.writeFloatLE(r < 0.01 ? NaN : r < 0.02 ? (next() < 0.5 ? -1 : 1) : (next() * 2 - 1) * (r < 0.5 ? 0.01 : 0.9), o);
    else if (bytesPerSample === 3) b.writeIntLE(r < 0.01 ? -8388608 : r < 0.02 ? 8388607 : Math.floor((next() * 2 - 1) * 8388607 * (r < 0.5 ? 0.01 : 1)), o, 3);
    else b.writeInt16LE(r < 0.01 ? -32768 : r < 0.02 ? 32767 : Math.floor((next() * 2 - 1) * 32767 * (r < 0.5 ? 0.01 : 1)), o);
  }
  return b;
}

describe('PCM extremes SIMD kernel (pcm-extremes.wat)', () => {
  it('is the compiled .wat: the committed bytes cannot drift from the source', async () => {
    expect((await compilePcmExtremes()).toString('base64')).toBe(PCM_EXTREMES_WASM_BASE64);
  });

  const formats = [
    { name: '24-bit', bytes: 3, float: false, scan: 'extremes24', pairs: Int32Array, scale: 8388608 },
    { name: '16-bit', bytes: 2, float: false, scan: 'extremes16', pairs: Int32Array, scale: 32768 },
    { name: '32-bit float', bytes: 4, float: true, scan: 'extremesF32', pairs: Float32Array, scale: 1 },
  ] as const;
  // Whole vectors only, vectors plus a scalar tail, shorter than one vector, one sample.
  const bucketFrames = [[256, 2], [255, 2], [7, 1], [3, 1], [1, 1], [256, 6]] as const;

  for (const f of formats) {
    for (const [frames, channels] of bucketFrames) {
      it(`gives exactly the JavaScript reader's min and max for ${f.name}, ${frames} frames × ${channels} channels per bucket`, () => {
        const kernel = loadKernel();
        const bucketBytes = frames * channels * f.bytes;
        const buckets = 200;
        const data = randomSamples(f.bytes, f.float, (bucketBytes / f.bytes) * buckets, frames * 31 + channels);
        const src = 64; // not 16-byte aligned on purpose: the kernel loads unaligned
        const out = src + data.length + 64;
        new Uint8Array(kernel.memory.buffer).set(data, src);
        kernel[f.scan](src, buckets, bucketBytes, out);
        const pairs = new f.pairs(kernel.memory.buffer, out, buckets * 2);
        const read = extremesReader(f.bytes, f.float, false, 'wav');
        for (let b = 0; b < buckets; b++) {
          const [lo, hi] = read(data, b * bucketBytes, (b + 1) * bucketBytes);
          expect([pairs[2 * b] / f.scale, pairs[2 * b + 1] / f.scale], `bucket ${b}`).toEqual([lo, hi]);
        }
      });
    }
  }
});
