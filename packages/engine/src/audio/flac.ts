// A small, lossless FLAC encoder for delivering approved masters. It uses what the format
// calls "fixed" linear predictors (orders 0–4) with partitioned Rice-coded residuals, and
// CONSTANT subframes for digital silence: no LPC search, so it compresses a little less than
// the reference encoder at -5, but decoders give back exactly the integer samples given.
import { AudioFormatError } from './wav';

export interface FlacInput {
  sampleRate: number;
  /** 16 or 24 (the depths masters are delivered at). */
  bitsPerSample: 16 | 24;
  /** Planar integer samples per channel, in [-2^(bits-1), 2^(bits-1) - 1]. */
  channels: Int32Array[];
}

const BLOCK_SIZE = 4096;
const MAX_RICE_PARAM = 14; // 15 is the escape code.
const MAX_PARTITION_ORDER = 6;

class BitWriter {
  private buf = new Uint8Array(1 << 16);
  private byte = 0;
  private acc = 0;
  private nacc = 0;

  /** Writes the low `n` bits of `value` (n ≤ 32, value ≥ 0 or two's complement for signed). */
  write(value: number, n: number): void {
    if (n > 24) {
      this.write(Math.floor(value / 0x1000000) & ((1 << (n - 24)) - 1), n - 24);
      this.write(value & 0xffffff, 24);
      return;
    }
    // At most 7 bits wait in the accumulator, so 7 + 24 bits never overflow 31.
    this.acc = (this.acc << n) | (value & ((1 << n) - 1));
    this.nacc += n;
    while (this.nacc >= 8) {
      this.nacc -= 8;
      this.push((this.acc >>> this.nacc) & 0xff);
    }
    this.acc &= (1 << this.nacc) - 1;
  }

  /** `q` zero bits then a one: the unary part of a Rice code. */
  unary(q: number): void {
    for (; q >= 24; q -= 24) this.write(0, 24);
    this.write(1, q + 1);
  }

  alignToByte(): void {
    if (this.nacc) this.write(0, 8 - this.nacc);
  }

  get length(): number {
    return this.byte;
  }

  bytes(from = 0, to = this.byte): Uint8Array {
    return this.buf.subarray(from, to);
  }

  private push(b: number): void {
    if (this.byte === this.buf.length) {
      const bigger = new Uint8Array(this.buf.length * 2);
      bigger.set(this.buf);
      this.buf = bigger;
    }
    this.buf[this.byte++] = b;
  }
}

const CRC8 = new Uint8Array(256);
const CRC16 = new Uint16Array(256);
for (let i = 0; i < 256; i++) {
  let c8 = i;
  let c16 = i << 8;
  for (let j = 0; j < 8; j++) {
    c8 = c8 & 0x80 ? ((c8 << 1) ^ 0x07) & 0xff : (c8 << 1) & 0xff;
    c16 = c16 & 0x8000 ? ((c16 << 1) ^ 0x8005) & 0xffff : (c16 << 1) & 0xffff;
  }
  CRC8[i] = c8;
  CRC16[i] = c16;
}
const crc8 = (b: Uint8Array) => b.reduce((c, x) => CRC8[c ^ x], 0);
const crc16 = (b: Uint8Array) => b.reduce((c, x) => ((c << 8) & 0xffff) ^ CRC16[(c >> 8) ^ x], 0);

const SAMPLE_RATE_CODES: Record<number, number> = { 88200: 1, 176400: 2, 192000: 3, 8000: 4, 16000: 5, 22050: 6, 24000: 7, 32000: 8, 44100: 9, 48000: 10, 96000: 11 };

/** Residual of the fixed predictor of `order` (0–4) at index i. */
function fixedResidual(x: Int32Array, i: number, order: number): number {
  switch (order) {
    case 0: return x[i];
    case 1: return x[i] - x[i - 1];
    case 2: return x[i] - 2 * x[i - 1] + x[i - 2];
    case 3: return x[i] - 3 * x[i - 1] + 3 * x[i - 2] - x[i - 3];
    default: return x[i] - 4 * x[i - 1] + 6 * x[i - 2] - 4 * x[i - 3] + x[i - 4];
  }
}

