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

/** A convolver run of the schedule; frames are song frames (±Infinity: before the song, after the lanes). */
export interface ReverbInstance {
  /** Counted from the song's start (live playback plays instance i in slot i % REVERB_ROOM_SLOTS). */
  index: number;
  room: ReverbRoom;
  /** The IR cache key (decay, damping, size). */
  irKey: string;
  /** First song frame it is heard from (its fade-in starts here; −Infinity: instance 0). */
  fadeIn: number;
  /** First song frame of its fade-out (+Infinity: the last instance). */
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

/**
 * Slots live playback cycles instances through (instance i plays in slot i % REVERB_ROOM_SLOTS):
 * see ReverbRoomSlots. Three are the fewest that work (one fading out, one heard, one prerolling);
 * each more gives the page another step (200 ms) to put the next room in place when rooms change
 * every step. Five: a page held up to ~0.6 s still has it in place before it is fed (with three, a
 * 0.2 s hold-up of a busy page put it in mid-feed, a glitch in the return).
 */
export const REVERB_ROOM_SLOTS = 5;

export class ReverbRoomSchedule {
  readonly stepFrames: number;
  readonly fadeFrames: number;
  readonly prerollFrames: number;
  /** The longest pre-delay and IR any step can have (the tail a render keeps room for). */
  readonly maxTailFrames: number;
  /**
   * Instance i ≥ 1 starts at step changes[i − 1]; instance 0 plays from before the song. Indices
   * count from the song's start, so renders and live playback (worklet and page) number the
   * same instances alike. After the lanes' last point nothing changes.
   */
  private readonly changes: number[] = [];
  private readonly rooms: ReverbRoom[] = [];

  constructor(
    private readonly params: Record<string, number>,
    private readonly lanes: ReverbRoomLanes,
    private readonly sampleRate: number,
  ) {
    this.stepFrames = Math.round(REVERB_ROOM_STEP_SECONDS * sampleRate);
    this.fadeFrames = Math.round(REVERB_ROOM_FADE_SECONDS * sampleRate);
    this.prerollFrames = this.stepFrames - this.fadeFrames;
    // Lanes stay within their points between them: the largest point bounds the lane.
    const most = (id: RoomParam) => Math.max(params[id], ...(lanes[id] ? Array.from(lanes[id].v) : []));
    const irFrames = reverbIrLength(sampleRate, most('reverb.decay'));
    this.maxTailFrames = Math.ceil(Math.min(MAX_PREDELAY_SECONDS, most('reverb.predelay') / 1000) * sampleRate) + irFrames + 1;
    let last = 0;
    for (const id of REVERB_ROOM_PARAMS) if (lanes[id]) last = Math.max(last, lanes[id].t[lanes[id].t.length - 1]);
    const lastStep = Math.ceil((last * sampleRate) / this.stepFrames) + 1;
    let room = this.roomAt(0);
    let key = roomKey(room);
    this.rooms.push(room);
    for (let k = 1; k <= lastStep; k++) {
      room = this.roomAt(k);
      const next = roomKey(room);
      if (next === key) continue;
      key = next;
      this.changes.push(k);
      this.rooms.push(room);
    }
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

  get instanceCount(): number {
    return this.rooms.length;
  }

  /** The instance heard (at least partly) at song frame n: the last one whose fade-in has begun. */
  indexAt(n: number): number {
    const k = Math.floor(n / this.stepFrames);
    let lo = 0;
    let hi = this.changes.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.changes[mid] <= k) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  instance(i: number): ReverbInstance {
    const room = this.rooms[i];
    const fadeIn = i === 0 ? -Infinity : this.stepStart(this.changes[i - 1]);
    const fadeOut = i < this.changes.length ? this.stepStart(this.changes[i]) : Infinity;
    return { index: i, room, irKey: irKeyOf(room), fadeIn, fadeOut, feedFrom: fadeIn - this.prerollFrames, feedTo: fadeOut + this.fadeFrames };
  }

  /** The instances fed anywhere in song frames [from, to), in order. */
  instancesFedIn(from: number, to: number): ReverbInstance[] {
    const out: ReverbInstance[] = [];
    const last = Math.min(this.instanceCount - 1, this.indexAt(to + this.prerollFrames));
    for (let i = Math.max(0, this.indexAt(from - this.fadeFrames) - 1); i <= last; i++) {
      const inst = this.instance(i);
      if (inst.feedFrom < to && inst.feedTo > from) out.push(inst);
    }
    return out;
  }

  /** Whether instance i is fed at song frame n. */
  fedAt(i: number, n: number): boolean {
    if (i < 0 || i >= this.rooms.length) return false;
    const from = i === 0 ? -Infinity : this.stepStart(this.changes[i - 1]) - this.prerollFrames;
    const to = i < this.changes.length ? this.stepStart(this.changes[i]) + this.fadeFrames : Infinity;
    return n >= from && n < to;
  }

  /** Instance i's gain at song frame n (0 outside the schedule). */
  gainAt(i: number, n: number): number {
    if (i < 0 || i >= this.rooms.length) return 0;
    const F = this.fadeFrames;
    const fadeIn = i === 0 ? -Infinity : this.stepStart(this.changes[i - 1]);
    const fadeOut = i < this.changes.length ? this.stepStart(this.changes[i]) : Infinity;
    if (n < fadeIn || n >= fadeOut + F) return 0;
    if (n < fadeIn + F) return (n - fadeIn) / F;
    if (n >= fadeOut) return 1 - (n - fadeOut) / F;
    return 1;
  }

  /**
   * Live playback's control signal: per slot s, out[2s][offset + i] = whether the slot's
   * instance is fed, out[2s + 1][offset + i] = its gain, at song frame songFrame + i·rate
   * (rate 0: held there, as while stopped). Allocates nothing.
   */
  fillGates(out: Float32Array[], offset: number, songFrame: number, frames: number, rate = 1): void {
    for (let f = 0; f < frames; f++) {
      const n = Math.round(songFrame + f * rate);
      const cur = this.indexAt(n);
      for (let s = 0; s < REVERB_ROOM_SLOTS; s++) {
        out[2 * s][offset + f] = 0;
        out[2 * s + 1][offset + f] = 0;
      }
      // Only the instances around the current one can be fed or heard (one before fading out, one after prerolling).
      for (let i = Math.max(0, cur - 1); i <= cur + 1; i++) {
        const s = i % REVERB_ROOM_SLOTS;
        if (this.fedAt(i, n)) out[2 * s][offset + f] = 1;
        out[2 * s + 1][offset + f] = this.gainAt(i, n);
      }
    }
  }
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
