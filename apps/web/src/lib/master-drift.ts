// "Does the master still meet its target?" A master (an approved version, the latest version that
// met the target, or this browser's last "Master to target") was made from one mix; when the mix
// changes afterwards, the song no longer sounds like that master, and its loudness may be off
// target. The watch notices the change at once and, when asked, measures the new mix with the
// engine's own render and BS.1770 meter (not a guess from fader moves: compressors and the
// limiter decide).
import { diffMixStates, type DeliveryTarget, type MixState } from '@mixroom/engine';
import { measureLiveMix, type MixLoudness } from './live-ab';
import type { SessionRuntime } from './session-runtime';

/** Integrated loudness this far from the target counts as off target (master-to-target lands within 0.1 LU). */
export const DRIFT_TOLERANCE_LU = 0.5;

export interface MasterReference {
  /** "v3 (approved)", or null for this browser's own master-to-target result. */
  label: string | null;
  versionId: string | null;
  mix: MixState;
  /** When it was made (ms since epoch): the newer of a version and a local master-to-target wins. */
  at: number;
}

export type DriftState =
  | { kind: 'none' }
  | { kind: 'changed'; ref: MasterReference }
  | { kind: 'measuring'; ref: MasterReference; fraction: number }
  | { kind: 'measured'; ref: MasterReference; reading: MixLoudness; off: boolean; text: string }
  | { kind: 'error'; ref: MasterReference; message: string };

const num = (v: number) => (Number.isInteger(v) ? String(v) : v.toFixed(1)).replace('-', '−');
const loud = (v: number) => v.toFixed(1).replace('-', '−');

/** What to tell people about a changed mix measured at `reading` against `target`. */
export function driftMessage(reading: MixLoudness, target: DeliveryTarget, label: string | null): { off: boolean; text: string } {
  const head = `The mix changed after this master${label ? ` (${label})` : ''}`;
  if (!Number.isFinite(reading.integrated)) return { off: true, text: `${head}: it is now silent` };
  const delta = reading.integrated - target.integratedLufs;
  const overPeak = reading.truePeak > target.truePeakCeilingDbtp + 0.05;
  const peak = overPeak ? `; true peak ${loud(reading.truePeak)} dBTP, over its ${num(target.truePeakCeilingDbtp)} dBTP ceiling` : '';
  if (Math.abs(delta) <= DRIFT_TOLERANCE_LU) {
    return { off: overPeak, text: `${head}: it still measures ${loud(reading.integrated)} LUFS, on ${target.label}'s ${num(target.integratedLufs)}${peak}` };
  }
  return {
    off: true,
    text: `${head}: it now measures ${loud(reading.integrated)} LUFS, ${Math.abs(delta).toFixed(1)} LU ${delta > 0 ? 'over' : 'under'} ${target.label}'s ${num(target.integratedLufs)}${peak}`,
  };
}

/** Renames, order and colours do not change the sound. */
const COSMETIC = /^(.+ renamed to .+|.+ colou?r .+|.+ moved .+)$/i;

/**
 * What is now different from the master's mix, as people read it ("Bass +1.5 dB", "Lead muted",
 * "Master limiter ceiling …"), at most `max` items and "and N more"; renames and colours left out.
 */
export function driftChanges(master: MixState, now: MixState, max = 6): string[] {
  const all = diffMixStates(master, now).filter((d) => !COSMETIC.test(d));
  return all.length > max ? [...all.slice(0, max), `and ${all.length - max} more`] : all;
}

/** True when anything that changes the sound differs (names, order and colours do not). */
export function mixSoundsDifferent(a: MixState, b: MixState): boolean {
  const sound = (m: MixState) =>
    JSON.stringify({
      channels: [...m.channels].sort((x, y) => (x.id < y.id ? -1 : 1)).map((c) => [c.id, c.stemId, c.params]),
      master: m.master.params,
      fx: [m.fx.reverb.params, m.fx.delay.params],
    });
  return sound(a) !== sound(b);
}

/**
 * Framework-free: follows the runtime's mix and the chosen references. A change shows at once;
 * the measurement (an offline render of the whole song in this browser) runs when asked
 * (`measure()`), not after every move, which would cost every open editor's CPU on long sessions.
 * A move during a render asks again afterwards.
 */
