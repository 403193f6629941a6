import { mulberry32 } from '../util/prng';

export { mulberry32 };
// Signal generators for the loudness tests and benchmark (EBU Tech 3341/3342 definitions
// and synthetic "programme" material). Not part of the public API.

export const dbToLin = (db: number): number => Math.pow(10, db / 20);

/** Sine at `dbfs` per-channel peak level. */
export function tone(fs: number, seconds: number, dbfs: number, freq = 1000, phaseRad = 0): Float32Array {
  const n = Math.round(seconds * fs);
  const a = dbToLin(dbfs);
  const out = new Float32Array(n);
  const w = (2 * Math.PI * freq) / fs;
  for (let i = 0; i < n; i++) out[i] = a * Math.sin(w * i + phaseRad);
  return out;
}

export function silence(fs: number, seconds: number): Float32Array {
  return new Float32Array(Math.round(seconds * fs));
}

export function concat(...parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Sequence of 1 kHz tone segments [seconds, dBFS] played back to back (a level of null = silence). */
export function toneSequence(fs: number, segments: [number, number | null][]): Float32Array {
  return concat(...segments.map(([s, db]) => (db === null ? silence(fs, s) : tone(fs, s, db))));
}


/**
 * Music-like stereo programme: a chord of harmonic voices with note changes, a kick-like
 * thump and noise "hats" every beat, a section structure with quiet and loud parts (so
 * integrated, LRA and true peak all have something to measure), panned differently per
 * channel. Uses a wavetable and recursive envelopes so 10 minutes synthesise in seconds.
 */
export function musicLike(fs: number, seconds: number, seed = 1): [Float32Array, Float32Array] {
  const rnd = mulberry32(seed);
  const n = Math.round(seconds * fs);
  const L = new Float32Array(n);
  const R = new Float32Array(n);
  const TABLE = 4096;
  const table = new Float64Array(TABLE + 1);
  for (let i = 0; i <= TABLE; i++) {
    const p = (2 * Math.PI * i) / TABLE;
    // A few harmonics give a saw-ish, crest-factor-rich waveform.
    table[i] = Math.sin(p) + 0.5 * Math.sin(2 * p) + 0.33 * Math.sin(3 * p) + 0.2 * Math.sin(5 * p);
  }
  const bpm = 96 + Math.floor(rnd() * 40);
  const beat = Math.round((60 / bpm) * fs);
  const sectionLen = Math.round((4 + rnd() * 6) * fs);
  const notes = [110, 130.81, 146.83, 164.81, 196, 220, 261.63, 293.66, 329.63];
  const voices = 4;
  const inc = new Float64Array(voices);
  const phase = new Float64Array(voices);
  const pan = Float64Array.from({ length: voices }, () => rnd());
  const envDecay = Math.exp(-3 / fs);
  const kickDecay = Math.exp(-12 / fs);
  const hatDecay = Math.exp(-40 / fs);
  let sectionGain = 0.3;
  let env = 1, kickEnv = 1, hatEnv = 0, kickPhase = 0;
  let hp = 0;
  let prevNoise = 0;
  for (let i = 0; i < n; i++) {
    if (i % sectionLen === 0) sectionGain = dbToLin(-24 + rnd() * 22); // −24…−2 dB sections
    if (i % (beat * 2) === 0) {
      for (let v = 0; v < voices; v++) inc[v] = (notes[Math.floor(rnd() * notes.length)] * (1 + v)) / fs;
    }
    const ib = i % beat;
    if (ib === 0) {
      env = 1;
      kickEnv = 1;
      kickPhase = 0;
    }
    if (ib === beat >> 1) hatEnv = 1;
    let l = 0;
    let r = 0;
    for (let v = 0; v < voices; v++) {
      let p = phase[v] + inc[v];
      if (p >= 1) p -= 1;
      phase[v] = p;
      const x = p * TABLE;
      const k = x | 0;
      const s = table[k] + (x - k) * (table[k + 1] - table[k]);
      l += s * (1 - pan[v]);
      r += s * pan[v];
    }
    // Kick: a falling-pitch sine; the pitch sweep follows the same decaying envelope.
    kickPhase += (2 * Math.PI * 55 * (1 + 2 * kickEnv * kickEnv)) / fs;
    const kick = Math.sin(kickPhase) * kickEnv * 1.5;
    const noise = rnd() * 2 - 1;
    hp = 0.6 * (hp + noise - prevNoise);
    prevNoise = noise;
    const hat = hp * hatEnv * 0.6;
    const g = 0.5 * sectionGain * (0.6 + 0.4 * env);
    L[i] = g * (0.18 * l + kick + hat);
    R[i] = g * (0.18 * r + kick + 0.8 * hat);
    env *= envDecay;
    kickEnv *= kickDecay;
    hatEnv *= hatDecay;
  }
  return [L, R];
}

/** EBU 3341 cases 15–19: sine at fs/`div`, `amp` FFS, phase in degrees, 10 ms fades. */
export function tpSine(fs: number, div: number, amp: number, phaseDeg: number, seconds = 1): Float32Array {
  const n = Math.round(seconds * fs);
  const fade = Math.round(0.01 * fs);
  const x = new Float32Array(n);
  const ph = (phaseDeg * Math.PI) / 180;
  for (let i = 0; i < n; i++) {
    const e = Math.min(1, i / fade, (n - 1 - i) / fade);
    x[i] = amp * e * Math.sin((2 * Math.PI * i) / div + ph);
  }
  return x;
}

/**
 * EBU 3341 cases 20–23: an fs/6 sine at 0.5 FFS containing one phase-continuous period
 * of fs/4 at 1.0 FFS, synthesised at 4·fs, low-passed (Kaiser FIR at 20/48·fs, i.e.
 * 20 kHz at 48 kHz) and decimated by 4 starting at `offset`. Our own synthesis of the
 * definition (the official files are not available here).
 */
export function tpBurst(fs: number, offset: number, seconds = 0.5): Float32Array {
  const F = 4 * fs;
  const n = Math.round(seconds * F);
  const hi = new Float64Array(n);
  const burstStart = Math.round(n / 2 / 24) * 24; // at a zero crossing of the fs/6 sine (period 24 at 4·fs)
  const burstLen = 16; // one period of fs/4 at 4·fs
  const fade = Math.round(0.01 * F);
  let phase = 0;
  for (let i = 0; i < n; i++) {
    const inBurst = i >= burstStart && i < burstStart + burstLen;
    const e = Math.min(1, i / fade, (n - 1 - i) / fade);
    hi[i] = (inBurst ? 1 : 0.5) * e * Math.sin(phase);
    phase += (2 * Math.PI * (inBurst ? fs / 4 : fs / 6)) / F;
  }
  const taps = 1023;
  const fc = (20 / 48) * fs / F; // cycles per sample at 4·fs
  const beta = 10;
  const i0 = (x: number) => {
    let s = 1, t = 1;
    for (let k = 1; k < 60; k++) { t *= (x * x) / 4 / (k * k); s += t; }
    return s;
  };
  const h = new Float64Array(taps);
  const c = (taps - 1) / 2;
  let sum = 0;
  for (let m = 0; m < taps; m++) {
    const t = m - c;
    const sinc = t === 0 ? 2 * fc : Math.sin(2 * Math.PI * fc * t) / (Math.PI * t);
    const r = t / c;
    h[m] = sinc * (i0(beta * Math.sqrt(1 - r * r)) / i0(beta));
    sum += h[m];
  }
  for (let m = 0; m < taps; m++) h[m] /= sum;
  const outLen = Math.floor((n - offset) / 4);
  const out = new Float32Array(outLen);
  for (let o = 0; o < outLen; o++) {
    const j = o * 4 + offset;
    let acc = 0;
    for (let m = 0; m < taps; m++) {
      const idx = j - m + c;
      if (idx >= 0 && idx < n) acc += h[m] * hi[idx];
    }
    out[o] = acc;
  }
  return out;
}
