// The version player: decoded versions played from ONE AudioContext clock (the session's), every
// side started on the same context frame at the same offset, so A and B stay sample-aligned and
// a switch only moves gains (a short equal-gain crossfade). Seek, loop range, level trims.
import { crossfadeCurves, deckPosition, normaliseLoop, trimGain, type LoopRange } from './deck-math';

/** Switch crossfade length, seconds. */
export const CROSSFADE_SECONDS = 0.015;
/**
 * How far ahead of the context's clock sources are started, so every side starts on the frame the
 * deck's clock says. A start the audio thread sees after its time plays at once, late, and the
 * clock is off by that much: a 'playback' context renders 1024 frames at a time, and a busy machine
 * delays the message further (50 ms was missed in CI at load 8).
 */
const startLead = (ctx: AudioContext): number => Math.max(0.1, 4 * (ctx.baseLatency || 0));
const CURVE = crossfadeCurves(64);

export interface DeckSide {
  id: string;
  buffer: AudioBuffer;
  trimDb: number;
}

export type DeckState = 'stopped' | 'playing';

interface Voice {
  side: DeckSide;
  trim: GainNode;
  fade: GainNode;
  node: AudioBufferSourceNode | null;
}

/**
 * Plays 1–n decoded versions in lock-step. `output` is what the listener hears (connected to the
 * context's destination); tests tap it. `onChange` fires on play/pause/switch/seek/loop/end.
 */
