import { REVERB_PARAMS } from '../model/params';
import { valueAt, type AutomationLane } from '../model/automation';
import { reverbImpulseResponse, reverbIrLength, type ReverbSettings } from '../dsp/reverb-ir';

/**
 * Automation of the reverb's room (decay, damping, size, pre-delay), as convolution reverbs in
 * DAWs play it. The room is one impulse response, so it cannot glide: the lanes are read on a
 * coarse song-time step (REVERB_ROOM_STEP_SECONDS), each value rounded to its parameter's step
 * (what a user can type, and the key of the IR cache). Where the room of a step differs from the
 * step before, a new convolver with the new IR (and its own pre-delay line, so the pre-delay
 * steps without a pitch glide) takes over: its output fades in over REVERB_ROOM_FADE_SECONDS
 * while the old one's fades out, the old one still fed through its fade.
 *
 * One convolver is an *instance*: the run of steps with one room, from change step c to the next
 * change step e. It is fed the send (after the spread matrix) over song frames
 * [b(c) − preroll, b(e) + fade) and heard at gain 0 → 1 over [b(c), b(c) + fade), 1 until b(e),
 * 1 → 0 over [b(e), b(e) + fade). The pre-roll (step − fade) gives the new room the last 150 ms
 * of the send before it is heard (its early reflections and the start of its tail are in place)
 * while never more than two instances are fed at once. Linear fades, not equal-power: every IR
 * is drawn from the same seeded noise, so the outputs of neighbouring rooms are strongly
 * correlated and gains summing to 1 keep their level (equal-power would bump it by up to 3 dB).
 *
 * Everything here is a function of song frames, so renders (offline/returns.ts) and live playback
 * compute the same instances, gates and gains. Without room lanes none of this runs: the reverb
 * is the single static convolver it always was.
 */
export const REVERB_ROOM_STEP_SECONDS = 0.2;
export const REVERB_ROOM_FADE_SECONDS = 0.05;
export const REVERB_ROOM_PARAMS = ['reverb.decay', 'reverb.damping', 'reverb.size', 'reverb.predelay'] as const;
/** The most pre-delay a DelayNode of the reverb is made for (the parameter's range ends at 250 ms). */
export const MAX_PREDELAY_SECONDS = 0.3;

export interface ReverbRoom extends ReverbSettings {
  predelayMs: number;
}

/** A convolver run of the schedule; frames are song frames (±Infinity: beyond what was asked). */
export interface ReverbInstance {
  room: ReverbRoom;
  /** The IR cache key (decay, damping, size). */
  irKey: string;
  /** First song frame it is heard from (its fade-in starts here; −Infinity: it was playing before). */
  fadeIn: number;
  /** First song frame of its fade-out (+Infinity: beyond the window asked for). */
  fadeOut: number;
  /** Fed over [feedFrom, feedTo). */
  feedFrom: number;
  feedTo: number;
}

export type ReverbRoomLanes = Readonly<Record<string, AutomationLane>>;

/** The room lanes of a reverb's automation (null: none, the static convolver plays). */
export function reverbRoomAutomation(automation: Readonly<Record<string, AutomationLane>> | undefined): ReverbRoomLanes | null {
  let out: Record<string, AutomationLane> | null = null;
  for (const id of REVERB_ROOM_PARAMS) {
    const lane = automation?.[`fx:reverb/${id}`];
    if (lane && lane.t.length > 0) (out ??= {})[id] = lane;
  }
  return out;
}

type RoomParam = (typeof REVERB_ROOM_PARAMS)[number];

function quantize(id: RoomParam, v: number): number {
  const def = REVERB_PARAMS[id];
  const inv = Math.round(1 / (def.step ?? 0.01));
  return Math.min(def.max, Math.max(def.min, Math.round(v * inv) / inv));
}

export class ReverbRoomSchedule {
  readonly stepFrames: number;
  readonly fadeFrames: number;
  readonly prerollFrames: number;
  /** The longest pre-delay and IR any step can have (the tail a render keeps room for). */
  readonly maxTailFrames: number;

