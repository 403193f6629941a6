import type * as ToneNamespace from 'tone';
import type { ChannelState } from '../model/mix-model';
import { dbToGain } from '../model/params';
import { DynamicsNode, hasDynamicsWorklet } from './dynamics-node';
import { FourBandEq, SlopeFilter, StereoMatrix, gainNode } from './nodes';
import { panMatrix } from '../offline/channel';
import type { ParamSetter } from './smoothing';
import { StemPlayer } from './stem-player';

export type ToneLib = typeof ToneNamespace;

export interface StripTargets {
  /** The master bus summing point. */
  master: AudioNode;
  /** Inputs of the FX returns, in send order (send1 → reverb, send2 → delay). */
  sends: AudioNode[];
}

/**
 * One channel strip, in signal order:
 * player → trim/polarity → HPF → LPF → 4-band EQ → compressor (AudioWorklet, created when first
 * switched on) → pan (StereoMatrix with offline/channel.ts panMatrix) → mute/solo →
 * [pre-fader sends] → fader → [post-fader sends] → direct out → master.
 */
export class ChannelStrip {
  player: StemPlayer | null = null;
  readonly trim: GainNode;
  readonly hpf: SlopeFilter;
  readonly lpf: SlopeFilter;
  readonly eq: FourBandEq;
  comp: DynamicsNode | null = null;
  private compChannels = 0;
  /** The params the compressor was last built from (a stem change rebuilds it). */
  private lastParams: Record<string, number> = {};
  readonly panner: StereoMatrix;
  private pan: { value: number; law: number; set: ParamSetter } | null = null;
  readonly audibility: GainNode;
  readonly fader: GainNode;
  readonly direct: GainNode;
  readonly sendPre: GainNode[];
  readonly sendPost: GainNode[];
  readonly sendLevel: GainNode[];
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- Tone's Analyser is generic over its reading's type; a level reads either
  analyser: ToneNamespace.Analyser<any> | null = null;
  /** Channel count of the attached stem (1 or 2). */
  stemChannels = 2;

  constructor(
    private readonly Tone: ToneLib,
    private readonly ctx: BaseAudioContext,
    public stemId: string,
    targets: StripTargets,
    meter: boolean,
  ) {
    this.trim = gainNode(ctx);
    this.hpf = new SlopeFilter(ctx, 'highpass');
    this.lpf = new SlopeFilter(ctx, 'lowpass');
    this.eq = new FourBandEq(ctx);
    this.panner = new StereoMatrix(ctx);
    this.audibility = gainNode(ctx);
    this.fader = gainNode(ctx);
    this.direct = gainNode(ctx);
    this.trim.connect(this.hpf.input);
    this.hpf.output.connect(this.lpf.input);
    this.lpf.output.connect(this.eq.input);
    this.eq.output.connect(this.panner.input);
    this.panner.output.connect(this.audibility).connect(this.fader).connect(this.direct).connect(targets.master);
    this.sendPre = targets.sends.map(() => gainNode(ctx, 0));
    this.sendPost = targets.sends.map(() => gainNode(ctx, 1));
    this.sendLevel = targets.sends.map((dest) => {
      const level = gainNode(ctx, 0);
      level.connect(dest);
      return level;
    });
    targets.sends.forEach((_, i) => {
      this.audibility.connect(this.sendPre[i]).connect(this.sendLevel[i]);
      this.fader.connect(this.sendPost[i]).connect(this.sendLevel[i]);
    });
    if (meter) {
      this.analyser = new Tone.Analyser({ type: 'waveform', size: 1024, channels: 2 });
      Tone.connect(this.fader, this.analyser);
    }
  }

  /** Glides every parameter of the strip to the state (or jumps, for offline renders). */
  apply(ch: ChannelState, audible: boolean, directOn: boolean, set: ParamSetter, immediate: boolean): string | null {
    const p = ch.params;
    set.set(this.trim.gain, dbToGain(p.trim) * (p.polarity >= 0.5 ? -1 : 1), immediate);
    this.hpf.apply(p['hpf.on'] >= 0.5, p['hpf.freq'], p['hpf.slope'], set, immediate);
    this.lpf.apply(p['lpf.on'] >= 0.5, p['lpf.freq'], p['lpf.slope'], set, immediate);
    this.eq.apply(p, set, immediate);
    let note: string | null = null;
    if (p['comp.on'] >= 0.5 || this.comp) {
      if (hasDynamicsWorklet(this.ctx)) {
        this.ensureCompressor(p);
        this.comp!.applyCompressor(p, 'comp', set, immediate);
      } else note = `${ch.name}: compressor not available (dynamics worklet not loaded), playing uncompressed`;
    }
    this.pan = { value: p.pan, law: p['pan.law'] ?? 0, set };
    this.panner.apply(panMatrix(p.pan, this.stemChannels, this.pan.law), set, immediate);
    set.set(this.audibility.gain, audible ? 1 : 0, immediate);
    set.set(this.fader.gain, dbToGain(p.gain), immediate);
    set.set(this.direct.gain, directOn ? 1 : 0, immediate);
    for (let i = 0; i < this.sendLevel.length; i++) {
      const pre = p[`send${i + 1}.pre` as 'send1.pre'] >= 0.5;
      set.set(this.sendPre[i].gain, pre ? 1 : 0, immediate);
      set.set(this.sendPost[i].gain, pre ? 0 : 1, immediate);
      set.set(this.sendLevel[i].gain, dbToGain(p[`send${i + 1}.level` as 'send1.level']), immediate);
    }
    return note;
  }

  /** Plugs the compressor in between EQ and pan, sized to the stem's channel count. */
  private ensureCompressor(p: Record<string, number>): void {
    if (this.comp && this.compChannels === this.stemChannels) return;
    this.eq.output.disconnect();
    this.comp?.disconnect();
    this.comp = new DynamicsNode(this.ctx, 'channel', this.stemChannels, DynamicsNode.compressorValues(p, 'comp'));
    this.lastParams = p;
    this.compChannels = this.stemChannels;
    this.eq.output.connect(this.comp.node).connect(this.panner.input);
  }

  attach(buffer: AudioBuffer | undefined, rate: number): void {
    if (this.player) {
      this.player.dispose();
      this.player = null;
    }
    if (!buffer) return;
    const player = new StemPlayer(this.ctx, buffer);
    player.playbackRate = rate;
    // The graph's TransportFollower starts and stops it with the transport.
    player.output.connect(this.trim);
    this.player = player;
    const channels = Math.min(2, buffer.numberOfChannels);
    if (channels !== this.stemChannels) {
      this.stemChannels = channels;
      if (this.comp) this.ensureCompressor(this.lastParams);
      // The pan law depends on the channel count.
      const pan = this.pan;
      if (pan) this.panner.apply(panMatrix(pan.value, channels, pan.law), pan.set, true);
    }
  }

  dispose(): void {
    this.player?.dispose();
    this.trim.disconnect();
    this.hpf.disconnect();
    this.lpf.disconnect();
    this.eq.disconnect();
    this.comp?.disconnect();
    this.panner.disconnect();
    for (const n of [this.audibility, this.fader, this.direct, ...this.sendPre, ...this.sendPost, ...this.sendLevel]) n.disconnect();
    this.analyser?.dispose();
  }
}
