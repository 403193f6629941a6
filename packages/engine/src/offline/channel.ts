import type { ChannelState } from '../model/mix-model';
import { EQ_BAND_TYPES, dbToGain } from '../model/params';
import { BiquadCascade, biquadCoefficients, isIdentity, type BiquadCoefficients } from '../dsp/biquad';
import { CompressorKernel } from '../dsp/compressor';
import { butterworthQs } from '../graph/nodes';
import { compressorSettings } from '../graph/dynamics-passes';

/** The three stereo buses a channel feeds: the master sum and the two send buses. */
export interface Buses {
  dry: Float32Array[];
  reverb: Float32Array[];
  delay: Float32Array[];
}

/**
 * Filters of a params record, in the order of the live strip (graph/channel-strip.ts): high-pass
 * and low-pass as 1…4 Butterworth sections, then the four EQ bands. Sections that are off, and
 * EQ bands at 0 dB (exactly unity), are left out.
 */
export function filterSections(p: Record<string, number>, sampleRate: number, withCutFilters: boolean): BiquadCoefficients[] {
  const sections: BiquadCoefficients[] = [];
  if (withCutFilters) {
    for (const type of ['hpf', 'lpf'] as const) {
      if (p[`${type}.on`] < 0.5) continue;
      const count = Math.min(4, Math.max(1, Math.round(p[`${type}.slope`]) + 1));
      for (const q of butterworthQs(count)) sections.push(biquadCoefficients(type === 'hpf' ? 'highpass' : 'lowpass', p[`${type}.freq`], 20 * Math.log10(q), 0, sampleRate));
    }
  }
  const eqOn = (p['eq.on'] ?? 1) >= 0.5;
  EQ_BAND_TYPES.forEach((type, i) => {
    const n = i + 1;
    const gain = eqOn && p[`eq${n}.on`] >= 0.5 ? p[`eq${n}.gain`] : 0;
    if (!isIdentity(type, gain)) sections.push(biquadCoefficients(type, p[`eq${n}.freq`], p[`eq${n}.q`], gain, sampleRate));
  });
  return sections;
}

/**
 * One channel strip for offline renders, the same processing as the live ChannelStrip:
 * trim/polarity → HPF → LPF → EQ → compressor kernel → pan (Web Audio StereoPanner: equal power
 * for mono, balance for stereo) → fader → direct out and pre/post sends. Block by block with its
 * state kept, so a render streams through the song with no full-length buffer per channel.
 */
export class OfflineChannel {
  private readonly data: Float32Array[];
  private readonly cascade: BiquadCascade;
  private readonly comp: CompressorKernel | null;
  private readonly trim: number;
  private readonly panGains: [number, number];
  private readonly panMode: 'mono' | 'left' | 'right';
  private readonly toDry: number;
  private readonly toReverb: number;
  private readonly toDelay: number;
  private readonly scratch: Float32Array[];
  private readonly panned: Float32Array[];

  constructor(
    ch: ChannelState,
    stem: AudioBuffer,
    private readonly startFrame: number,
    sampleRate: number,
    maxFrames: number,
    opts: { directOn: boolean; reverbOn: boolean; delayOn: boolean },
  ) {
    const p = ch.params;
    const channels = Math.min(2, stem.numberOfChannels);
    // Views, not copies: the stem is read in place (Chromium and node-web-audio-api alike).
    this.data = Array.from({ length: channels }, (_, c) => stem.getChannelData(c));
    this.scratch = Array.from({ length: channels }, () => new Float32Array(maxFrames));
    this.panned = [new Float32Array(maxFrames), new Float32Array(maxFrames)];
    this.trim = dbToGain(p.trim) * (p.polarity >= 0.5 ? -1 : 1);
    this.cascade = new BiquadCascade(filterSections(p, sampleRate, true));
    this.comp = p['comp.on'] >= 0.5 ? new CompressorKernel(sampleRate, compressorSettings(p, 'comp')) : null;
    const pan = p.pan;
    const x = channels === 1 ? (pan + 1) / 2 : pan <= 0 ? pan + 1 : pan;
    const gl = Math.cos((x * Math.PI) / 2);
    const gr = Math.sin((x * Math.PI) / 2);
    this.panMode = channels === 1 ? 'mono' : pan <= 0 ? 'left' : 'right';
    this.panGains = [gl, gr];
    const fader = dbToGain(p.gain);
    const send = (n: 1 | 2, on: boolean) => {
      if (!on) return 0;
      const level = dbToGain(p[`send${n}.level`]);
      return p[`send${n}.pre`] >= 0.5 ? level : level * fader;
    };
    this.toDry = opts.directOn ? fader : 0;
    this.toReverb = send(1, opts.reverbOn);
    this.toDelay = send(2, opts.delayOn);
  }

  /** False when the channel reaches none of the buses (silent, or every destination at −∞). */
  get feedsAnything(): boolean {
    return this.toDry !== 0 || this.toReverb !== 0 || this.toDelay !== 0;
  }

  get feedsReverb(): boolean {
    return this.toReverb !== 0;
  }

  get feedsDelay(): boolean {
    return this.toDelay !== 0;
  }

  /** Processes render frames [from, from + frames) and adds the result into buses at `busOffset`. */
  process(from: number, frames: number, buses: Buses, busOffset: number): void {
    const src = this.startFrame + from;
    const chans = this.scratch.map((s) => s.subarray(0, frames));
    const t = this.trim;
    for (let c = 0; c < chans.length; c++) {
      const out = chans[c];
      const data = this.data[c];
      const available = Math.max(0, Math.min(frames, data.length - src));
      for (let i = 0; i < available; i++) out[i] = data[src + i] * t;
      out.fill(0, available);
    }
    this.cascade.process(chans, frames);
    this.comp?.process(chans, frames);
    this.mixInto(chans, frames, buses, busOffset);
  }

  private mixInto(chans: Float32Array[], frames: number, buses: Buses, o: number): void {
    // Pan once into the scratch (rounded to 32-bit float, as a native StereoPannerNode's output),
    // then add the panned signal into each bus it feeds.
    const [gl, gr] = this.panGains;
    const inL = chans[0];
    const inR = chans.length > 1 ? chans[1] : chans[0];
    const pl = this.panned[0];
    const pr = this.panned[1];
    if (this.panMode === 'mono') {
      for (let i = 0; i < frames; i++) {
        pl[i] = inL[i] * gl;
        pr[i] = inL[i] * gr;
      }
    } else if (this.panMode === 'left') {
      for (let i = 0; i < frames; i++) {
        pl[i] = inL[i] + inR[i] * gl;
        pr[i] = inR[i] * gr;
      }
    } else {
      for (let i = 0; i < frames; i++) {
        pl[i] = inL[i] * gl;
        pr[i] = inR[i] + inL[i] * gr;
      }
    }
    if (this.toDry) addScaled(buses.dry, this.panned, this.toDry, o, frames);
    if (this.toReverb) addScaled(buses.reverb, this.panned, this.toReverb, o, frames);
    if (this.toDelay) addScaled(buses.delay, this.panned, this.toDelay, o, frames);
  }
}

function addScaled(into: Float32Array[], from: Float32Array[], g: number, o: number, frames: number): void {
  for (let c = 0; c < 2; c++) {
    const dst = into[c];
    const src = from[c];
    for (let i = 0; i < frames; i++) dst[o + i] += g * src[i];
  }
}
