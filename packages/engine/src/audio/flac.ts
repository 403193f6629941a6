// A small, fast, lossless FLAC encoder for delivering approved masters. It uses what the format
// calls "fixed" linear predictors (orders 0–4), stereo decorrelation (left/side, right/side or
// mid/side, whichever predicts best), partitioned Rice-coded residuals (4- or 5-bit parameters,
// so loud 24-bit material is not stuck with short codes) and CONSTANT subframes for digital
// silence. No LPC search, so it compresses a little less than the reference encoder at -5, but
// decoders give back exactly the integer samples given. All scratch space is allocated once per
// encoder; a frame is encoded without allocating (≈200× real time for stereo 48 kHz on one core).
import { AudioFormatError } from './wav';

export interface FlacInput {
  sampleRate: number;
  /** 16 or 24 (the depths masters are delivered at). */
  bitsPerSample: 16 | 24;
  /** Planar integer samples per channel, in [-2^(bits-1), 2^(bits-1) - 1]. */
  channels: Int32Array[];
}

const BLOCK_SIZE = 4096;
const MAX_PARTITION_ORDER = 6;

/** Grows on demand; bits go out MSB first through a ≤ 31-bit accumulator. */
class BitWriter {
  buf: Uint8Array;
  pos = 0;
  /** Pending bits (< 8 of them between calls) — public so the encoder's hot loop can keep them in locals. */
  acc = 0;
  nacc = 0;

  constructor(capacity: number) {
    this.buf = new Uint8Array(capacity);
  }

  /** Room for `bytes` more bytes (called once per frame with its worst case). */
  reserve(bytes: number): void {
    if (this.pos + bytes + 8 <= this.buf.length) return;
    const bigger = new Uint8Array(Math.max(this.buf.length * 2, this.pos + bytes + 8));
    bigger.set(this.buf.subarray(0, this.pos));
    this.buf = bigger;
  }

  /** Writes the low `n` bits of `value` (n ≤ 32; negative values as two's complement). */
  write(value: number, n: number): void {
    if (n > 24) {
      this.write(Math.floor(value / 0x1000000) & ((1 << (n - 24)) - 1), n - 24);
      n = 24;
      value &= 0xffffff;
    }
    // At most 7 bits wait in the accumulator, so 7 + 24 bits never overflow 31.
    const acc = (this.acc << n) | (value & ((1 << n) - 1));
    let nacc = this.nacc + n;
    const buf = this.buf;
    let pos = this.pos;
    while (nacc >= 8) {
      nacc -= 8;
      buf[pos++] = acc >>> nacc;
    }
    this.pos = pos;
    this.acc = acc & ((1 << nacc) - 1);
    this.nacc = nacc;
  }

  /** `q` zero bits, a one, then the low `k` bits of `low`: one Rice code. */
  rice(q: number, low: number, k: number): void {
    if (q + 1 + k <= 24) {
      this.write((1 << k) | low, q + 1 + k);
      return;
    }
    for (; q >= 24; q -= 24) this.write(0, 24);
    this.write(1, q + 1);
    if (k) this.write(low, k);
  }

  alignToByte(): void {
    if (this.nacc) this.write(0, 8 - this.nacc);
  }