export class MasterDriftWatch {
  private version: MasterReference | null = null;
  private local: MasterReference | null = null;
  private target: DeliveryTarget | null = null;
  private state: DriftState = { kind: 'none' };
  private readonly listeners = new Set<() => void>();
  private running = false;
  private lastMix: MixState | null = null;
  private readonly off: () => void;

  constructor(private readonly runtime: SessionRuntime) {
    this.off = runtime.subscribe(() => {
      if (runtime.getSnapshot().mix !== this.lastMix) this.check();
    });
  }

  getSnapshot = (): DriftState => this.state;
  subscribe = (l: () => void): (() => void) => {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  };

  setTarget(target: DeliveryTarget): void {
    if (this.target?.id === target.id) return;
    this.target = target;
    this.check(true);
  }

  /** The version that is "the master" (approved, or the latest on target), or null. */
  setVersionReference(ref: MasterReference | null): void {
    if (ref?.versionId === this.version?.versionId && ref?.at === this.version?.at && ref?.label === this.version?.label) return;
    this.version = ref;
    this.check(true);
  }

  /** This browser's "Master to target" result: the mix right after its settings were applied. */
  setLocalReference(mix: MixState): void {
    this.local = { label: null, versionId: null, mix, at: Date.now() };
    this.check(true);
  }

  /** What differs now from the reference master's mix (empty without a reference). */
  changes(): string[] {
    const ref = this.reference;
    return ref ? driftChanges(ref.mix, this.runtime.getSnapshot().mix) : [];
  }

  get reference(): MasterReference | null {
    const [v, l] = [this.version, this.local];
    return v && l ? (v.at >= l.at ? v : l) : v ?? l;
  }

  dispose(): void {
    this.off();
    this.listeners.clear();
  }

  private set(state: DriftState): void {
    this.state = state;
    for (const l of this.listeners) l();
  }

  private check(force = false): void {
    const mix = this.runtime.getSnapshot().mix;
    const changed = mix !== this.lastMix;
    this.lastMix = mix;
    const ref = this.reference;
    if (!ref || !this.target || !mixSoundsDifferent(ref.mix, mix)) {
      if (this.state.kind !== 'none' && !this.running) this.set({ kind: 'none' });
      return;
    }
    if (this.running || (!changed && !force && this.state.kind !== 'none')) return;
    this.set({ kind: 'changed', ref });
  }

  /** Renders the live mix and measures it against the target (one render at a time). */
  async measure(): Promise<void> {
    const ref = this.reference;
    const target = this.target;
    if (this.running || !ref || !target || !this.runtime.stemsReady || !this.runtime.Tone) return;
    this.running = true;
    this.set({ kind: 'measuring', ref, fraction: 0 });
    const mixAtStart = this.runtime.getSnapshot().mix;
    try {
      const reading = await measureLiveMix(this.runtime, (fraction) => {
        if (this.state.kind === 'measuring') this.set({ ...this.state, fraction });
      });
      this.running = false;
      if (this.runtime.getSnapshot().mix !== mixAtStart || this.reference !== ref || this.target !== target) {
        this.set({ kind: 'none' });
        this.check(true);
        return;
      }
      this.set({ kind: 'measured', ref, reading, ...driftMessage(reading, target, ref.label) });
    } catch (e) {
      this.running = false;
      this.set({ kind: 'error', ref, message: e instanceof Error ? e.message : String(e) });
    }
  }
}

interface VersionLike {
  id: string;
  number: number;
  status: string;
  createdAt: string;
  mixUrl: string | null;
  loudness: { integrated: number | null; truePeak: number | null };
}

/** "The master": the newest approved version, else the newest one that met the target; only versions with a stored mix. */
export function pickMasterVersion<V extends VersionLike>(versions: readonly V[], target: DeliveryTarget): V | null {
  const withMix = [...versions].filter((v) => v.mixUrl).sort((a, b) => b.number - a.number);
  const onTarget = (v: V) =>
    v.loudness.integrated !== null &&
    Math.abs(v.loudness.integrated - target.integratedLufs) <= DRIFT_TOLERANCE_LU &&
    (v.loudness.truePeak ?? -Infinity) <= target.truePeakCeilingDbtp + 0.05;
  return withMix.find((v) => v.status === 'approved') ?? withMix.find(onTarget) ?? null;
}