const zigzag = (v: number) => (v >= 0 ? 2 * v : -2 * v - 1);

interface RicePlan { partitionOrder: number; params: number[]; bits: number }

/**
 * Rice parameter for a run of folded residuals with sum `sum`, and its estimated cost in
 * bits (n·(k+1) + sum/2^k: the unary parts average sum/2^k). Estimates only steer choices;
 * what is written is always exact.
 */
function bestRice(sum: number, n: number): { k: number; bits: number } {
  const guess = n === 0 || sum < n ? 0 : Math.min(MAX_RICE_PARAM, Math.floor(Math.log2(sum / n)));
  let best = { k: guess, bits: Infinity };
  for (let k = Math.max(0, guess - 1); k <= Math.min(MAX_RICE_PARAM, guess + 1); k++) {
    const bits = n * (k + 1) + sum / 2 ** k;
    if (bits < best.bits) best = { k, bits };
  }
  return best;
}

function planRice(u: Float64Array, blockSize: number, order: number): RicePlan {
  // Sums over the finest partitions once; coarser partitionings add them up.
  let maxP = 0;
  while (maxP < MAX_PARTITION_ORDER && blockSize % (2 << maxP) === 0 && blockSize / (2 << maxP) > order) maxP++;
  const finest = 1 << maxP;
  const flen = blockSize / finest;
  const sums = new Float64Array(finest);
  for (let j = 0; j < finest; j++) {
    const from = j === 0 ? 0 : j * flen - order;
    const to = (j + 1) * flen - order;
    let sum = 0;
    for (let i = from; i < to; i++) sum += u[i];
    sums[j] = sum;
  }
  let best: RicePlan | null = null;
  for (let p = 0; p <= maxP; p++) {
    const parts = 1 << p;
    const len = blockSize / parts;
    const group = finest / parts;
    const params: number[] = [];
    let bits = 0;
    for (let j = 0; j < parts; j++) {
      let sum = 0;
      for (let g = 0; g < group; g++) sum += sums[j * group + g];
      // The first partition holds len - order residuals (the warm-up samples are not coded).
      const r = bestRice(sum, j === 0 ? len - order : len);
      params.push(r.k);
      bits += 4 + r.bits;
    }
    if (!best || bits < best.bits) best = { partitionOrder: p, params, bits };
  }
  return best!;
}

function writeSubframe(w: BitWriter, x: Int32Array, bps: number): void {
  const n = x.length;
  if (x.every((v) => v === x[0])) {
    w.write(0b00000000, 8); // CONSTANT, no wasted bits
    w.write(x[0] >>> 0, bps);
    return;
  }
  let best: { order: number; u: Float64Array; plan: RicePlan } | null = null;
  for (let order = 0; order <= Math.min(4, n - 1); order++) {
    const u = new Float64Array(n - order);
    for (let i = order; i < n; i++) u[i - order] = zigzag(fixedResidual(x, i, order));
    const plan = planRice(u, n, order);
    if (!best || plan.bits + order * bps < best.plan.bits + best.order * bps) best = { order, u, plan };
  }
  const verbatimBits = n * bps;
  if (!best || best.plan.bits + best.order * bps + 6 >= verbatimBits) {
    w.write(0b00000010, 8); // VERBATIM
    for (let i = 0; i < n; i++) w.write(x[i] >>> 0, bps);
    return;
  }
  const { order, u, plan } = best;
  w.write((0b001000 | order) << 1, 8); // FIXED, order, no wasted bits
  for (let i = 0; i < order; i++) w.write(x[i] >>> 0, bps);
  w.write(0b00, 2); // Rice, 4-bit parameters
  w.write(plan.partitionOrder, 4);
  const parts = 1 << plan.partitionOrder;
  const len = n / parts;
  for (let j = 0; j < parts; j++) {
    const k = plan.params[j];
    w.write(k, 4);
    const from = j === 0 ? 0 : j * len - order;
    const to = (j + 1) * len - order;
    const scale = 2 ** k;
    for (let i = from; i < to; i++) {
      const q = Math.floor(u[i] / scale);
      w.unary(q);
      if (k) w.write(u[i] - q * scale, k);
    }
  }
}

