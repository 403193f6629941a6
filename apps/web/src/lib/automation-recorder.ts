import {
  parseParamKey,
  paramDefFor,
  valueAt,
  laneFromPoints,
  type AutomationLane,
  type AutomationMode,
  type AutomationPoint,
  type MixModel,
} from '@mixroom/engine';

/** Recorded moves go into the document this often (everyone sees the curve grow at this rate). */
export const FLUSH_MS = 100;
/** After a Touch release (or a Latch stop) the lane glides back to its curve over this time. */
export const RETURN_SECONDS = 0.1;
/** Write mode samples the control this often while playing. */
const WRITE_SAMPLE_SECONDS = 0.05;
/** Controls Write mode writes on its own (the others only when moved). */
const WRITE_PARAMS = ['gain', 'pan'];

interface Take {
  key: string;
  /** The curve before this take, or its pass after a loop (null: none; then the static value before it). */
  before: AutomationLane | null;
  staticBefore: number;
  /** Song time of the take's first point, and of the last point written into the document. */
  from: number;
  flushedTo: number;
  pending: AutomationPoint[];
  /** True once the first points are in the document: later flushes start after the last one. */
  flushed: boolean;
  last: AutomationPoint | null;
  held: boolean;
  mode: AutomationMode;
}

/**
 * Turns moves of controls during playback into automation, per the strip's write mode:
 * - touch: records while the control is held; on release the lane returns to its curve;
 * - latch: records from the first move until playback stops, keeping the last value;
 * - write: records the fader and pan from play to stop, moved or not (others when moved);
 * - read/off: moves only change the static value.
 * Moves are written into the shared document every FLUSH_MS (thinned by the store). While a take
 * records, the recorder's own playback follows the control, not the lane (`recording`).
 */
