/**
 * Second-order filters per the RBJ audio-EQ cookbook. Peaks and high/low-passes have exactly the
 * coefficients of the Web Audio BiquadFilterNode (high/low-pass Q in dB, as the Web Audio spec
 * states it), so the live graph's native nodes and the block DSP null. Shelves take the
 * cookbook's Q (α = sin ω0 / 2Q; Q = 1/√2 is the slope S = 1 that the native shelves are fixed
 * at): the live graph plays them on IIRFilterNodes with these coefficients (graph/nodes.ts).
 */

export type BiquadType = 'lowpass' | 'highpass' | 'peaking' | 'lowshelf' | 'highshelf';

/** Normalised coefficients [b0, b1, b2, a1, a2] (a0 = 1). */
export type BiquadCoefficients = [number, number, number, number, number];

export function biquadCoefficients(type: BiquadType, frequency: number, q: number, gainDb: number, sampleRate: number): BiquadCoefficients {
  const out: BiquadCoefficients = [0, 0, 0, 0, 0];
  biquadCoefficientsInto(out, 0, type, frequency, q, gainDb, sampleRate);
  return out;
}

/** biquadCoefficients written into out[at, at + 5) (automation recomputes them every grid step without allocating). */
export function biquadCoefficientsInto(out: { [i: number]: number }, at: number, type: BiquadType, frequency: number, q: number, gainDb: number, sampleRate: number): void {
  const nyquist = sampleRate / 2;
  const f = Math.min(nyquist * 0.999999, Math.max(1e-3, frequency));
  const w0 = (2 * Math.PI * f) / sampleRate;
  const cos = Math.cos(w0);
  const sin = Math.sin(w0);
  const A = Math.pow(10, gainDb / 40);
  let b0: number, b1: number, b2: number, a0: number, a1: number, a2: number;
  switch (type) {
    case 'lowpass':
    case 'highpass': {
      const alpha = sin / (2 * Math.pow(10, q / 20));
      b0 = type === 'lowpass' ? (1 - cos) / 2 : (1 + cos) / 2;
      b1 = type === 'lowpass' ? 1 - cos : -(1 + cos);
      b2 = b0;
      a0 = 1 + alpha;
      a1 = -2 * cos;
      a2 = 1 - alpha;
      break;
    }
    case 'peaking': {
      const alpha = sin / (2 * q);
      b0 = 1 + alpha * A;
      b1 = -2 * cos;
      b2 = 1 - alpha * A;
      a0 = 1 + alpha / A;
      a1 = -2 * cos;
      a2 = 1 - alpha / A;
      break;
    }
    case 'lowshelf':
    case 'highshelf': {
      // 2·√A·α with α = sin ω0 / 2Q (RBJ); Q ≤ 0 is taken as the smallest the control offers.
      const k = (Math.sqrt(A) * sin) / Math.max(0.1, q);
      const s = type === 'lowshelf' ? 1 : -1;
      b0 = A * (A + 1 - s * (A - 1) * cos + k);
      b1 = 2 * s * A * (A - 1 - s * (A + 1) * cos);
      b2 = A * (A + 1 - s * (A - 1) * cos - k);
      a0 = A + 1 + s * (A - 1) * cos + k;
      a1 = -2 * s * (A - 1 + s * (A + 1) * cos);
      a2 = A + 1 + s * (A - 1) * cos - k;
      break;
    }
  }
  out[at] = b0 / a0;
  out[at + 1] = b1 / a0;
  out[at + 2] = b2 / a0;
  out[at + 3] = a1 / a0;
  out[at + 4] = a2 / a0;
}

/** Magnitude (linear) of one section at `frequency` Hz: EQ curves and tests. */
export function biquadMagnitude(c: BiquadCoefficients, frequency: number, sampleRate: number): number {
  const w = (2 * Math.PI * frequency) / sampleRate;
  const cos1 = Math.cos(w), sin1 = Math.sin(w), cos2 = Math.cos(2 * w), sin2 = Math.sin(2 * w);
  const num = Math.hypot(c[0] + c[1] * cos1 + c[2] * cos2, c[1] * sin1 + c[2] * sin2);
  const den = Math.hypot(1 + c[3] * cos1 + c[4] * cos2, c[3] * sin1 + c[4] * sin2);
  return num / den;
}

/** A peaking or shelving band at 0 dB is exactly unity: such a band can be left out. */
export function isIdentity(type: BiquadType, gainDb: number): boolean {
  return gainDb === 0 && (type === 'peaking' || type === 'lowshelf' || type === 'highshelf');
}

/**
 * A cascade of biquads over one or two channels, processed in place, block by block, with the
 * state kept between blocks (transposed direct form II in double precision). Each section's
 * output is rounded to 32-bit float as it would be between two native nodes.
 */
