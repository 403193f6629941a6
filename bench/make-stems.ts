// Long multitrack test material for benchmarks (bench:render --cli, bench:session): N stereo
// 24-bit WAV stems × M minutes, deterministic, written in seconds. Each stem plays one part of a
// song at 120 BPM (kick, snare, hats, percussion, bass, pad, keys, lead, a vowel-ish "vox",
// strummed guitar) at its own level and place in the stereo field. Two 16 s variations of each
// part are synthesized in JavaScript, and the song is arranged from them section by section
// (parts drop out in the intro and breakdowns), so an hour of stems costs the synthesis of 32 s
// per stem plus writing the files.
//
// CLI: tsx bench/make-stems.ts --count 24 --minutes 5 --dir /tmp/stems [--rate 48000]
import { mkdir, open } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mulberry32 } from '../packages/engine/src/util/prng';

export interface MakeStemsOptions {
  count: number;
  minutes: number;
  sampleRate?: number;
  dir: string;
  /** Varies the material; the same options always give byte-identical files. */
  seed?: number;
}

const BPM = 120;
const SECTION_BEATS = 32; // 8 bars of 4/4: 16 s at 120 BPM
const ROLES = ['kick', 'snare', 'hats', 'bass', 'pad', 'keys', 'perc', 'lead', 'vox', 'gtr'] as const;
type Role = (typeof ROLES)[number];
/** Where each part sits in a mix (dBFS of its peaks, roughly). */
const LEVEL_DB: Record<Role, number> = { kick: -3, snare: -5, hats: -14, bass: -6, pad: -16, keys: -12, perc: -15, lead: -10, vox: -8, gtr: -11 };
/** A minor-ish progression, one chord a bar: A minor, F, C, G (roots in Hz at octave 2). */
const ROOTS = [110, 87.31, 130.81, 98];
const CHORD = [1, 1.189, 1.498]; // root, minor third, fifth

/** Writes the stems; resolves to their paths (stem01-kick.wav, …) in order. */
export async function makeStems(o: MakeStemsOptions): Promise<string[]> {
  const sampleRate = o.sampleRate ?? 48000;
  if (!Number.isInteger(o.count) || o.count < 1) throw new RangeError(`count must be a whole number ≥ 1 (got ${o.count})`);
  if (!(o.minutes > 0)) throw new RangeError(`minutes must be > 0 (got ${o.minutes})`);
  await mkdir(o.dir, { recursive: true });
  const frames = Math.round(o.minutes * 60 * sampleRate);
  const section = Math.round(((SECTION_BEATS * 60) / BPM) * sampleRate);
  const sections = Math.ceil(frames / section);
  const paths: string[] = [];
  for (let k = 0; k < o.count; k++) {
    const role = ROLES[k % ROLES.length];
    const rnd = mulberry32((o.seed ?? 1) * 7919 + k * 104729);
    // Later copies of a role get their own level, pan, octave and rhythm.
    const copy = Math.floor(k / ROLES.length);
    const gain = 10 ** ((LEVEL_DB[role] - copy * 2.5 - rnd() * 3) / 20);
    const pan = role === 'kick' || role === 'snare' || role === 'bass' || role === 'vox' ? (rnd() - 0.5) * 0.2 : (rnd() - 0.5) * 1.6;
    const variants = [0, 1].map((v) => pcm24(synthesize(role, section, sampleRate, mulberry32(k * 31 + v + 1), v, copy), gain, pan));
    const silence = new Uint8Array(section * 6);
    const file = join(o.dir, `stem${String(k + 1).padStart(2, '0')}-${role}${copy ? copy + 1 : ''}.wav`);
    const fh = await open(file, 'w');
    try {
      await fh.write(wavHeader(frames, sampleRate));
      for (let s = 0; s < sections; s++) {
        const n = Math.min(section, frames - s * section);
        const plays = arranged(role, s, sections, rnd);
        const bytes = plays < 0 ? silence : variants[plays];
        await fh.write(bytes, 0, n * 6);
      }
    } finally {
      await fh.close();
    }
    paths.push(file);
  }
  return paths;
}

