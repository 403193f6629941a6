import { DUCKER_DEFAULTS, DuckerEnvelope } from '@mixroom/engine';

export interface DuckingSnapshot {
  /** How far the music goes down while someone talks, dB (≤ 0; 0 = no ducking). */
  depthDb: number;
  /** The gain applied now, dB. */
  gainDb: number;
}

const TICK_MS = 20;
const STORAGE_KEY = 'mixroom.talk.duckDb';

/**
 * Turns this listener's music down while anyone talks (talkback), locally: a gain on the monitor
 * path after the mix and its meters (PlatformPreview.duck), so loudness readings, renders and the
 * others' music are untouched. The envelope is the engine's DuckerEnvelope (attack 30 ms, hold
 * 300 ms, release 600 ms), advanced every 20 ms by the real elapsed time and ramped onto the gain.
 */
export class MusicDucker {
  private readonly envelope: DuckerEnvelope;
  private timer: ReturnType<typeof setInterval> | null = null;
  /** Asked to run (someone may talk, a voice note plays); when not, the timer stops once the music is back. */
  private wanted = false;
  private last = 0;
  private snap: DuckingSnapshot;
  private readonly listeners = new Set<() => void>();

  constructor(
    /** The gain to drive and its context; null until the audio engine is up. */
    private readonly target: () => { gain: AudioParam; ctx: BaseAudioContext } | null,
    /** Whether someone is talking now, or a voice note plays. */
    private readonly active: () => boolean,
  ) {
    const stored = typeof localStorage !== 'undefined' ? Number(localStorage.getItem(STORAGE_KEY)) : NaN;
    const depthDb = Number.isFinite(stored) && stored <= 0 && localStorage.getItem(STORAGE_KEY) !== null ? stored : DUCKER_DEFAULTS.depthDb;
    // The envelope runs in "frames" of 1 ms: the caller's clock is the page's, not the audio thread's.
    this.envelope = new DuckerEnvelope({ sampleRate: 1000, depthDb });
    this.snap = { depthDb: this.envelope.depthDb, gainDb: 0 };
  }

  getSnapshot = (): DuckingSnapshot => this.snap;
  subscribe = (l: () => void): (() => void) => {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  };

  /**
   * On while someone may talk or a voice note plays. Off lets the envelope finish its hold and
   * release first (no jump back to full level), then the timer stops.
   */
  setRunning(on: boolean): void {
    this.wanted = on;
    if (on) this.start();
  }

  start(): void {
    this.wanted = true;
    if (this.timer) return;
    this.last = performance.now();
    this.timer = setInterval(this.tick, TICK_MS);
  }

  stop(): void {
    this.wanted = false;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.envelope.reset();
    this.apply(0);
  }

  setDepth(depthDb: number): void {
    this.envelope.setDepth(depthDb);
    try {
      localStorage.setItem(STORAGE_KEY, String(this.envelope.depthDb));
    } catch {
      /* private mode: not remembered */
    }
    this.set({ depthDb: this.envelope.depthDb });
  }

  private tick = (): void => {
    const now = performance.now();
    const elapsed = Math.min(200, now - this.last);
    this.last = now;
    const active = this.active();
    this.envelope.advance(active, elapsed);
    this.apply(TICK_MS / 1000);
    if (!this.wanted && !active && this.envelope.gainDb === 0) this.stop();
  };

  private apply(rampSeconds: number): void {
    const gainDb = this.envelope.gainDb;
    const t = this.target();
    if (t) {
      const at = t.ctx.currentTime;
      const value = 10 ** (gainDb / 20);
      t.gain.cancelScheduledValues(at);
      t.gain.setValueAtTime(t.gain.value, at);
      if (rampSeconds > 0) t.gain.linearRampToValueAtTime(value, at + rampSeconds);
      else t.gain.setValueAtTime(value, at);
    }
    if (Math.abs(gainDb - this.snap.gainDb) > 0.05 || (gainDb === 0) !== (this.snap.gainDb === 0)) this.set({ gainDb });
  }

  private set(patch: Partial<DuckingSnapshot>): void {
    this.snap = { ...this.snap, ...patch };
    for (const l of this.listeners) l();
  }
}