export class BiquadCascade {
  private coefs: Float64Array;
  private state: Float64Array;
  sections: number;

  constructor(sections: BiquadCoefficients[]) {
    this.sections = sections.length;
    this.coefs = new Float64Array(sections.flat());
    this.state = new Float64Array(sections.length * 4);
  }

  /**
   * New coefficients for a live strip: the filter state is kept (section by section), so moving
   * an EQ knob while the music plays does not click. Allocates only when sections are added.
   */
  retune(sections: BiquadCoefficients[]): void {
    const n = sections.length;
    if (n * 5 > this.coefs.length) {
      const state = new Float64Array(n * 4);
      state.set(this.state.subarray(0, Math.min(this.state.length, n * 4)));
      this.state = state;
      this.coefs = new Float64Array(n * 5);
    } else if (n < this.sections) {
      this.state.fill(0, n * 4);
    }
    for (let k = 0; k < n; k++) this.coefs.set(sections[k], k * 5);
    this.sections = n;
  }

  process(channels: Float32Array[], frames: number): void {
    const c = this.coefs;
    const st = this.state;
    const left = channels[0];
    const right = channels.length > 1 ? channels[1] : null;
    for (let k = 0; k < this.sections; k++) {
      const b0 = c[k * 5], b1 = c[k * 5 + 1], b2 = c[k * 5 + 2], a1 = c[k * 5 + 3], a2 = c[k * 5 + 4];
      let l1 = st[k * 4], l2 = st[k * 4 + 1], r1 = st[k * 4 + 2], r2 = st[k * 4 + 3];
      if (right) {
        for (let i = 0; i < frames; i++) {
          const xl = left[i];
          const xr = right[i];
          const yl = b0 * xl + l1;
          const yr = b0 * xr + r1;
          l1 = b1 * xl - a1 * yl + l2;
          r1 = b1 * xr - a1 * yr + r2;
          l2 = b2 * xl - a2 * yl;
          r2 = b2 * xr - a2 * yr;
          left[i] = yl;
          right[i] = yr;
        }
      } else {
        for (let i = 0; i < frames; i++) {
          const xl = left[i];
          const yl = b0 * xl + l1;
          l1 = b1 * xl - a1 * yl + l2;
          l2 = b2 * xl - a2 * yl;
          left[i] = yl;
        }
      }
      st[k * 4] = l1;
      st[k * 4 + 1] = l2;
      st[k * 4 + 2] = r1;
      st[k * 4 + 3] = r2;
    }
  }

  /**
   * process() with coefficients gliding linearly between two sets laid out as retune lays them
   * (5 per section): at frame i they are from + (to − from)·(j0 + i)/span. Computed per frame from
   * its position, not accumulated, so a frame gets the same coefficients however blocks are cut.
   * Both sets must have this cascade's number of sections.
   */
  processGliding(channels: Float32Array[], frames: number, from: Float64Array, to: Float64Array, j0: number, span: number): void {
    const st = this.state;
    const left = channels[0];
    const right = channels.length > 1 ? channels[1] : null;
    const sections = Math.min(this.sections, from.length / 5, to.length / 5);
    for (let k = 0; k < sections; k++) {
      const o = k * 5;
      const fb0 = from[o], fb1 = from[o + 1], fb2 = from[o + 2], fa1 = from[o + 3], fa2 = from[o + 4];
      const db0 = to[o] - fb0, db1 = to[o + 1] - fb1, db2 = to[o + 2] - fb2, da1 = to[o + 3] - fa1, da2 = to[o + 4] - fa2;
      let l1 = st[k * 4], l2 = st[k * 4 + 1], r1 = st[k * 4 + 2], r2 = st[k * 4 + 3];
      for (let i = 0; i < frames; i++) {
        const f = (j0 + i) / span;
        const b0 = fb0 + db0 * f, b1 = fb1 + db1 * f, b2 = fb2 + db2 * f, a1 = fa1 + da1 * f, a2 = fa2 + da2 * f;
        const xl = left[i];
        const yl = b0 * xl + l1;
        l1 = b1 * xl - a1 * yl + l2;
        l2 = b2 * xl - a2 * yl;
        left[i] = yl;
        if (right) {
          const xr = right[i];
          const yr = b0 * xr + r1;
          r1 = b1 * xr - a1 * yr + r2;
          r2 = b2 * xr - a2 * yr;
          right[i] = yr;
        }
      }
      st[k * 4] = l1;
      st[k * 4 + 1] = l2;
      st[k * 4 + 2] = r1;
      st[k * 4 + 3] = r2;
    }
  }
}
