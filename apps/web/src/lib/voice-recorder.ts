// Records a voice note: the microphone through MediaRecorder (Opus in WebM where the browser has
// it), from the moment the person holds the comment strip until they let go, then saves it as a
// comment at that time (or range). Framework-free: the strip and the panel read its snapshot.
import { VOICE_NOTE_MAX_SEC, type CommentInfo } from '@mixroom/protocol';
import type { ReviewClient } from './review';

export type RecorderPhase = 'idle' | 'opening' | 'recording' | 'saving';

export interface VoiceRecorderSnapshot {
  phase: RecorderPhase;
  atSec: number;
  endSec: number | null;
  /** Why the last attempt did not become a voice note, in words; null when it did. */
  message: string | null;
}

/** Shorter than this is a slip of the finger, not a note. */
export const MIN_RECORDING_SEC = 0.4;

export const RECORDER_MESSAGES = {
  denied: 'Microphone permission was refused, so voice notes cannot be recorded. Allow the microphone for this site in the browser and hold the strip again; text comments work as before.',
  missing: 'No microphone was found, so voice notes cannot be recorded. Connect one and hold the strip again; text comments work as before.',
  unsupported: 'This browser cannot record audio here, so voice notes cannot be recorded; text comments work as before.',
  failed: 'The microphone could not be started, so the voice note was not recorded.',
  short: 'Too short to keep: hold the strip, speak, then let go.',
} as const;

const TYPES = ['audio/webm;codecs=opus', 'audio/ogg;codecs=opus', 'audio/mp4', 'audio/webm'];

export class VoiceNoteRecorder {
  private snap: VoiceRecorderSnapshot = { phase: 'idle', atSec: 0, endSec: null, message: null };
  private readonly listeners = new Set<() => void>();
  private stream: MediaStream | null = null;
  private recorder: MediaRecorder | null = null;
  private chunks: Blob[] = [];
  private startedAt = 0;
  private letGo = false;
  private limit: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly review: Pick<ReviewClient, 'addVoiceNote'>,
    private readonly media: Pick<MediaDevices, 'getUserMedia'> | undefined = typeof navigator !== 'undefined' ? navigator.mediaDevices : undefined,
    private readonly Recorder: typeof MediaRecorder | undefined = typeof MediaRecorder !== 'undefined' ? MediaRecorder : undefined,
  ) {}

  getSnapshot = (): VoiceRecorderSnapshot => this.snap;
  subscribe = (l: () => void): (() => void) => {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  };

  /** The person holds the strip at `atSec`: open the microphone and record. */
  async start(atSec: number): Promise<void> {
    if (this.snap.phase !== 'idle') return;
    this.letGo = false;
    this.set({ phase: 'opening', atSec, endSec: null, message: null });
    if (!this.media?.getUserMedia || !this.Recorder) return this.fail(RECORDER_MESSAGES.unsupported);
    try {
      this.stream = await this.media.getUserMedia({ audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true }, video: false });
    } catch (e) {
      const name = e instanceof DOMException ? e.name : '';
      return this.fail(name === 'NotAllowedError' || name === 'SecurityError' ? RECORDER_MESSAGES.denied : name === 'NotFoundError' || name === 'OverconstrainedError' ? RECORDER_MESSAGES.missing : RECORDER_MESSAGES.failed);
    }
    // Let go while the microphone was opening: nothing was said yet.
    if (this.letGo) return this.fail(RECORDER_MESSAGES.short);
    const mimeType = TYPES.find((t) => this.Recorder!.isTypeSupported?.(t));
    const recorder = new this.Recorder(this.stream, { ...(mimeType ? { mimeType } : {}), audioBitsPerSecond: 48_000 });
    this.recorder = recorder;
    this.chunks = [];
    recorder.ondataavailable = (e) => e.data.size > 0 && this.chunks.push(e.data);
    recorder.start(250);
    this.startedAt = performance.now();
    this.limit = setTimeout(() => void this.finish(), VOICE_NOTE_MAX_SEC * 1000);
    this.set({ phase: 'recording' });
  }

  /** Dragging while recording pins the note to a range (null: back to a point). */
  setEnd(endSec: number | null): void {
    if (this.snap.phase === 'opening' || this.snap.phase === 'recording') this.set({ endSec: endSec !== null && endSec > this.snap.atSec ? endSec : null });
  }

  /** The person lets go: stop and save. Resolves with the new comment, or null (too short, failed). */
  async finish(): Promise<CommentInfo | null> {
    this.letGo = true;
    const recorder = this.recorder;
    if (this.snap.phase !== 'recording' || !recorder) return null;
    if (this.limit) clearTimeout(this.limit);
    const durationSec = (performance.now() - this.startedAt) / 1000;
    const stopped = new Promise<void>((resolve) => (recorder.onstop = () => resolve()));
    recorder.stop();
    await stopped;
    this.release();
    if (durationSec < MIN_RECORDING_SEC) {
      this.set({ phase: 'idle', message: RECORDER_MESSAGES.short });
      return null;
    }
    this.set({ phase: 'saving' });
    const audio = new Blob(this.chunks, { type: recorder.mimeType || 'audio/webm' });
    this.chunks = [];
    try {
      const note = await this.review.addVoiceNote(audio, Math.min(durationSec, VOICE_NOTE_MAX_SEC), this.snap.atSec, this.snap.endSec);
      this.set({ phase: 'idle', message: null });
      return note;
    } catch (e) {
      // The review panel shows the server's reason too; keep it here for the strip.
      this.set({ phase: 'idle', message: e instanceof Error ? e.message : String(e) });
      return null;
    }
  }

  clearMessage(): void {
    if (this.snap.message) this.set({ message: null });
  }

  dispose(): void {
    if (this.limit) clearTimeout(this.limit);
    if (this.recorder && this.recorder.state !== 'inactive') this.recorder.stop();
    this.release();
  }

  private fail(message: string): void {
    this.release();
    this.set({ phase: 'idle', message });
  }

  private release(): void {
    for (const t of this.stream?.getTracks() ?? []) t.stop();
    this.stream = null;
    this.recorder = null;
  }

  private set(patch: Partial<VoiceRecorderSnapshot>): void {
    this.snap = { ...this.snap, ...patch };
    for (const l of this.listeners) l();
  }
}
