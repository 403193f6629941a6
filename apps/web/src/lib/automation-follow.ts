import { paramDefFor, parseParamKey, valueAt, type AutomationLane, type ParamDef } from '@mixroom/engine';

/** Controls follow their lanes at most this often (≤ 15 Hz: a moving fader, not a React storm). */
export const FOLLOW_MS = 66;

export interface FollowSource {
  /** The lane that plays for this key now, or null (none, mode Off, or being recorded by us). */
  laneOf(key: string): AutomationLane | null;
  /** Song position (s) of the playhead, playing or not. */
  position(): number;
}

interface Watch {
  def: ParamDef;
  listeners: Set<() => void>;
  /** The automated value shown now; null when the control shows its static value. */
  value: number | null;
}

/**
 * What the console's controls show in Read: the value of their lane at the playhead. Only the
 * controls on screen subscribe; `frame` re-evaluates their lanes (a binary search each) at most
 * every FOLLOW_MS and wakes only the controls whose shown value moved by half a step or more, so
 * 48 automated faders cost 48 small re-renders ≤ 15 times a second and unautomated ones none.
 * No React here: components read it through useSyncExternalStore (see use-automated-value).
 */
export class AutomationFollow {
  private readonly watches = new Map<string, Watch>();
  private last = -Infinity;

  constructor(private readonly source: FollowSource) {}

  subscribe(key: string, listener: () => void): () => void {
    let w = this.watches.get(key);
    if (!w) {
      const parsed = parseParamKey(key);
      const def = parsed ? paramDefFor(parsed.scope, parsed.paramId) : undefined;
      if (!def) return () => undefined;
      w = { def, listeners: new Set(), value: null };
      this.watches.set(key, w);
      w.value = this.evaluate(key, w, this.source.position());
    }
    w.listeners.add(listener);
    return () => {
      w.listeners.delete(listener);
      if (w.listeners.size === 0) this.watches.delete(key);
    };
  }

  /** The automated value a watched control shows (null: its static value). */
  value(key: string): number | null {
    return this.watches.get(key)?.value ?? null;
  }

  /** The lane's value at the playhead now, watched or not (null: no lane plays). */
  valueNow(key: string): number | null {
    const lane = this.source.laneOf(key);
    return lane ? valueAt(lane, this.source.position()) : null;
  }

  /** Called every animation frame (`now` in ms); does its work at most every FOLLOW_MS. */
  frame(now: number): void {
    if (now - this.last < FOLLOW_MS - 4) return;
    this.last = now;
    this.update();
  }

  /** Re-evaluates every watched lane at the playhead and wakes the controls that moved. */
  update(): void {
    const t = this.source.position();
    for (const [key, w] of this.watches) {
      const next = this.evaluate(key, w, t);
      const prev = w.value;
      const moved = next === null || prev === null ? next !== prev : Math.abs(next - prev) >= w.def.step / 2;
      if (!moved) continue;
      w.value = next;
      for (const l of [...w.listeners]) l();
    }
  }

  private evaluate(key: string, w: Watch, t: number): number | null {
    const lane = this.source.laneOf(key);
    if (!lane) return null;
    const v = valueAt(lane, t);
    // Shown on the control's own grid (a fader reads -6.1 dB, not -6.0973…).
    return Number.isFinite(v) ? Number((Math.round(v / w.def.step) * w.def.step).toFixed(6)) : null;
  }
}