export class AutomationRecorder {
  private readonly takes = new Map<string, Take>();
  private readonly heldKeys = new Set<string>();
  /** Static values as of the grab (a move reports its new value only): what Touch returns to. */
  private readonly grabbedAt = new Map<string, number>();
  private timer: ReturnType<typeof setInterval> | null = null;
  private lastWriteSample = -Infinity;
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly model: MixModel,
    /** Song position (s) while playing, null while stopped. */
    private readonly playhead: () => number | null,
    /** Where playback loops back from (s), null when it does not loop. */
    private readonly loopEnd: () => number | null = () => null,
  ) {}

  /** Lane keys this person is recording now. */
  get recording(): ReadonlySet<string> {
    return new Set(this.takes.keys());
  }

  /** Whether this person is recording the lane of `key` now (cheaper than `recording`). */
  isRecording(key: string): boolean {
    return this.takes.has(key);
  }

  onRecordingChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private modeOf(key: string): AutomationMode | null {
    const parsed = parseParamKey(key);
    if (!parsed || !paramDefFor(parsed.scope, parsed.paramId)) return null;
    return this.model.automation.getMode(parsed.scope);
  }

  /** A control was grabbed or let go (the presence "held" signal). */
  hold(key: string, held: boolean): void {
    if (held) {
      this.heldKeys.add(key);
      if (this.modeOf(key) !== null) this.grabbedAt.set(key, this.staticValue(key));
    } else this.heldKeys.delete(key);
    const take = this.takes.get(key);
    if (take) {
      take.held = held;
      if (!held && take.mode === 'touch') this.finish(take, this.playhead());
    }
  }

  /** Parameters this person just changed (local edits). */
  moved(keys: Iterable<string>): void {
    const now = this.playhead();
    if (now === null) return;
    for (const key of keys) {
      const mode = this.modeOf(key);
      if (mode !== 'touch' && mode !== 'latch' && mode !== 'write') continue;
      // Touch records only what is held (a click on a switch is a hold too short to see: allow it).
      const take = this.takes.get(key) ?? this.begin(key, mode, now);
      this.record(take, now, this.staticValue(key));
    }
  }

  private staticValue(key: string): number {
    const parsed = parseParamKey(key)!;
    return this.model.getParam(parsed.scope, parsed.paramId);
  }

  private begin(key: string, mode: AutomationMode, now: number): Take {
    const parsed = parseParamKey(key)!;
    const def = paramDefFor(parsed.scope, parsed.paramId)!;
    const points = this.model.automation.points(key);
    const take: Take = {
      key,
      before: points.length > 0 ? laneFromPoints(points, def) : null,
      staticBefore: this.grabbedAt.get(key) ?? this.staticValue(key),
      from: now,
      flushedTo: now,
      pending: [],
      flushed: false,
      last: null,
      held: this.heldKeys.has(key),
      mode,
    };
    // Punch in: the old curve (or, on an empty lane, the static value) holds right up to the take.
    if (now > 0.01) take.pending.push({ t: now - 0.01, v: take.before ? valueAt(take.before, now - 0.01) : take.staticBefore, shape: 'linear' });
    this.takes.set(key, take);
    this.ensureTimer();
    for (const l of this.listeners) l();
    return take;
  }

  private record(take: Take, t: number, v: number): void {
    if (take.last && t < take.last.t - 1e-6) this.wrap(take, t);
    const p: AutomationPoint = { t, v, shape: 'linear' };
    take.pending.push(p);
    take.last = p;
  }

  private ensureTimer(): void {
    this.timer ??= setInterval(() => this.tick(), FLUSH_MS / 2);
  }

  /** Flushes recorded moves, samples Write mode, and ends takes when playback stopped. */
  tick(): void {
    const now = this.playhead();
    if (now === null) {
      for (const take of [...this.takes.values()]) this.finish(take, take.last?.t ?? take.flushedTo);
      this.lastWriteSample = -Infinity;
      if (this.takes.size === 0 && this.timer) {
        clearInterval(this.timer);
        this.timer = null;
      }
      return;
    }
    if (Math.abs(now - this.lastWriteSample) >= WRITE_SAMPLE_SECONDS) {
      this.lastWriteSample = now;
      this.sampleWriteMode(now);
    }
    for (const take of this.takes.values()) {
      if (take.last && now < take.last.t - 1e-6) this.wrap(take, now);
      // Latch (and Write) hold the last value while the control rests.
      if ((take.mode === 'latch' || take.mode === 'write') && take.last && now > take.last.t + WRITE_SAMPLE_SECONDS) this.record(take, now, take.last.v);
      this.flush(take);
    }
  }

  /** Starts Write-mode takes of the fader and pan of every strip in Write (called while playing). */
  private sampleWriteMode(now: number): void {
    for (const ch of this.model.listChannels()) {
      if (this.model.automation.getMode({ kind: 'channel', channelId: ch.id }) !== 'write') continue;
      for (const id of WRITE_PARAMS) {
        const key = `ch:${ch.id}/${id}`;
        const take = this.takes.get(key) ?? this.begin(key, 'write', now);
        this.record(take, now, this.staticValue(key));
      }
    }
    this.ensureTimer();
  }

  private flush(take: Take): void {
    if (take.pending.length === 0) return;
    const pts = take.pending;
    take.pending = [];
    const to = pts[pts.length - 1].t;
    // Each flush replaces what lies after the previous one (whose last point stays).
    const from = take.flushed ? take.flushedTo + 1e-6 : Math.min(take.from, pts[0].t);
    this.model.automation.replace(take.key, Math.min(from, to), to, pts);
    take.flushedTo = to;
    take.flushed = true;
  }

  /**
   * Playback jumped back to `now` (a loop, or a seek) during the take: this pass ends at the loop
   * end (holding its last value there) and the take goes on from `now` as a new pass. Nothing
   * joins the two: no segment is written across the jump, and the first pass stays in the lane
   * until the new one writes over it.
   */
  private wrap(take: Take, now: number): void {
    const last = take.last!;
    const loopEnd = this.loopEnd();
    if (loopEnd !== null && loopEnd > last.t && loopEnd - last.t <= 1) take.pending.push({ t: loopEnd, v: last.v, shape: 'linear' });
    this.flush(take);
    // The lane as it is now (the first pass included) is what the new pass punches into and
    // what a release returns to; it holds right up to the new pass (no ramp from its previous point).
    take.before = this.model.automation.lane(take.key);
    if (take.before && now > 0.01) take.pending.push({ t: now - 0.01, v: valueAt(take.before, now - 0.01), shape: 'linear' });
    take.from = now;
    take.flushedTo = now;
    take.flushed = false;
    // Latch and Write keep the value across the jump; a Touch release returns to the lane from here.
    take.last = null;
    if (take.mode !== 'touch' || take.held) this.record(take, now, last.v);
  }

  private finish(take: Take, at: number | null): void {
    const end = Math.max(take.flushedTo, at ?? take.last?.t ?? take.flushedTo);
    if (take.last && end > take.last.t) this.record(take, end, take.last.v);
    this.flush(take);
    this.takes.delete(take.key);
    this.grabbedAt.delete(take.key);
    // Back to the curve (or the value before the take) just after the take ends.
    if (take.mode !== 'write') {
      const back = end + RETURN_SECONDS;
      const v = take.before ? valueAt(take.before, back) : take.staticBefore;
      this.model.automation.replace(take.key, end + 1e-6, back, [{ t: back, v, shape: 'linear' }]);
    }
    for (const l of this.listeners) l();
  }

  dispose(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.takes.clear();
    this.listeners.clear();
  }
}