export class VersionDeck {
  readonly output: GainNode;
  private voices: Voice[] = [];
  private heardIndex = 0;
  private offset = 0;
  /** Context time at which the sources started at `offset`; null while stopped. */
  private startedAt: number | null = null;
  private loopRange: LoopRange | null = null;
  private endTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly ctx: AudioContext, private readonly onChange: () => void = () => {}) {
    this.output = ctx.createGain();
    this.output.connect(ctx.destination);
  }

  /**
   * The sides to compare (same order as the A/B buttons), at the same position; while playing,
   * playback goes on from there (a side added or dropped: every side restarts on one frame).
   */
  setSides(sides: DeckSide[]): void {
    const pos = this.position;
    const wasPlaying = this.startedAt !== null;
    // On a whole frame: the position it gives is then whole frames too, and playback goes on without a skipped sample.
    const when = this.frame(this.ctx.currentTime + startLead(this.ctx));
    const resumeAt = wasPlaying ? deckPosition(this.offset, when - this.startedAt!, this.duration, this.loopRange) : pos;
    this.stopSources(wasPlaying ? when : undefined);
    // The old voices play on until the new ones take over at `when`.
    const old = this.voices;
    const drop = () => old.forEach((v) => v.fade.disconnect());
    if (wasPlaying) setTimeout(drop, (when - this.ctx.currentTime) * 1000 + 100);
    else drop();
    this.voices = sides.map((side) => {
      const trim = this.ctx.createGain();
      const fade = this.ctx.createGain();
      trim.connect(fade).connect(this.output);
      return { side, trim, fade, node: null };
    });
    this.heardIndex = Math.min(this.heardIndex, Math.max(0, sides.length - 1));
    this.applyGains();
    this.offset = Math.min(resumeAt, this.duration);
    this.startedAt = null;
    if (wasPlaying && this.voices.length > 0 && (this.loopRange || this.offset < this.duration - 0.01)) this.startAt(when, this.offset);
    this.onChange();
  }

  /** The sides as set (for tests that compare the output with what a side holds). */
  get sides(): readonly DeckSide[] {
    return this.voices.map((v) => v.side);
  }

  setTrims(trimsDb: number[]): void {
    this.voices.forEach((v, i) => (v.side = { ...v.side, trimDb: trimsDb[i] ?? 0 }));
    this.applyGains();
  }

  get duration(): number {
    return Math.max(0, ...this.voices.map((v) => v.side.buffer.duration));
  }

  get state(): DeckState {
    return this.startedAt === null ? 'stopped' : 'playing';
  }

  get heard(): number {
    return this.heardIndex;
  }

  get loop(): LoopRange | null {
    return this.loopRange;
  }

  /** Where playback is (seconds into the versions), by the context's clock. */
  get position(): number {
    if (this.startedAt === null) return this.offset;
    return deckPosition(this.offset, this.ctx.currentTime - this.startedAt, this.duration, this.loopRange);
  }

  /** Context time at which the sources began at `offset` (for tests that capture the output). */
  get timing(): { startedAt: number | null; offset: number } {
    return { startedAt: this.startedAt, offset: this.offset };
  }

  async play(): Promise<void> {
    if (this.voices.length === 0 || this.startedAt !== null) return;
    await this.ctx.resume();
    if (!this.loopRange && this.offset >= this.duration - 0.01) this.offset = 0;
    this.startAt(this.ctx.currentTime + startLead(this.ctx), this.offset);
    this.onChange();
  }

  pause(): void {
    if (this.startedAt === null) return;
    this.offset = this.position;
    this.stopSources();
    this.startedAt = null;
    this.onChange();
  }

  /** Jumps to `seconds`; while playing every side restarts there on one shared frame. */
  seek(seconds: number): void {
    const to = Math.min(Math.max(0, seconds), this.duration);
    if (this.startedAt === null) {
      this.offset = to;
    } else {
      const when = this.ctx.currentTime + startLead(this.ctx);
      this.stopSources(when);
      this.startAt(when, to);
    }
    this.onChange();
  }

  /** Loops [a, b] (either order); null or a range under 50 ms turns looping off. */
  setLoop(a: number | null, b?: number): void {
    const previous = this.loopRange;
    const range = a === null || b === undefined ? null : normaliseLoop(a, b, this.duration);
    this.loopRange = range && { start: this.frame(range.start), end: this.frame(range.end) };
    if (this.startedAt !== null) {
      // Where the old sources will be when the new ones take over: playback goes on seamlessly.
      const when = this.ctx.currentTime + startLead(this.ctx);
      const pos = deckPosition(this.offset, when - this.startedAt, this.duration, previous);
      const inside = this.loopRange && (pos < this.loopRange.start || pos >= this.loopRange.end) ? this.loopRange.start : pos;
      this.stopSources(when);
      this.startAt(when, inside);
    }
    this.onChange();
  }

  /**
   * Makes side `index` the one heard: a 15 ms equal-gain crossfade starting at the next render
   * quantum, at the same position (the sources never stop or move).
   */
  switchTo(index: number): void {
    if (index === this.heardIndex || !this.voices[index]) return;
    const from = this.voices[this.heardIndex];
    const to = this.voices[index];
    this.heardIndex = index;
    if (this.startedAt === null) {
      this.applyGains();
    } else {
      const at = this.ctx.currentTime + 128 / this.ctx.sampleRate;
      for (const v of this.voices) v.fade.gain.cancelScheduledValues(0);
      for (const v of this.voices) if (v !== from && v !== to) v.fade.gain.setValueAtTime(0, at);
      from.fade.gain.setValueCurveAtTime(CURVE.out, at, CROSSFADE_SECONDS);
      to.fade.gain.setValueCurveAtTime(CURVE.in, at, CROSSFADE_SECONDS);
    }
    this.onChange();
  }

  dispose(): void {
    this.stopSources();
    this.startedAt = null;
    for (const v of this.voices) v.fade.disconnect();
    this.voices = [];
    this.output.disconnect();
  }

  private applyGains(): void {
    this.voices.forEach((v, i) => {
      v.trim.gain.value = trimGain(v.side.trimDb);
      v.fade.gain.cancelScheduledValues(0);
      v.fade.gain.value = i === this.heardIndex ? 1 : 0;
    });
  }

  /** Whole frames of the context: every side starts on one frame and reads whole samples (no interpolation). */
  private frame(seconds: number): number {
    return Math.round(seconds * this.ctx.sampleRate) / this.ctx.sampleRate;
  }

  private startAt(when: number, offset: number): void {
    when = this.frame(when);
    offset = this.frame(offset);
    this.offset = offset;
    this.startedAt = when;
    // A restart (seek, loop change) may interrupt a crossfade: land on its end state.
    this.applyGains();
    for (const v of this.voices) {
      const node = this.ctx.createBufferSource();
      node.buffer = v.side.buffer;
      if (this.loopRange) {
        node.loop = true;
        node.loopStart = this.loopRange.start;
        node.loopEnd = this.loopRange.end;
      }
      node.connect(v.trim);
      node.start(when, Math.min(offset, v.side.buffer.duration));
      v.node = node;
    }
    this.scheduleEnd();
  }

  /** Without a loop, playback ends at the longest side's end. */
  private scheduleEnd(): void {
    if (this.endTimer) clearTimeout(this.endTimer);
    this.endTimer = null;
    if (this.loopRange || this.startedAt === null) return;
    const remaining = this.duration - this.offset + (this.startedAt - this.ctx.currentTime);
    this.endTimer = setTimeout(() => {
      if (this.startedAt === null || this.loopRange) return;
      if (this.position < this.duration - 0.005) return this.scheduleEnd();
      this.stopSources();
      this.startedAt = null;
      this.offset = this.duration;
      this.onChange();
    }, Math.max(0, remaining * 1000 + 20));
  }

  /** Stops every source now, or at context time `when` (a jump: the old sources play on until the new ones start). */
  private stopSources(when?: number): void {
    if (this.endTimer) clearTimeout(this.endTimer);
    this.endTimer = null;
    for (const v of this.voices) {
      const node = v.node;
      if (!node) continue;
      v.node = null;
      try {
        node.stop(when ?? 0);
      } catch {
        /* never started */
      }
      if (when === undefined) node.disconnect();
      else node.onended = () => node.disconnect();
    }
  }
}

/** Fetches and decodes a version's file at the context's rate (cached per URL while in use). */
export async function decodeVersion(ctx: AudioContext, url: string, signal?: AbortSignal): Promise<AudioBuffer> {
  const res = await fetch(url, { signal });
  if (!res.ok) throw new Error(`could not load the version's audio (${res.status})`);
  try {
    return await ctx.decodeAudioData(await res.arrayBuffer());
  } catch (e) {
    throw new Error(`the browser could not decode this version: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
}
