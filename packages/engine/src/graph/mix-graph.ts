import type * as ToneNamespace from 'tone';
import { dbToGain } from '../model/params';
import type { MixState } from '../model/mix-model';

export type ToneLib = typeof ToneNamespace;

/**
 * Parameter changes glide over this time (seconds): short enough that nobody hears a lag,
 * long enough that a fast fader drag never produces a click.
 */
export const PARAM_SMOOTHING_SECONDS = 0.02;

export interface LevelReading {
  /** Peak of the last analysis window, dBFS (-Infinity for silence). */
  peakDb: number;
  /** RMS of the last analysis window, dBFS. */
  rmsDb: number;
}

interface ChannelStrip {
  stemId: string;
  player: ToneNamespace.Player | null;
  fader: ToneNamespace.Gain;
  panner: ToneNamespace.Panner;
  audibility: ToneNamespace.Gain;
  analyser: ToneNamespace.Analyser<any>;
}

/**
 * The audio graph of a mix, built from the mix model and kept in step with it.
 * The same class drives live playback in the browser and offline renders in Node;
 * it only ever talks to Tone.js, which in turn sits on a standard BaseAudioContext.
 *
 * Per channel: Player → fader (Gain) → Panner (equal-power; balance for stereo) → audibility (mute/solo) → master.
 * Master: Gain → analyser → destination (or a given output node).
 */
export class MixGraph {
  private readonly strips = new Map<string, ChannelStrip>();
  private readonly buffers = new Map<string, AudioBuffer>();
  private readonly masterGain: ToneNamespace.Gain;
  private readonly masterAnalyser: ToneNamespace.Analyser<any>;
  private lastState: MixState | null = null;
  private disposed = false;
  private rate = 1;

  constructor(
    private readonly Tone: ToneLib,
    output?: ToneNamespace.InputNode,
  ) {
    this.masterGain = new Tone.Gain(1);
    this.masterAnalyser = new Tone.Analyser({ type: 'waveform', size: 2048, channels: 2 });
    this.masterGain.connect(this.masterAnalyser);
    if (output) this.masterGain.connect(output);
    else this.masterGain.toDestination();
  }

  /** The node that carries the master bus signal, for meters or recorders. */
  get masterOutput(): ToneNamespace.Gain {
    return this.masterGain;
  }

  /** Provides (or replaces) the decoded audio of a stem. */
  setStemBuffer(stemId: string, buffer: AudioBuffer): void {
    this.buffers.set(stemId, buffer);
    for (const strip of this.strips.values()) if (strip.stemId === stemId) this.attachPlayer(strip);
  }

  hasStemBuffer(stemId: string): boolean {
    return this.buffers.has(stemId);
  }

  /** Longest loaded stem, in seconds: the length of the song. */
  get duration(): number {
    let d = 0;
    for (const b of this.buffers.values()) d = Math.max(d, b.duration);
    return d;
  }

  /**
   * Brings the graph in line with a mix state: creates and removes strips, and glides
   * every parameter to its new value. Cheap to call on every change.
   */
  apply(state: MixState, options: { immediate?: boolean } = {}): void {
    if (this.disposed) return;
    const Tone = this.Tone;
    const now = Tone.now();
    const set = options.immediate ? jump : glide;
    const seen = new Set<string>();
    for (const ch of state.channels) {
      seen.add(ch.id);
      let strip = this.strips.get(ch.id);
      if (!strip) {
        strip = this.createStrip(ch.stemId);
        this.strips.set(ch.id, strip);
      } else if (strip.stemId !== ch.stemId) {
        strip.stemId = ch.stemId;
        this.attachPlayer(strip);
      }
      set(strip.fader.gain, dbToGain(ch.gain), now);
      set(strip.panner.pan, ch.pan, now);
      set(strip.audibility.gain, ch.audible ? 1 : 0, now);
    }
    for (const [id, strip] of this.strips) {
      if (!seen.has(id)) {
        disposeStrip(strip);
        this.strips.delete(id);
      }
    }
    set(this.masterGain.gain, dbToGain(state.master.gain), now);
    this.lastState = state;
  }

