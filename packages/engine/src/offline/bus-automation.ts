import type { MixState } from '../model/mix-model';
import type { MixFocus } from '../graph/mix-graph';
import { dbToGain, type FxBus } from '../model/params';
import { valueAt, type AutomationLane } from '../model/automation';
import { AUTOMATION_GRID } from './channel';
import { MASTER_CHAIN_AUTOMATION_PARAMS, RETURN_CHAIN_AUTOMATION_PARAMS } from './master-automation';
import { REVERB_ROOM_PARAMS } from './reverb-room';

/** FX return parameters automation plays on both returns: the return fader and its mute. */
export const AUTOMATED_RETURN_PARAMS = ['return.gain', 'return.mute'] as const;
/**
 * Per return, every parameter automation plays: fader and mute, the reverb's room (stepped,
 * crossfaded convolvers: reverb-room.ts), the delay's effect and both EQs (master-automation.ts).
 */
export const AUTOMATED_FX_PARAMS: { readonly [B in FxBus]: readonly string[] } = {
  reverb: [...AUTOMATED_RETURN_PARAMS, ...REVERB_ROOM_PARAMS, ...RETURN_CHAIN_AUTOMATION_PARAMS.reverb],
  delay: [...AUTOMATED_RETURN_PARAMS, ...RETURN_CHAIN_AUTOMATION_PARAMS.delay],
};
/** Master parameters automation plays: the output fader (here) and the chain's (master-automation.ts). */
export const AUTOMATED_MASTER_PARAMS: readonly string[] = ['gain', ...MASTER_CHAIN_AUTOMATION_PARAMS];

/**
 * A gain stage of a bus (an FX return's fader × mute, the master output fader) with lanes: the
 * lanes override their parameter, the other keeps its static value.
 */
export interface BusGainLanes {
  /** Static fader (linear), used when there is no gain lane. */
  gain: number;
  /** Static audibility (focus, and the static mute when mute has no lane). */
  audible: boolean;
  /** Lane of a dB fader. */
  gainLane?: AutomationLane;
  /** Lane of a mute switch (≥ 0.5: muted). */
  muteLane?: AutomationLane;
}

/** The bus gain stages that have lanes (null: static, played as before). */
export interface BusAutomation {
  reverb: BusGainLanes | null;
  delay: BusGainLanes | null;
  master: BusGainLanes | null;
}

function lane(automation: Readonly<Record<string, AutomationLane>> | undefined, key: string): AutomationLane | undefined {
  const l = automation?.[key];
  return l && l.t.length > 0 ? l : undefined;
}

/** Whether an FX return is heard: focus, and its static mute unless a lane plays the mute. */
export function returnAudible(state: MixState, bus: FxBus, focus: MixFocus): boolean {
  const inFocus = focus.kind === 'mix' || (focus.kind === 'fx' && focus.bus === bus);
  return inFocus && (state.fx[bus].audible || lane(state.automation, `fx:${bus}/return.mute`) !== undefined);
}

/** The lanes of the returns' and the master's gain stages that play for this focus. */
export function busAutomation(state: MixState, focus: MixFocus): BusAutomation {
  const a = state.automation;
  const ret = (bus: FxBus): BusGainLanes | null => {
    const gainLane = lane(a, `fx:${bus}/return.gain`);
    const muteLane = lane(a, `fx:${bus}/return.mute`);
    if (!gainLane && !muteLane) return null;
    const audible = returnAudible(state, bus, focus) && (muteLane !== undefined || state.fx[bus].audible);
    return { gain: dbToGain(state.fx[bus].params['return.gain']), audible, gainLane, muteLane };
  };
  // A stem (focus) is taken before the master chain, at unity: no master lanes then.
  const masterLane = focus.kind === 'mix' ? lane(a, 'master/gain') : undefined;
  return {
    reverb: ret('reverb'),
    delay: ret('delay'),
    master: masterLane ? { gain: dbToGain(state.master.gain), audible: true, gainLane: masterLane } : null,
  };
}

/** The stage's gain at song time t (seconds). */
export function busGainAt(spec: BusGainLanes, t: number): number {
  if (!spec.audible) return 0;
  if (spec.muteLane && valueAt(spec.muteLane, t) >= 0.5) return 0;
  return spec.gainLane ? dbToGain(valueAt(spec.gainLane, t)) : spec.gain;
}

/**
 * A bus gain stage as a gain signal, one value per frame: evaluated on the automation grid
 * (every AUTOMATION_GRID frames of the song, as channel strips are) and linear in between, so a
 * hold step or a mute lands as a 64-frame ramp. Offline renders multiply by it; live playback
 * has the mix worklet put it out as a control signal that drives the native gain's AudioParam,
 * so both apply the same Float32 values to the same song frames. Allocates nothing.
 */
export class BusGainCurve {
  private k = Number.NaN;
  private g0 = 0;
  private g1 = 0;

  constructor(
    private spec: BusGainLanes,
    private readonly sampleRate: number,
  ) {}

  /** New lanes or static values (re-evaluated from the next frame on). */
  set(spec: BusGainLanes): void {
    this.spec = spec;
    this.k = Number.NaN;
  }

  /**
   * out[offset + i] = the gain at song frame `songFrame + i·rate`, for i in [0, frames)
   * (rate 0: held at songFrame, as while stopped).
   */
  fill(out: Float32Array, offset: number, songFrame: number, frames: number, rate = 1): void {
    const G = AUTOMATION_GRID;
    for (let i = 0; i < frames; i++) {
      const x = songFrame + i * rate;
      const k = Math.floor(x / G);
      if (k !== this.k) {
        // The next interval starts where this one ended (the value a fresh evaluation gives).
        this.g0 = k === this.k + 1 ? this.g1 : busGainAt(this.spec, (k * G) / this.sampleRate);
        this.g1 = busGainAt(this.spec, ((k + 1) * G) / this.sampleRate);
        this.k = k;
      }
      out[offset + i] = this.g0 + (this.g1 - this.g0) * ((x - k * G) / G);
    }
  }
}