/** FLAC's UTF-8-like variable-length coding of the frame number. */
function writeUtf8Number(w: BitWriter, v: number): void {
  if (v < 0x80) return w.write(v, 8);
  let extra = v < 0x800 ? 1 : v < 0x10000 ? 2 : v < 0x200000 ? 3 : v < 0x4000000 ? 4 : 5;
  const lead = [0, 0xc0, 0xe0, 0xf0, 0xf8, 0xfc][extra];
  w.write(lead | (v >>> (6 * extra)), 8);
  while (extra-- > 0) w.write(0x80 | ((v >>> (6 * extra)) & 0x3f), 8);
}

export function encodeFlac(input: FlacInput): Uint8Array {
  const { sampleRate, bitsPerSample: bps, channels } = input;
  if (channels.length < 1 || channels.length > 8) throw new AudioFormatError('unsupported', `FLAC holds 1–8 channels, got ${channels.length}`);
  if (bps !== 16 && bps !== 24) throw new AudioFormatError('unsupported', `FLAC encoder supports 16 or 24 bits, got ${bps}`);
  if (!Number.isInteger(sampleRate) || sampleRate < 1 || sampleRate > 655350) throw new AudioFormatError('unsupported', `bad sample rate ${sampleRate}`);
  const total = channels[0].length;
  if (channels.some((c) => c.length !== total)) throw new AudioFormatError('invalid', 'all channels must have the same length');
  if (total === 0) throw new AudioFormatError('empty', 'no samples to encode');
  const lo = -(2 ** (bps - 1));
  const hi = 2 ** (bps - 1) - 1;
  for (const c of channels) for (let i = 0; i < c.length; i++) if (c[i] < lo || c[i] > hi) throw new AudioFormatError('invalid', `sample ${c[i]} does not fit ${bps} bits`);

  const w = new BitWriter();
  w.write(0x664c6143, 32); // "fLaC"
  // STREAMINFO (last metadata block). Frame sizes and MD5 are left 0 = unknown, which the format allows.
  w.write(0x80, 8);
  w.write(34, 24);
  w.write(BLOCK_SIZE, 16);
  w.write(BLOCK_SIZE, 16);
  w.write(0, 24);
  w.write(0, 24);
  w.write(sampleRate, 20);
  w.write(channels.length - 1, 3);
  w.write(bps - 1, 5);
  w.write(Math.floor(total / 2 ** 32), 4);
  w.write(total >>> 0, 32);
  for (let i = 0; i < 4; i++) w.write(0, 32);

  const rateCode = SAMPLE_RATE_CODES[sampleRate] ?? 0;
  const sizeCode = bps === 16 ? 0b100 : 0b110;
  for (let frame = 0, start = 0; start < total; frame++, start += BLOCK_SIZE) {
    const n = Math.min(BLOCK_SIZE, total - start);
    const frameStart = w.length;
    w.write(0b11111111111110, 14);
    w.write(0, 1); // reserved
    w.write(0, 1); // fixed block size stream
    w.write(n === BLOCK_SIZE ? 0b1100 : 0b0111, 4); // 4096, or "16-bit (n-1) follows"
    w.write(rateCode, 4);
    w.write(channels.length - 1, 4); // independent channels
    w.write(sizeCode, 3);
    w.write(0, 1);
    writeUtf8Number(w, frame);
    if (n !== BLOCK_SIZE) w.write(n - 1, 16);
    w.write(crc8(w.bytes(frameStart)), 8);
    for (const c of channels) writeSubframe(w, c.subarray(start, start + n), bps);
    w.alignToByte();
    w.write(crc16(w.bytes(frameStart)), 16);
  }
  return w.bytes().slice();
}

/** Integer samples of a decoded PCM WAV (exact: the decoder divides by a power of two). */
export function floatToInt(channels: readonly Float32Array[], bits: 16 | 24): Int32Array[] {
  const scale = 2 ** (bits - 1);
  return channels.map((c) => {
    const out = new Int32Array(c.length);
    for (let i = 0; i < c.length; i++) out[i] = Math.max(-scale, Math.min(scale - 1, Math.round(c[i] * scale)));
    return out;
  });
}
