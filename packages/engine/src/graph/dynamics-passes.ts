import type { ChannelState, MixState } from '../model/mix-model';
import { dbToGain } from '../model/params';
import { CompressorKernel, type CompressorSettings } from '../dsp/compressor';
import { TruePeakLimiterKernel } from '../dsp/limiter';
import { FourBandEq, SlopeFilter } from './nodes';
import { ParamSetter } from './smoothing';

/**
 * Offline renders run the compressor and limiter kernels on the calling thread, between
 * native-node passes, instead of in an AudioWorklet. Why: node-web-audio-api hands every
 * 128-frame block of every worklet to a separate thread and back; on an idle machine one
 * worklet node costs ~30× real time, and on this (shared, loaded) machine it fell to 0.1×
 * real time (see BENCHMARKS.md). The kernels are sample-by-sample and their settings are fixed
 * for a render, so running them over the whole pass gives exactly what the worklet would.
 * The browser does the same in renderMix, so a render is the same code everywhere; live
 * playback runs the same kernels in the 'mixroom-dynamics' worklet.
 */

export function compressorSettings(p: Record<string, number>, section: 'comp' | 'glue'): CompressorSettings {
  return {
    on: p[`${section}.on`] >= 0.5,
    thresholdDb: p[`${section}.threshold`],
    ratio: p[`${section}.ratio`],
    attackMs: p[`${section}.attack`],
    releaseMs: p[`${section}.release`],
    kneeDb: p[`${section}.knee`],
    makeupDb: p[`${section}.makeup`],
  };
}

/**
 * Pass 1 for one channel with its compressor on: stem → trim/polarity → HPF → LPF → EQ rendered
 * natively (the same node classes as ChannelStrip), then the compressor kernel. Returns the
 * compressed signal starting at song position `startSeconds`.
 */
export async function compressChannel(
  ch: ChannelState,
  stem: AudioBuffer,
  startSeconds: number,
  length: number,
  sampleRate: number,
): Promise<Float32Array[]> {
  const channels = Math.min(2, stem.numberOfChannels);
  const OfflineCtx = (globalThis as unknown as { OfflineAudioContext: typeof OfflineAudioContext }).OfflineAudioContext;
  const ctx = new OfflineCtx(channels, length, sampleRate);
  ctx.destination.channelCount = channels;
  const set = new ParamSetter(ctx);
  const p = ch.params;
  const src = ctx.createBufferSource();
  src.buffer = stem;
  const trim = ctx.createGain();
  set.set(trim.gain, dbToGain(p.trim) * (p.polarity >= 0.5 ? -1 : 1), true);
  const hpf = new SlopeFilter(ctx, 'highpass');
  const lpf = new SlopeFilter(ctx, 'lowpass');
  const eq = new FourBandEq(ctx);
  hpf.apply(p['hpf.on'] >= 0.5, p['hpf.freq'], p['hpf.slope'], set, true);
  lpf.apply(p['lpf.on'] >= 0.5, p['lpf.freq'], p['lpf.slope'], set, true);
  eq.apply(p, set, true);
  src.connect(trim).connect(hpf.input);
  hpf.output.connect(lpf.input);
  lpf.output.connect(eq.input);
  eq.output.connect(ctx.destination);
  src.start(0, startSeconds);
  const rendered = await ctx.startRendering();
  const out = Array.from({ length: channels }, (_, c) => rendered.getChannelData(c).slice());
  new CompressorKernel(sampleRate, compressorSettings(p, 'comp')).process(out, length);
  return out;
}

/** The channel as pass 2 must see it once pass 1 has done trim…compressor. */
export function withoutPreFaderProcessing(ch: ChannelState): ChannelState {
  return { ...ch, params: { ...ch.params, trim: 0, polarity: 0, 'hpf.on': 0, 'lpf.on': 0, 'eq.on': 0, 'comp.on': 0 } };
}

/** The master as pass 2 renders it: glue, limiter and output gain are applied afterwards. */
export function withoutMasterDynamics(state: MixState): MixState {
  const params = { ...state.master.params, 'glue.on': 0, 'limiter.on': 0, gain: 0 };
  return { ...state, master: { gain: 0, params } };
}

export function limiterLatency(sampleRate: number): number {
  return new TruePeakLimiterKernel(sampleRate, 1, { on: true, ceilingDb: 0, releaseMs: 50 }).latency;
}

/**
 * Pass 3: glue compressor → true-peak limiter → output gain, in place. `audio` holds
 * `latency` extra samples at the end; the result is shifted so sample 0 is song position 0.
 */
export function masterDynamics(state: MixState, audio: Float32Array[], length: number, sampleRate: number): Float32Array[] {
  const p = state.master.params;
  const total = audio[0].length;
  const glue = new CompressorKernel(sampleRate, compressorSettings(p, 'glue'));
  const limiter = new TruePeakLimiterKernel(sampleRate, audio.length, {
    on: p['limiter.on'] >= 0.5,
    ceilingDb: p['limiter.ceiling'],
    releaseMs: p['limiter.release'],
    driveDb: p['limiter.drive'],
  });
  const BLOCK = 4096;
  for (let i = 0; i < total; i += BLOCK) {
    const n = Math.min(BLOCK, total - i);
    const views = audio.map((ch) => ch.subarray(i, i + n));
    glue.process(views, n);
    limiter.process(views, n);
  }
  const g = dbToGain(state.master.gain);
  return audio.map((ch) => {
    const out = ch.slice(limiter.latency, limiter.latency + length);
    if (g !== 1) for (let i = 0; i < out.length; i++) out[i] *= g;
    return out;
  });
}
