import { isAudible, type MixState } from '../model/mix-model';
import { LANE_STEP, SHAPE_HOLD, valueAt, type AutomationLane } from '../model/automation';
import type { MixFocus } from '../graph/mix-graph';
import { channelAutomation, type ChannelAutomation } from './channel';

type Channel = MixState['channels'][number];

/** Folded lanes by channel, with what they were made from (so an unchanged one keeps its identity: the worklet is not re-sent it). */
const folded = new Map<string, { deps: unknown[]; lane: AutomationLane }>();

function lane(automation: MixState['automation'] | undefined, key: string): AutomationLane | undefined {
  const l = automation?.[key];
  return l && l.t.length > 0 ? l : undefined;
}

/**
 * A channel's lanes as renders and live playback play them, and whether its static routing lets
 * it be heard. Solo lanes change who is heard on every channel: while any channel's solo has a
 * lane, each channel's mute lane becomes its whole audibility — muted where its mute (lane or
 * switch) says so, or where some channel is soloed (lane or switch) and it is not — a hold lane
 * with a point wherever any of those lanes has one, played as the mute lane is (one 64-frame ramp
 * on the automation grid), and its static switches no longer mute it. A stem of one channel
 * (focus) ignores solo, as without lanes.
 */
export function channelPlayback(state: MixState, ch: Channel, focus: MixFocus): { lanes: ChannelAutomation | null; audible: boolean } {
  const lanes = channelAutomation(state.automation, ch.id);
  // Automated mute: the lane mutes, the static switch does not.
  const mute = ch.mute && !lanes?.mute;
  if (focus.kind === 'channel') return { lanes, audible: focus.channelId === ch.id && !mute };
  const solos = state.channels.map((c) => lane(state.automation, `ch:${c.id}/solo`));
  if (solos.every((s) => s === undefined)) return { lanes, audible: isAudible(mute, ch.solo, state.anySolo) };
  const muteLane = lanes?.mute;
  const statics = state.channels.map((c) => `${c.id}:${c.solo ? 1 : 0}`).join(',') + `|${ch.mute ? 1 : 0}`;
  const deps: unknown[] = [muteLane, statics, ...solos];
  const cached = folded.get(ch.id);
  let audibility = cached && cached.deps.length === deps.length && cached.deps.every((d, i) => d === deps[i]) ? cached.lane : null;
  if (!audibility) {
    const times = [...new Set([...(muteLane ? Array.from(muteLane.t) : []), ...solos.flatMap((s) => (s ? Array.from(s.t) : []))])].sort((a, b) => a - b);
    const self = state.channels.indexOf(ch);
    const mutedAt = (t: number) => {
      const muted = muteLane ? valueAt(muteLane, t) >= 0.5 : ch.mute;
      const soloed = state.channels.map((c, i) => (solos[i] ? valueAt(solos[i]!, t) >= 0.5 : c.solo));
      return muted || (soloed.some(Boolean) && !soloed[self]) ? 1 : 0;
    };
    audibility = {
      t: Float64Array.from(times),
      v: Float64Array.from(times, mutedAt),
      s: new Uint8Array(times.length).fill(SHAPE_HOLD),
      kind: LANE_STEP,
    };
    folded.set(ch.id, { deps, lane: audibility });
  }
  return { lanes: { ...lanes, mute: audibility }, audible: true };
}