/** Which variation a part plays in section `s` (−1: tacet): intro, verses, a breakdown, an outro. */
function arranged(role: Role, s: number, total: number, rnd: () => number): number {
  const drums = role === 'kick' || role === 'snare' || role === 'hats' || role === 'perc';
  if (s === 0) return role === 'pad' || role === 'keys' || role === 'gtr' ? 0 : -1; // intro
  if (total > 4 && s % 6 === 4) return drums || role === 'bass' ? -1 : 1; // breakdown
  if (s === total - 1 && total > 2) return drums ? -1 : 0; // outro
  if (role === 'lead' || role === 'vox') return rnd() < 0.25 ? -1 : s % 2;
  return s % 2;
}

function synthesize(role: Role, frames: number, fs: number, rnd: () => number, variant: number, copy: number): Float32Array {
  const x = new Float32Array(frames);
  const beat = Math.round((60 / BPM) * fs);
  const bar = beat * 4;
  const hit = (at: number, len: number, fn: (i: number, t: number) => number) => {
    for (let i = 0; i < len && at + i < frames; i++) x[at + i] += fn(i, i / fs);
  };
  const noise = () => rnd() * 2 - 1;
  const octave = 2 ** (copy % 2);
  const rootAt = (i: number) => ROOTS[Math.floor(i / bar) % ROOTS.length] * octave;
  switch (role) {
    case 'kick':
      for (let b = 0; b < frames / beat; b++) {
        if (variant === 1 && b % 8 === 7) hit(b * beat + beat / 2, beat / 2, (_i, t) => Math.sin(2 * Math.PI * 50 * t) * Math.exp(-t * 18));
        hit(b * beat, beat, (_i, t) => Math.sin(2 * Math.PI * (45 * t + 60 * (1 - Math.exp(-t * 30)) / 30)) * Math.exp(-t * 9));
      }
      break;
    case 'snare':
      for (let b = 1; b < frames / beat; b += 2) hit(b * beat, beat / 2, (_i, t) => (0.6 * noise() + 0.4 * Math.sin(2 * Math.PI * 190 * t)) * Math.exp(-t * 22));
      break;
    case 'hats': {
      const step = beat / (variant ? 4 : 2);
      let hp = 0;
      for (let s = 0; s < frames / step; s++) {
        const accent = s % 2 === 0 ? 1 : 0.55;
        hit(Math.round(s * step), Math.round(step), (_i, t) => {
          const n = noise();
          const y = n - hp; // a one-pole high-pass: hiss, not rumble
          hp = n;
          return 0.5 * y * accent * Math.exp(-t * (variant ? 60 : 35));
        });
      }
      break;
    }
    case 'perc':
      for (let s = 0; s < frames / (beat / 2); s++) if (rnd() < 0.45) hit(Math.round((s * beat) / 2), beat / 2, (_i, t) => Math.sin(2 * Math.PI * (300 + 200 * (s % 3)) * t) * Math.exp(-t * 30) + 0.2 * noise() * Math.exp(-t * 80));
      break;
    case 'bass': {
      let ph = 0;
      for (let i = 0; i < frames; i++) {
        const eighth = Math.floor(i / (beat / 2));
        const f = rootAt(i) / 2 * (variant && eighth % 4 === 3 ? 1.498 : 1);
        ph += f / fs;
        const gate = (i % (beat / 2)) / (beat / 2) < 0.8 ? 1 : 0;
        x[i] = gate * (Math.sin(2 * Math.PI * ph) + 0.3 * Math.sin(4 * Math.PI * ph) + 0.15 * Math.sin(6 * Math.PI * ph));
      }
      break;
    }
    case 'pad':
    case 'gtr':
    case 'keys': {
      const ph = new Float64Array(3);
      const pluck = role !== 'pad';
      const every = role === 'gtr' ? beat / 2 : role === 'keys' ? beat : bar;
      for (let i = 0; i < frames; i++) {
        const r = rootAt(i) * (role === 'pad' ? 2 : 4) * (variant && role !== 'pad' ? 1.5 : 1);
        const age = (i % every) / fs;
        const env = pluck ? Math.exp(-age * (role === 'gtr' ? 6 : 3)) : 0.6 + 0.4 * Math.sin((2 * Math.PI * i) / (bar * 2));
        let y = 0;
        for (let v = 0; v < 3; v++) {
          ph[v] += (r * CHORD[v] * (1 + 0.002 * v)) / fs;
          const p = ph[v] % 1;
          y += role === 'pad' ? 2 * p - 1 : Math.sin(2 * Math.PI * p) + 0.25 * Math.sin(6 * Math.PI * p);
        }
        x[i] = (y / 3) * env;
      }
      break;
    }
    case 'lead':
    case 'vox': {
      let ph = 0;
      let vib = 0;
      const scale = [1, 1.122, 1.189, 1.335, 1.498, 1.682, 1.782, 2];
      let note = 0;
      for (let i = 0; i < frames; i++) {
        if (i % beat === 0) note = Math.floor(rnd() * scale.length);
        vib += 5.5 / fs;
        const f = rootAt(i) * (role === 'vox' ? 2 : 4) * scale[(note + variant * 2) % scale.length] * (1 + 0.006 * Math.sin(2 * Math.PI * vib));
        ph += f / fs;
        const p = ph % 1;
        const age = (i % beat) / fs;
        const env = Math.min(1, age * 40) * (role === 'vox' ? 0.8 + 0.2 * Math.sin(2 * Math.PI * age * 2) : Math.exp(-age * 2));
        // "vox": a buzz through two fixed formant-ish partials; "lead": a brighter saw-ish tone.
        const y = role === 'vox' ? Math.sin(2 * Math.PI * p) + 0.5 * Math.sin(2 * Math.PI * p * 3) + 0.35 * Math.sin(2 * Math.PI * p * 5) + 0.05 * noise() : 2 * p - 1;
        x[i] = y * env * 0.6;
      }
      break;
    }
  }
  let peak = 0;
  for (let i = 0; i < frames; i++) peak = Math.max(peak, Math.abs(x[i]));
  if (peak > 0) for (let i = 0; i < frames; i++) x[i] /= peak;
  return x;
}

