// Plays a voice note in this page: decoded whole (a spoken comment is small) and played from the
// session's AudioContext straight to the speakers, beside the music rather than through it, so
// the talkback ducker (lib/ducking.ts) can turn the music down under it without touching it.
import type { CommentInfo } from '@mixroom/protocol';
import type { ReviewClient } from './review';

export interface VoicePlayerSnapshot {
  /** The comment whose note is playing (or loading), null when none. */
  playing: string | null;
  loading: boolean;
  /** Why the last note could not be played, and which comment's it was. */
  error: string | null;
  errorFor: string | null;
}

export class VoiceNotePlayer {
  private snap: VoicePlayerSnapshot = { playing: null, loading: false, error: null, errorFor: null };
  private readonly listeners = new Set<() => void>();
  private readonly buffers = new Map<string, AudioBuffer>();
  private own: AudioContext | null = null;
  private source: AudioBufferSourceNode | null = null;
  private analyser: AnalyserNode | null = null;
  private meter: ReturnType<typeof setInterval> | null = null;
  private peak = 0;

  constructor(
    private readonly review: Pick<ReviewClient, 'fetchBytes'>,
    /** The session's context (null before its audio starts: then one of our own). */
    private readonly sessionContext: () => AudioContext | null,
  ) {}

  getSnapshot = (): VoicePlayerSnapshot => this.snap;
  subscribe = (l: () => void): (() => void) => {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  };

  /** Whether a note is playing now: the ducker's trigger besides talkback. */
  get active(): boolean {
    return this.snap.playing !== null && !this.snap.loading;
  }

  async play(c: CommentInfo): Promise<void> {
    if (!c.voice) return;
    this.stop();
    this.set({ playing: c.id, loading: true, error: null, errorFor: null });
    const ctx = this.sessionContext() ?? (this.own ??= new AudioContext());
    try {
      let buffer = this.buffers.get(c.id);
      if (!buffer) {
        const bytes = await this.review.fetchBytes(c.voice.url);
        buffer = await ctx.decodeAudioData(bytes.slice().buffer);
        if (this.buffers.size > 20) this.buffers.clear();
        this.buffers.set(c.id, buffer);
      }
      if (this.snap.playing !== c.id) return; // stopped or replaced meanwhile
      if (ctx.state === 'suspended') await ctx.resume();
      const source = ctx.createBufferSource();
      source.buffer = buffer;
      const analyser = ctx.createAnalyser();
      analyser.fftSize = 1024;
      source.connect(ctx.destination);
      source.connect(analyser);
      source.onended = () => this.source === source && this.stop();
      this.source = source;
      this.analyser = analyser;
      this.peak = 0;
      const block = new Float32Array(analyser.fftSize);
      this.meter = setInterval(() => {
        analyser.getFloatTimeDomainData(block);
        for (let i = 0; i < block.length; i++) this.peak = Math.max(this.peak, Math.abs(block[i]));
      }, 40);
      source.start();
      this.set({ loading: false });
    } catch (e) {
      this.stop();
      this.set({ error: `The voice note could not be played: ${e instanceof Error ? e.message : String(e)}`, errorFor: c.id });
    }
  }

  stop(): void {
    const source = this.source;
    this.source = null;
    if (source) {
      source.onended = null;
      try {
        source.stop();
      } catch {
        /* not started yet */
      }
      source.disconnect();
    }
    this.analyser?.disconnect();
    this.analyser = null;
    if (this.meter) clearInterval(this.meter);
    this.meter = null;
    if (this.snap.playing !== null) this.set({ playing: null, loading: false });
  }

  /** The highest sample level heard since the last call, dBFS (−Infinity: silence or nothing played). */
  takePeakLevel(): number {
    const p = this.peak;
    this.peak = 0;
    return 20 * Math.log10(p);
  }

  dispose(): void {
    this.stop();
    void this.own?.close().catch(() => undefined);
  }

  private set(patch: Partial<VoicePlayerSnapshot>): void {
    this.snap = { ...this.snap, ...patch };
    for (const l of this.listeners) l();
  }
}