  constructor(
    private readonly params: Record<string, number>,
    private readonly lanes: ReverbRoomLanes,
    private readonly sampleRate: number,
  ) {
    this.stepFrames = Math.round(REVERB_ROOM_STEP_SECONDS * sampleRate);
    this.fadeFrames = Math.round(REVERB_ROOM_FADE_SECONDS * sampleRate);
    this.prerollFrames = this.stepFrames - this.fadeFrames;
    // Lanes stay within their points between them: the largest point bounds the lane.
    const most = (id: string) => Math.max(params[id], ...(lanes[id] ? Array.from(lanes[id].v) : []));
    const irFrames = reverbIrLength(sampleRate, most('reverb.decay'));
    this.maxTailFrames = Math.ceil(Math.min(MAX_PREDELAY_SECONDS, most('reverb.predelay') / 1000) * sampleRate) + irFrames + 1;
  }

  /** Song frame where step k starts. */
  stepStart(k: number): number {
    return k * this.stepFrames;
  }

  /** The room of step k: lanes read at the step's start, rounded to their parameter's step. */
  roomAt(k: number): ReverbRoom {
    const t = this.stepStart(k) / this.sampleRate;
    const v = (id: RoomParam) => {
      const lane = this.lanes[id];
      return lane ? quantize(id, valueAt(lane, t)) : this.params[id];
    };
    return { decaySeconds: v('reverb.decay'), dampingHz: v('reverb.damping'), size: v('reverb.size'), predelayMs: v('reverb.predelay') };
  }

  /**
   * The instances fed anywhere in song frames [from, to), in order, with every fade that can
   * reach frames before `to + maxTailFrames` (what their outputs cover).
   */
  instancesFedIn(from: number, to: number): ReverbInstance[] {
    const S = this.stepFrames;
    const k0 = Math.floor((from - this.fadeFrames) / S) - 1;
    const k1 = Math.ceil((to + this.maxTailFrames + this.prerollFrames) / S) + 1;
    const out: ReverbInstance[] = [];
    let cur: ReverbInstance | null = null;
    let curKey = '';
    for (let k = k0; k <= k1; k++) {
      const room = this.roomAt(k);
      const key = roomKey(room);
      if (cur && key === curKey) continue;
      const b = this.stepStart(k);
      if (cur) {
        cur.fadeOut = b;
        cur.feedTo = b + this.fadeFrames;
      }
      cur = { room, irKey: irKeyOf(room), fadeIn: k === k0 ? -Infinity : b, fadeOut: Infinity, feedFrom: k === k0 ? -Infinity : b - this.prerollFrames, feedTo: Infinity };
      curKey = key;
      out.push(cur);
    }
    return out.filter((i) => i.feedFrom < to && i.feedTo > from);
  }
}

/** The gain an instance is heard at, at song frame n (linear fades: an old and a new one sum to 1). */
export function instanceGain(inst: ReverbInstance, n: number, fadeFrames: number): number {
  if (n < inst.fadeIn || n >= inst.fadeOut + fadeFrames) return 0;
  if (n < inst.fadeIn + fadeFrames) return (n - inst.fadeIn) / fadeFrames;
  if (n >= inst.fadeOut) return 1 - (n - inst.fadeOut) / fadeFrames;
  return 1;
}

function roomKey(r: ReverbRoom): string {
  return `${r.decaySeconds}/${r.dampingHz}/${r.size}/${r.predelayMs}`;
}

function irKeyOf(r: ReverbRoom): string {
  return `${r.decaySeconds}/${r.dampingHz}/${r.size}`;
}

/**
 * IRs by room, the few most recently used (a ramping lane asks for a new one every step; a lane
 * going back and forth, or a render's next segment, finds its rooms here). `make` turns the
 * synthesised channels into what the caller convolves with (an AudioBuffer).
 */
export class ReverbIrCache<T> {
  private readonly map = new Map<string, T>();
  constructor(
    private readonly sampleRate: number,
    private readonly make: (channels: Float32Array[]) => T,
    private readonly capacity = 8,
  ) {}
  get(inst: ReverbInstance): T {
    const hit = this.map.get(inst.irKey);
    if (hit !== undefined) {
      this.map.delete(inst.irKey);
      this.map.set(inst.irKey, hit);
      return hit;
    }
    const made = this.make(reverbImpulseResponse(this.sampleRate, inst.room));
    this.map.set(inst.irKey, made);
    if (this.map.size > this.capacity) this.map.delete(this.map.keys().next().value!);
    return made;
  }
}
