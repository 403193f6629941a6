/**
 * Gating maths shared by the live meter and the offline measurement. Everything works
 * on mean-square "energies" (Σ G·z); LUFS = −0.691 + 10·log10(energy).
 */

export const LUFS_OFFSET = -0.691;
export const ABSOLUTE_GATE_LUFS = -70;
export const ABSOLUTE_GATE_ENERGY = Math.pow(10, (ABSOLUTE_GATE_LUFS - LUFS_OFFSET) / 10);
/** Relative gates as energy ratios: −10 LU for integrated, −20 LU for LRA. */
const REL_GATE_I = 0.1;
const REL_GATE_LRA = 0.01;

export function energyToLufs(e: number): number {
  return e > 0 ? LUFS_OFFSET + 10 * Math.log10(e) : -Infinity;
}

/** A Float64Array that doubles when full, so steady-state pushes never allocate. */
export class GrowableF64 {
  data: Float64Array;
  length = 0;
  constructor(capacity = 1024) {
    this.data = new Float64Array(capacity);
  }
  push(v: number): void {
    if (this.length === this.data.length) {
      const next = new Float64Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = v;
  }
  clear(): void {
    this.length = 0;
  }
}

/**
 * Integrated loudness (BS.1770-4 §2.6) from 400 ms block energies that already passed the
 * absolute gate (strictly above −70 LUFS). The relative gate is strict ">" as in the spec.
 */
export function integratedFromBlocks(blocks: Float64Array, n: number): number {
  if (n === 0) return -Infinity;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += blocks[i];
  const thr = (sum / n) * REL_GATE_I;
  let s = 0;
  let c = 0;
  for (let i = 0; i < n; i++) {
    const e = blocks[i];
    if (e > thr) {
      s += e;
      c++;
    }
  }
  return c === 0 ? -Infinity : energyToLufs(s / c);
}

function select(a: Float64Array, k: number, lo: number, hi: number): void {
  // Hoare-partition quickselect: O(n), so a live meter can recompute LRA without sorting.
  while (hi > lo) {
    const pivot = a[(lo + hi) >> 1];
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        const t = a[i];
        a[i] = a[j];
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return;
  }
}

export interface RangeResult {
  range: number;
  low: number;
  high: number;
}

/**
 * Loudness range (EBU Tech 3342) from short-term (3 s) energies that passed the absolute
 * gate (≥ −70 LUFS). Percentile indices follow the Tech 3342 MATLAB reference
 * (round((n−1)·p) on the sorted survivors). `scratch` must hold at least n values.
 */
export function rangeFromShortTerm(st: Float64Array, n: number, scratch: Float64Array): RangeResult {
  if (n === 0) return { range: 0, low: -Infinity, high: -Infinity };
  let sum = 0;
  for (let i = 0; i < n; i++) sum += st[i];
  const thr = (sum / n) * REL_GATE_LRA;
  let m = 0;
  for (let i = 0; i < n; i++) if (st[i] >= thr) scratch[m++] = st[i];
  const hiIdx = Math.round((m - 1) * 0.95);
  const loIdx = Math.round((m - 1) * 0.1);
  select(scratch, hiIdx, 0, m - 1);
  select(scratch, loIdx, 0, hiIdx);
  const low = energyToLufs(scratch[loIdx]);
  const high = energyToLufs(scratch[hiIdx]);
  return { range: high - low, low, high };
}
