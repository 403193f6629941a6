import type { MixState } from '../model/mix-model';
import { dbToGain, type FxBus } from '../model/params';
import { delaySeconds } from '../graph/fx-returns';
import type { MixFocus } from '../graph/mix-graph';
import { ChannelDsp, type Buses } from './channel';
import { channelPlayback } from './solo-automation';
import { MasterChainDsp, masterChainAutomation, returnChainAutomation } from './master-automation';
import type { StemSource } from './stem-source';
import { OfflineDelay, OfflineReverb } from './returns';
import { reverbRoomAutomation } from './reverb-room';
import { BusGainCurve, busAutomation, returnAudible } from './bus-automation';

/**
 * Frames per segment: the unit of the native reverb render (its tail, ~1.2 × decay, is
 * re-rendered per segment, so long segments waste less) and of the bus buffers.
 */
const SEGMENT_SECONDS = 16;
/** Frames per block inside a segment: a channel's working set stays in the CPU cache. */
const BLOCK = 4096;
/**
 * Blocks per read of a streamed stem (StemSource.prepare): 65,536 frames, 1.4 s at 48 kHz, 512 KiB
 * of stereo float. A streamed stem holds this, not a whole segment: 48 stems hold 24 MiB where
 * 16 s segments held 295 MB (and 2.7 s reads 20 MB more peak RSS in bench:render --cli), while a
 * read stays large enough for a disk or an S3 GET (220 per 5-minute stem).
 */
const READ_BLOCKS = 16;

export interface StreamRenderRequest {
  state: MixState;
  /** Stems at the render's sample rate (resampled beforehand where needed). */
  stems: ReadonlyMap<string, StemSource>;
  sampleRate: number;
  startFrame: number;
  length: number;
  focus: MixFocus;
  onProgress: (fraction: number) => void;
}

/**
 * The offline render, streamed through the song segment by segment: every channel strip runs
 * (filters, compressor, pan, fader, sends) and adds into three stereo buses; the reverb bus goes
 * through the native convolver, the delay bus through the delay kernel; the returns join the
 * dry sum, which runs through the master EQ, glue compressor, true-peak limiter and output gain,
 * straight into the result. Memory: the stems (read in place), one segment of buses, and the
 * result. Everything after each channel's compressor is linear and time-invariant, which is
 * what lets the channels be summed before the returns. The sound is that of the live graph
 * (same formulas and kernels; offline/render-equivalence.test.ts compares the two).
 */
export async function renderStream(req: StreamRenderRequest): Promise<AudioBuffer> {
  const audio = new AudioBuffer({ length: req.length, numberOfChannels: 2, sampleRate: req.sampleRate });
  // Written in place through its channel views (no per-segment copy into the platform's buffer).
  const result = [audio.getChannelData(0), audio.getChannelData(1)];
  await renderStreamInto(req, (mix, at) => mix.forEach((c, ch) => result[ch].set(c, at)));
  return audio;
}

/**
 * Receives the render in order, a piece at a time: `mix` (stereo, valid until the call returns)
 * is output frames [at, at + mix[0].length).
 */
export type RenderSink = (mix: Float32Array[], at: number) => void | Promise<void>;