  get state(): MixState | null {
    return this.lastState;
  }

  /** Level of one channel after its fader, pan and mute/solo — what it contributes to the mix. */
  readChannelLevel(channelId: string): LevelReading {
    const strip = this.strips.get(channelId);
    return strip ? readLevel(strip.analyser) : { peakDb: -Infinity, rmsDb: -Infinity };
  }

  /** Level of the master bus output. */
  readMasterLevel(): LevelReading {
    return readLevel(this.masterAnalyser);
  }

  /**
   * Plays every stem slightly faster or slower (e.g. 1.001) to close a small timing gap
   * without a jump; see planDriftCorrection. Reset to 1 before the transport restarts.
   */
  setPlaybackRate(rate: number): void {
    if (!Number.isFinite(rate) || rate <= 0 || rate === this.rate) return;
    this.rate = rate;
    for (const strip of this.strips.values()) if (strip.player) strip.player.playbackRate = rate;
  }

  get playbackRate(): number {
    return this.rate;
  }

  dispose(): void {
    this.disposed = true;
    for (const strip of this.strips.values()) disposeStrip(strip);
    this.strips.clear();
    this.masterGain.dispose();
    this.masterAnalyser.dispose();
  }

  private createStrip(stemId: string): ChannelStrip {
    const Tone = this.Tone;
    const fader = new Tone.Gain(1);
    const panner = new Tone.Panner(0);
    const audibility = new Tone.Gain(1);
    const analyser = new Tone.Analyser({ type: 'waveform', size: 1024, channels: 2 });
    fader.chain(panner, audibility, this.masterGain);
    audibility.connect(analyser);
    const strip: ChannelStrip = { stemId, player: null, fader, panner, audibility, analyser };
    this.attachPlayer(strip);
    return strip;
  }

  private attachPlayer(strip: ChannelStrip): void {
    if (strip.player) {
      strip.player.unsync().dispose();
      strip.player = null;
    }
    const buffer = this.buffers.get(strip.stemId);
    if (!buffer) return;
    const player = new this.Tone.Player(new this.Tone.ToneAudioBuffer(buffer));
    player.playbackRate = this.rate;
    // Synced to the transport so that play, pause, seek and loop drive every stem sample-accurately.
    player.sync().start(0);
    player.connect(strip.fader);
    strip.player = player;
  }
}

// A linear ramp from the held current value, not setTargetAtTime: node-web-audio-api
// mis-renders setTargetAtTime after a cancel (values jump far outside the range before
// the start time), and one rendering everywhere matters more than the ramp's shape.
function glide(param: ToneNamespace.Param<any> | ToneNamespace.Signal<any>, value: number, now: number): void {
  param.cancelAndHoldAtTime(now);
  param.linearRampToValueAtTime(value, now + PARAM_SMOOTHING_SECONDS);
}

/** For offline renders: the value holds from the first sample, with no glide from a default. */
function jump(param: ToneNamespace.Param<any> | ToneNamespace.Signal<any>, value: number, now: number): void {
  param.cancelScheduledValues(now);
  param.setValueAtTime(value, now);
}

function disposeStrip(strip: ChannelStrip): void {
  strip.player?.unsync().dispose();
  strip.fader.dispose();
  strip.panner.dispose();
  strip.audibility.dispose();
  strip.analyser.dispose();
}

function readLevel(analyser: ToneNamespace.Analyser<any>): LevelReading {
  const value = analyser.getValue();
  const channels = (Array.isArray(value) ? value : [value]) as Float32Array[];
  let peak = 0;
  let sumSquares = 0;
  let n = 0;
  for (const data of channels) {
    for (let i = 0; i < data.length; i++) {
      const s = data[i];
      const a = Math.abs(s);
      if (a > peak) peak = a;
      sumSquares += s * s;
    }
    n += data.length;
  }
  const rms = n > 0 ? Math.sqrt(sumSquares / n) : 0;
  return { peakDb: peak > 0 ? 20 * Math.log10(peak) : -Infinity, rmsDb: rms > 0 ? 20 * Math.log10(rms) : -Infinity };
}