/** A mono part at `gain`, panned (equal power) into interleaved stereo 24-bit little-endian. */
function pcm24(x: Float32Array, gain: number, pan: number): Uint8Array {
  const gl = gain * Math.cos(((pan + 1) * Math.PI) / 4);
  const gr = gain * Math.sin(((pan + 1) * Math.PI) / 4);
  const out = new Uint8Array(x.length * 6);
  for (let i = 0, o = 0; i < x.length; i++) {
    for (const g of [gl, gr]) {
      const v = Math.max(-8388608, Math.min(8388607, Math.round(x[i] * g * 8388607)));
      out[o++] = v & 0xff;
      out[o++] = (v >> 8) & 0xff;
      out[o++] = (v >> 16) & 0xff;
    }
  }
  return out;
}

function wavHeader(frames: number, sampleRate: number): Uint8Array {
  const dataBytes = frames * 6;
  if (dataBytes + 36 > 0xffffffff) throw new RangeError('stem too long for a RIFF WAV (over 4 GiB)');
  const b = new Uint8Array(44);
  const v = new DataView(b.buffer);
  const tag = (at: number, s: string) => [...s].forEach((c, i) => (b[at + i] = c.charCodeAt(0)));
  tag(0, 'RIFF');
  v.setUint32(4, 36 + dataBytes, true);
  tag(8, 'WAVE');
  tag(12, 'fmt ');
  v.setUint32(16, 16, true);
  v.setUint16(20, 1, true); // PCM
  v.setUint16(22, 2, true);
  v.setUint32(24, sampleRate, true);
  v.setUint32(28, sampleRate * 6, true);
  v.setUint16(32, 6, true);
  v.setUint16(34, 24, true);
  tag(36, 'data');
  v.setUint32(40, dataBytes, true);
  return b;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const arg = (name: string, def?: string) => {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 ? process.argv[i + 1] : def;
  };
  const dir = arg('dir');
  if (!dir) {
    process.stderr.write('usage: tsx bench/make-stems.ts --count 24 --minutes 5 --dir <folder> [--rate 48000] [--seed 1]\n');
    process.exit(2);
  }
  const t0 = performance.now();
  const paths = await makeStems({ count: Number(arg('count', '24')), minutes: Number(arg('minutes', '5')), sampleRate: Number(arg('rate', '48000')), dir, seed: Number(arg('seed', '1')) });
  process.stderr.write(`${paths.length} stems in ${dir} (${((performance.now() - t0) / 1000).toFixed(1)} s)\n`);
}