/** renderStream handing each finished piece to `sink` instead of keeping the whole result. */
export async function renderStreamInto(req: StreamRenderRequest, sink: RenderSink): Promise<void> {
  const { state, sampleRate, focus, length } = req;
  const Offline = (globalThis as unknown as { OfflineAudioContext: typeof OfflineAudioContext }).OfflineAudioContext;
  const mixOut = focus.kind === 'mix';
  const p = state.master.params;
  const fxAudible = (bus: FxBus) => returnAudible(state, bus, focus);
  const segment = Math.round(SEGMENT_SECONDS * sampleRate);
  const lanes = busAutomation(state, focus);

  const reverb = fxAudible('reverb') ? new OfflineReverb(state.fx.reverb, sampleRate, segment, Offline, lanes.reverb, returnChainAutomation(state.automation, 'reverb'), reverbRoomAutomation(state.automation)) : null;
  const delay = fxAudible('delay') ? new OfflineDelay(state.fx.delay, delaySeconds(state.fx.delay.params, p.tempo), sampleRate, lanes.delay, returnChainAutomation(state.automation, 'delay'), p.tempo) : null;
  const channels: Array<{ dsp: ChannelDsp; stem: StemSource }> = [];
  for (const ch of state.channels) {
    const stem = req.stems.get(ch.stemId);
    // Automated mute (or solo): the lanes decide who is heard, the static switches do not.
    const { lanes, audible } = channelPlayback(state, ch, focus);
    if (!stem || !audible) continue;
    const dsp = new ChannelDsp(sampleRate, BLOCK, Math.min(2, stem.numberOfChannels));
    dsp.setAutomation(lanes);
    dsp.configure(ch.params, { audible: true, directOn: focus.kind !== 'fx', reverbOn: reverb !== null && !reverb.silent, delayOn: delay !== null && !delay.silent }, true);
    if (dsp.feedsAnything) channels.push({ dsp, stem });
  }
  const streamed = [...new Set(channels.map((c) => c.stem))].filter((s) => s.prepare);
  const input = [new Float32Array(BLOCK), new Float32Array(BLOCK)];
  const useReverb = reverb && !reverb.silent && channels.some((c) => c.dsp.feedsReverb) ? reverb : null;
  const useDelay = delay && !delay.silent && channels.some((c) => c.dsp.feedsDelay) ? delay : null;

  // Master: a stem (focus) is taken before the master chain, at unity.
  const master = mixOut ? new MasterChainDsp(sampleRate, p, masterChainAutomation(state.automation, mixOut)) : null;
  const outGain = mixOut ? dbToGain(state.master.gain) : 1;
  const outCurve = lanes.master ? new BusGainCurve(lanes.master, sampleRate) : null;
  const outGains = outCurve ? new Float32Array(segment) : null;
  // The limiter's look-ahead delays the output: render `latency` frames more and drop as many.
  const latency = master?.latency ?? 0;
  const total = length + latency;

  const stereo = () => [new Float32Array(segment), new Float32Array(segment)];
  const buses: Buses = { dry: stereo(), reverb: useReverb ? stereo() : [], delay: useDelay ? stereo() : [] };
  for (let seg = 0; seg < total; seg += segment) {
    const frames = Math.min(segment, total - seg);
    for (const bus of [buses.dry, buses.reverb, buses.delay]) for (const c of bus) c.fill(0);
    const from = req.startFrame + seg;
    for (let b = 0; b < frames; b += BLOCK) {
      const n = Math.min(BLOCK, frames - b);
      // Stems streamed from a cache or storage fetch their next frames now; whole buffers have nothing to do.
      if (streamed.length > 0 && b % (READ_BLOCKS * BLOCK) === 0) {
        const ahead = Math.min(READ_BLOCKS * BLOCK, frames - b);
        await Promise.all(streamed.map((stem) => stem.prepare!(from + b, ahead)));
      }
      for (const { dsp, stem } of channels) {
        const chans = dsp.channels === 1 ? [input[0].subarray(0, n)] : [input[0].subarray(0, n), input[1].subarray(0, n)];
        stem.read(from + b, n, chans);
        dsp.process(chans, n, buses, b, from + b);
      }
    }
    if (useReverb) {
      await useReverb.addSegment(buses.reverb, frames, from);
      useReverb.takeInto(buses.dry, frames, from);
    } else {
      await yieldToEventLoop(); // keeps a browser page responsive during a long render
    }
    useDelay?.processInto(buses.delay, buses.dry, frames, from);
    const mix = buses.dry.map((c) => c.subarray(0, frames));
    master?.process(mix, frames, from);
    if (outCurve && outGains) {
      // After the limiter, frame k carries song frame from + k − latency: the fader at that time.
      outCurve.fill(outGains, 0, from - latency, frames);
      for (const c of mix) for (let i = 0; i < frames; i++) c[i] *= outGains[i];
    } else if (outGain !== 1) for (const c of mix) for (let i = 0; i < frames; i++) c[i] *= outGain;
    // Frame k of this segment is output frame seg + k − latency.
    const skip = Math.max(0, latency - seg);
    const keep = Math.min(frames - skip, length - Math.max(0, seg - latency));
    if (keep > 0) await sink(mix.map((c) => c.subarray(skip, skip + keep)), Math.max(0, seg - latency));
    req.onProgress(Math.min(1, (seg + frames) / total));
  }
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}
