import { DELIVERY_TARGETS, platformPlaybackGain, type DeliveryTarget, type ToneLib } from '@mixroom/engine';
import type * as ToneNamespace from 'tone';

export interface PlatformPreviewSnapshot {
  /** The platform whose normalisation is being heard; null = the master as it is. */
  platformId: string | null;
  /** Gain currently applied on the monitor path, dB. */
  gainDb: number;
  /** The measurement the gain was computed from (integrated LUFS, dBTP); null before any. */
  basis: { integrated: number; truePeak: number } | null;
}

/** Gain changes smaller than this are not worth a ramp (and would make the level wander). */
const MIN_CHANGE_DB = 0.1;
const RAMP_SECONDS = 0.5;

/**
 * "Hear it as Spotify would play it": a monitor-only gain after the master bus that applies a
 * platform's loudness normalisation to what this listener hears. It never touches the shared
 * mix, the master meters (they measure before it) or renders; each person picks their own.
 */
export class PlatformPreview {
  readonly input: ToneNamespace.Gain;
  /**
   * The last node before the speakers, at unity: the talkback ducker's worklet (lib/ducking.ts) sits
   * just before it, after the mix, its meters and this preview, so loudness readings and renders
   * never see the ducking; what comes out of here is what the listener hears.
   */
  readonly duck: GainNode;
  private snap: PlatformPreviewSnapshot = { platformId: null, gainDb: 0, basis: null };
  private readonly listeners = new Set<() => void>();

  constructor(private readonly Tone: ToneLib) {
    this.input = new Tone.Gain(1);
    const ctx = Tone.getContext().rawContext as unknown as AudioContext;
    this.duck = ctx.createGain();
    this.input.connect(this.duck);
    this.duck.connect(ctx.destination);
  }

  /** Puts the talkback ducker (an AudioWorkletNode, lib/ducking.ts) between the preview and `duck`. */
  insertDucker(node: AudioNode): void {
    this.input.disconnect(this.duck);
    this.input.connect(node);
    node.connect(this.duck);
  }

  getSnapshot = (): PlatformPreviewSnapshot => this.snap;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  select(platformId: string | null): void {
    const target = platformId ? DELIVERY_TARGETS.find((t) => t.id === platformId) : null;
    if (platformId && !target) throw new Error(`unknown platform ${platformId}`);
    this.snap = { ...this.snap, platformId: target?.id ?? null };
    this.apply(target ?? null, true);
  }

  /** A new loudness measurement of the master (live meter or a whole-song analysis). */
  measured(basis: { integrated: number; truePeak: number }): void {
    // Silence or a meter reset says nothing new: keep the last gain instead of jumping to 0 dB
    // (a loud master would blast for the first second of every playback).
    if (!Number.isFinite(basis.integrated)) return;
    this.snap = { ...this.snap, basis };
    const target = this.snap.platformId ? DELIVERY_TARGETS.find((t) => t.id === this.snap.platformId) ?? null : null;
    this.apply(target, false);
  }

  private apply(target: DeliveryTarget | null, force: boolean): void {
    const basis = this.snap.basis;
    const gainDb = target && basis && Number.isFinite(basis.integrated) ? platformPlaybackGain(basis, target).gainDb : 0;
    const changed = force || Math.abs(gainDb - this.snap.gainDb) >= MIN_CHANGE_DB;
    if (changed) {
      this.snap = { ...this.snap, gainDb };
      this.ramp(RAMP_SECONDS);
    }
    // The basis is shown only while a platform is heard: with none, a new reading (ten a second)
    // changes nothing on screen and must not re-render the loudness panel.
    if (changed || target) for (const l of this.listeners) l();
  }

  private ramp(seconds: number): void {
    const value = this.Tone.dbToGain(this.snap.gainDb);
    // Not Param.rampTo: a second rampTo while one is running left the gain at its old value.
    const now = this.Tone.now();
    this.input.gain.cancelAndHoldAtTime(now);
    this.input.gain.linearRampToValueAtTime(value, now + seconds);
  }

  dispose(): void {
    this.listeners.clear();
    this.input.dispose();
    this.duck.disconnect();
  }
}