  /** The bytes written so far (a fresh copy), and start over. */
  take(): Uint8Array {
    const out = this.buf.slice(0, this.pos);
    this.pos = 0;
    return out;
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
function crc8(b: Uint8Array, from: number, to: number): number {
  let c = 0;
  for (let i = from; i < to; i++) c = CRC8[c ^ b[i]];
  return c;
}
function crc16(b: Uint8Array, from: number, to: number): number {
  let c = 0;
  for (let i = from; i < to; i++) c = ((c << 8) & 0xffff) ^ CRC16[(c >> 8) ^ b[i]];
  return c;
}

const SAMPLE_RATE_CODES: Record<number, number> = { 88200: 1, 176400: 2, 192000: 3, 8000: 4, 16000: 5, 22050: 6, 24000: 7, 32000: 8, 44100: 9, 48000: 10, 96000: 11 };

/** Channel assignments of a stereo frame (the frame header's codes). */
const INDEPENDENT = 1, LEFT_SIDE = 8, RIGHT_SIDE = 9, MID_SIDE = 10;

/**
 * Streaming FLAC encoder: `header()` once, then `encodeFrames()` until `done`. Each call returns
 * the bytes it made, so a caller can hand them on (to a file, a blob store, an HTTP response)
 * and report progress between calls.
 */
export class FlacEncoder {
  readonly totalSamples: number;
  /** Samples encoded so far (per channel). */
  position = 0;
  private frame = 0;
  private readonly w: BitWriter;
  private readonly bps: number;
  private readonly channels: Int32Array[];
  private readonly sampleRate: number;
  // Per-frame scratch: mid and side signals, folded residuals, partition sums, Rice parameters.
  private readonly mid = new Int32Array(BLOCK_SIZE);
  private readonly side = new Int32Array(BLOCK_SIZE);
  private readonly folded = new Uint32Array(BLOCK_SIZE);
  private readonly sums = new Float64Array(1 << MAX_PARTITION_ORDER);
  private readonly params = new Int32Array(1 << MAX_PARTITION_ORDER);
  private readonly bestParams = new Int32Array(1 << MAX_PARTITION_ORDER);

  constructor(input: FlacInput) {
    const { sampleRate, bitsPerSample: bps, channels } = input;
    if (channels.length < 1 || channels.length > 8) throw new AudioFormatError('unsupported', `FLAC holds 1–8 channels, got ${channels.length}`);
    if (bps !== 16 && bps !== 24) throw new AudioFormatError('unsupported', `FLAC encoder supports 16 or 24 bits, got ${bps}`);
    if (!Number.isInteger(sampleRate) || sampleRate < 1 || sampleRate > 655350) throw new AudioFormatError('unsupported', `bad sample rate ${sampleRate}`);
    const total = channels[0].length;
    if (channels.some((c) => c.length !== total)) throw new AudioFormatError('invalid', 'all channels must have the same length');
    if (total === 0) throw new AudioFormatError('empty', 'no samples to encode');
    const lo = -(2 ** (bps - 1));
    const hi = 2 ** (bps - 1) - 1;
    for (const c of channels) {
      for (let i = 0; i < c.length; i++) if (c[i] < lo || c[i] > hi) throw new AudioFormatError('invalid', `sample ${c[i]} does not fit ${bps} bits`);
    }
    this.totalSamples = total;
    this.bps = bps;
    this.channels = channels;
    this.sampleRate = sampleRate;
    this.w = new BitWriter(1 << 20);
  }

  get done(): boolean {
    return this.position >= this.totalSamples;
  }

  /** "fLaC" and STREAMINFO. Frame sizes and MD5 are 0 = unknown, which the format allows. */
  header(): Uint8Array {
    const w = this.w;
    w.reserve(64);
    w.write(0x664c6143, 32);
    w.write(0x80, 8); // last metadata block, STREAMINFO
    w.write(34, 24);
    w.write(BLOCK_SIZE, 16);
    w.write(BLOCK_SIZE, 16);
    w.write(0, 24);
    w.write(0, 24);
    w.write(this.sampleRate, 20);
    w.write(this.channels.length - 1, 3);
    w.write(this.bps - 1, 5);
    w.write(Math.floor(this.totalSamples / 2 ** 32), 4);
    w.write(this.totalSamples >>> 0, 32);
    for (let i = 0; i < 4; i++) w.write(0, 32);
    return w.take();
  }

  /** Encodes up to `maxFrames` frames of 4096 samples; returns their bytes. */
  encodeFrames(maxFrames = 64): Uint8Array {
    for (let f = 0; f < maxFrames && !this.done; f++) this.encodeFrame();
    return this.w.take();
  }

  private encodeFrame(): void {
    const { w, bps, channels } = this;
    const start = this.position;
    const n = Math.min(BLOCK_SIZE, this.totalSamples - start);
    // Worst case: every channel verbatim at bps + 1 bits, plus headers.
    w.reserve(channels.length * ((n * (bps + 1)) >> 3) + 64 * channels.length + 32);
    const frameStart = w.pos;

    let assignment = INDEPENDENT;
    let a = channels[0].subarray(start, start + n);
    let b = channels.length === 2 ? channels[1].subarray(start, start + n) : a;
    let oa = -1, ob = -1;
    if (channels.length === 2) {
      const { mid, side } = this;
      for (let i = 0; i < n; i++) {
        const l = a[i], r = b[i];
        mid[i] = (l + r) >> 1;
        side[i] = l - r;
      }
      const cl = this.bestFixed(a, n), ol = this.lastOrder;
      const cr = this.bestFixed(b, n), or = this.lastOrder;
      const cm = this.bestFixed(mid, n), om = this.lastOrder;
      const cs = this.bestFixed(side, n), os = this.lastOrder;
      oa = ol;
      ob = or;
      let bestCost = cl + cr;
      if (cl + cs < bestCost) {
        assignment = LEFT_SIDE;
        bestCost = cl + cs;
        b = side;
        ob = os;
      }
      if (cr + cs < bestCost) {
        assignment = RIGHT_SIDE;
        bestCost = cr + cs;
        a = side;
        oa = os;
        b = channels[1].subarray(start, start + n);
        ob = or;
      }
      if (cm + cs < bestCost) {
        assignment = MID_SIDE;
        a = mid;
        oa = om;
        b = side;
        ob = os;
      }
    }

    w.write(0b11111111111110, 14);
    w.write(0, 1); // reserved
    w.write(0, 1); // fixed block size stream
    w.write(n === BLOCK_SIZE ? 0b1100 : 0b0111, 4); // 4096, or "16-bit (n-1) follows"
    w.write(SAMPLE_RATE_CODES[this.sampleRate] ?? 0, 4);
    w.write(assignment === INDEPENDENT ? channels.length - 1 : assignment, 4);
    w.write(bps === 16 ? 0b100 : 0b110, 3);
    w.write(0, 1);
    writeUtf8Number(w, this.frame);
    if (n !== BLOCK_SIZE) w.write(n - 1, 16);
    w.write(crc8(w.buf, frameStart, w.pos), 8);
    if (channels.length === 2) {
      // The side channel needs one bit more; in right/side it comes first.
      this.writeSubframe(a, n, assignment === RIGHT_SIDE ? bps + 1 : bps, oa);
      this.writeSubframe(b, n, assignment === INDEPENDENT || assignment === RIGHT_SIDE ? bps : bps + 1, ob);
    } else {
      for (const c of channels) this.writeSubframe(c.subarray(start, start + n), n, bps, -1);
    }
    w.reserve(8);
    w.alignToByte();
    w.write(crc16(w.buf, frameStart, w.pos), 16);
    this.position += n;
    this.frame++;
  }

  /** The order whose Σ|residual| `bestFixed` found smallest. */
  private lastOrder = 0;

  /**
   * Σ|residual| of each fixed predictor order over x[4..n) (one pass, the differences built up
   * incrementally); returns the smallest, an estimate of the coded size, its order in `lastOrder`.
   */
  private bestFixed(x: Int32Array, n: number): number {
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0;
    if (n > 4) {
      let p0 = x[3], p1 = x[3] - x[2], p2 = x[3] - 2 * x[2] + x[1], p3 = x[3] - 3 * x[2] + 3 * x[1] - x[0];
      for (let i = 4; i < n; i++) {
        const e0 = x[i];
        const e1 = e0 - p0;
        const e2 = e1 - p1;
        const e3 = e2 - p2;
        const e4 = e3 - p3;
        s0 += e0 < 0 ? -e0 : e0;
        s1 += e1 < 0 ? -e1 : e1;
        s2 += e2 < 0 ? -e2 : e2;
        s3 += e3 < 0 ? -e3 : e3;
        s4 += e4 < 0 ? -e4 : e4;
        p0 = e0; p1 = e1; p2 = e2; p3 = e3;
      }
    }
    const best = Math.min(s0, s1, s2, s3, s4);
    // The lowest order among equals: its warm-up costs the fewest verbatim samples.
    this.lastOrder = best === s0 ? 0 : best === s1 ? 1 : best === s2 ? 2 : best === s3 ? 3 : 4;
    return best;
  }

  /** One subframe of x[0..n) at `bps` bits, with predictor `order` (−1: choose here). */
  private writeSubframe(x: Int32Array, n: number, bps: number, order: number): void {
    const w = this.w;
    // Room for the header, warm-up samples, or all of it verbatim.
    w.reserve(((n * bps) >> 3) + 64);
    let constant = true;
    for (let i = 1; i < n; i++) if (x[i] !== x[0]) { constant = false; break; }
    if (constant) {
      w.write(0b00000000, 8); // CONSTANT, no wasted bits
      w.write(x[0], bps);
      return;
    }
    if (order < 0) {
      this.bestFixed(x, n);
      order = this.lastOrder;
    }
    if (order >= n) order = n - 1;

    // Folded (zigzag) residuals of the chosen order.
    const u = this.folded;
    const m = n - order;
    for (let i = order; i < n; i++) {
      let e: number;
      switch (order) {
        case 0: e = x[i]; break;
        case 1: e = x[i] - x[i - 1]; break;
        case 2: e = x[i] - 2 * x[i - 1] + x[i - 2]; break;
        case 3: e = x[i] - 3 * x[i - 1] + 3 * x[i - 2] - x[i - 3]; break;
        default: e = x[i] - 4 * x[i - 1] + 6 * x[i - 2] - 4 * x[i - 3] + x[i - 4];
      }
      u[i - order] = e >= 0 ? 2 * e : -2 * e - 1;
    }

    const plan = this.planRice(m, n, order);
    const residualBits = plan.bits + order * bps;
    if (residualBits + 8 >= n * bps) {
      w.write(0b00000010, 8); // VERBATIM
      for (let i = 0; i < n; i++) w.write(x[i], bps);
      return;
    }
    w.write((0b001000 | order) << 1, 8); // FIXED, order, no wasted bits
    for (let i = 0; i < order; i++) w.write(x[i], bps);
    const rice2 = plan.maxParam > 14;
    w.write(rice2 ? 0b01 : 0b00, 2); // Rice with 4- or 5-bit parameters
    w.write(plan.partitionOrder, 4);
    const parts = 1 << plan.partitionOrder;
    const len = n >> plan.partitionOrder;
    const params = this.bestParams;
    for (let j = 0, i = 0; j < parts; j++) {
      const k = params[j];
      w.write(k, rice2 ? 5 : 4);
      const to = (j + 1) * len - order;
      // The hot loop: the writer's state in locals, one write per residual when the code fits 24 bits.
      // Codes of ≤ 24 bits: at most 3 bytes each; longer ones make room for themselves.
      w.reserve((to - i) * 3);
      const mask = (1 << k) - 1;
      let buf = w.buf;
      let acc = w.acc, nacc = w.nacc, pos = w.pos;
      for (; i < to; i++) {
        const v = u[i];
        const q = v >>> k;
        if (q + 1 + k > 24) {
          w.acc = acc;
          w.nacc = nacc;
          w.pos = pos;
          w.reserve(((q + 1 + k) >> 3) + (to - i) * 3);
          w.rice(q, v & mask, k);
          buf = w.buf;
          acc = w.acc;
          nacc = w.nacc;
          pos = w.pos;
          continue;
        }
        const n = q + 1 + k;
        acc = (acc << n) | (1 << k) | (v & mask);
        nacc += n;
        while (nacc >= 8) {
          nacc -= 8;
          buf[pos++] = acc >>> nacc;
        }
        acc &= (1 << nacc) - 1;
      }
      w.acc = acc;
      w.nacc = nacc;
      w.pos = pos;
    }
  }

  /**
   * Partition order and Rice parameters (into `bestParams`) for `m` folded residuals of a block of
   * `n` with `order` warm-up samples. Costs are estimates (n·(k+1) + Σu/2^k); what is written is exact.
   */
  private planRice(m: number, n: number, order: number): { partitionOrder: number; bits: number; maxParam: number } {
    const u = this.folded;
    let maxP = 0;
    while (maxP < MAX_PARTITION_ORDER && n % (2 << maxP) === 0 && n / (2 << maxP) > order) maxP++;
    const finest = 1 << maxP;
    const flen = n >> maxP;
    const sums = this.sums;
    for (let j = 0, i = 0; j < finest; j++) {
      const to = (j + 1) * flen - order;
      let sum = 0;
      for (; i < to; i++) sum += u[i];
      sums[j] = sum;
    }
    let best = { partitionOrder: 0, bits: Infinity, maxParam: 0 };
    for (let p = maxP; p >= 0; p--) {
      const parts = 1 << p;
      const len = n >> p;
      let bits = 0;
      let maxParam = 0;
      for (let j = 0; j < parts; j++) {
        const count = j === 0 ? len - order : len;
        const sum = sums[j];
        const r = riceParam(sum, count);
        this.params[j] = r;
        if (r > maxParam) maxParam = r;
        bits += count * (r + 1) + sum / POW2[r];
      }
      bits += parts * (maxParam > 14 ? 5 : 4);
      if (bits < best.bits) {
        best = { partitionOrder: p, bits, maxParam };
        for (let j = 0; j < parts; j++) this.bestParams[j] = this.params[j];
      }
      // Merge neighbours for the next, coarser partitioning.
      for (let j = 0; j < parts >> 1; j++) sums[j] = sums[2 * j] + sums[2 * j + 1];
    }
    return best;
  }
}

/** Rice parameter (0–30) minimising the estimated cost count·(k+1) + sum/2^k. */
function riceParam(sum: number, count: number): number {
  if (count === 0 || sum < count) return 0;
  // floor(log2(mean)) from the bit length of the integer mean (sums fit 2^41, means 2^30).
  const mean = Math.floor(sum / count);
  let k = 31 - Math.clz32(mean);
  if (k > 30) k = 30;
  // Compare with the neighbours: cost(k) = count·(k+1) + sum/2^k.
  const here = count * (k + 1) + sum / POW2[k];
  if (k > 0 && count * k + sum / POW2[k - 1] < here) return k - 1;
  if (k < 30 && count * (k + 2) + sum / POW2[k + 1] < here) return k + 1;
  return k;
}
const POW2 = Float64Array.from({ length: 32 }, (_, k) => 2 ** k);

/** FLAC's UTF-8-like variable-length coding of the frame number. */
function writeUtf8Number(w: BitWriter, v: number): void {
  if (v < 0x80) return w.write(v, 8);
  let extra = v < 0x800 ? 1 : v < 0x10000 ? 2 : v < 0x200000 ? 3 : v < 0x4000000 ? 4 : 5;
  const lead = [0, 0xc0, 0xe0, 0xf0, 0xf8, 0xfc][extra];
  w.write(lead | (v >>> (6 * extra)), 8);
  while (extra-- > 0) w.write(0x80 | ((v >>> (6 * extra)) & 0x3f), 8);
}

/** The whole FLAC file of `input` in one buffer (see `FlacEncoder` to stream it). */
export function encodeFlac(input: FlacInput): Uint8Array {
  const enc = new FlacEncoder(input);
  const parts: Uint8Array[] = [enc.header()];
  let size = parts[0].length;
  while (!enc.done) {
    const p = enc.encodeFrames(256);
    parts.push(p);
    size += p.length;
  }
  const out = new Uint8Array(size);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Integer samples of a decoded PCM WAV (exact: the decoder divides by a power of two). */
export function floatToInt(channels: readonly Float32Array[], bits: 16 | 24): Int32Array[] {
  const scale = 2 ** (bits - 1);
  return channels.map((c) => {
    const out = new Int32Array(c.length);
    for (let i = 0; i < c.length; i++) {
      const v = Math.round(c[i] * scale);
      out[i] = v >= scale ? scale - 1 : v < -scale ? -scale : v;
    }
    return out;
  });
}
