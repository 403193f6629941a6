/**
 * The talkback ducker as one audio-thread block processor: the voices arriving in this page (a
 * mono sidechain) go through the VoiceActivityDetector, and while voice is active, or while
 * `force` says so (this person talking, a voice note playing), the DuckerEnvelope turns the music
 * down sample by sample. Runs in the 'mixroom-ducker' AudioWorklet (worklet/ducker-processor.ts)
 * and, in the tests, in Node: the same code, so it does not depend on any page timer.
 */
import { DuckerEnvelope, DUCKER_DEFAULTS } from './ducker';
import { VoiceActivityDetector } from './voice-activity';

export const DUCKER_PROCESSOR_NAME = 'mixroom-ducker';

/** Messages to the processor. */
export type DuckerCommand = { type: 'depth'; depthDb: number } | { type: 'force'; on: boolean };
/** Posted by the processor when the gain changed by ≥ 0.05 dB, at most every `REPORT_MS`: the gain now. */
export interface DuckerReport { type: 'gain'; gainDb: number; voice: boolean; at: number }
export const DUCKER_REPORT_MS = 20;

export class SidechainDucker {
  readonly envelope: DuckerEnvelope;
  readonly vad: VoiceActivityDetector;
  /** Duck whatever the sidechain holds: this person talks, or a voice note plays. */
  force = false;
  private gains: Float32Array;
  private silence: Float32Array;

  constructor(sampleRate: number, depthDb: number = DUCKER_DEFAULTS.depthDb, maxBlock = 128) {
    this.envelope = new DuckerEnvelope({ sampleRate, depthDb });
    this.vad = new VoiceActivityDetector({ sampleRate });
    this.gains = new Float32Array(maxBlock);
    this.silence = new Float32Array(maxBlock);
  }

  /** Whether the voices on the sidechain are speaking now (after the detector's onset and hangover). */
  get voice(): boolean {
    return this.vad.active;
  }

  /**
   * Ducks `music` (each channel, `length` frames, in place) by the envelope driven by `sidechain`
   * (null: nobody's voice is connected, i.e. silence). Returns the gain after the block, dB.
   */
  process(music: Float32Array[], sidechain: Float32Array | null, length: number): number {
    if (length > this.gains.length) {
      // Only when a host's block is larger than declared (never in an AudioWorklet: 128 frames).
      this.gains = new Float32Array(length);
      this.silence = new Float32Array(length);
    }
    const voice = this.vad.process(sidechain ?? this.silence, length);
    const g = this.gains;
    this.envelope.process(voice || this.force, g, length);
    for (const ch of music) for (let i = 0; i < length; i++) ch[i] *= g[i];
    return this.envelope.gainDb;
  }
}
