import { DELAY_PROCESSOR_NAME } from '../dsp/dynamics-protocol';
import { MAX_PREDELAY_SECONDS, REVERB_ROOM_PARAMS, REVERB_ROOM_SLOTS, ReverbIrCache, ReverbRoomSchedule, type ReverbInstance, type ReverbRoomLanes } from '../offline/reverb-room';
import { STATUS_SONG_FRAME, statusViews } from '../live/mix-protocol';
import type { ReverbRoomMessage } from '../live/reverb-room-live';
import { gainNode } from './nodes';

/** How often the page checks which convolvers the next steps need (a slot is free ≥ 200 ms ahead). */
const TICK_MS = 40;

interface Slot {
  feed: GainNode;
  out: GainNode;
  delay: DelayNode | null;
  convolver: ConvolverNode | null;
  /** The schedule's instance in it (−1: none). */
  index: number;
  /** Its room (IR and pre-delay). */
  room: string;
}

function roomKeyOf(inst: ReverbInstance): string {
  return `${inst.irKey}/${inst.room.predelayMs}`;
}

/**
 * Live reverb room lanes (offline/reverb-room.ts): REVERB_ROOM_SLOTS slots of feed gain →
 * pre-delay → convolver → gain, instance i of the schedule in slot i % REVERB_ROOM_SLOTS. The
 * gains follow the control signal of a 'mixroom-delay' node in room-gates mode, which reads the
 * song frame of every frame from the mix worklet's status and computes the renders' feeds and
 * fades (0 = the gains' own values). The page puts a fresh pre-delay and convolver (empty, as the
 * render's instance starts) into a slot once its previous instance is done and before the next is
 * fed — a window of at least REVERB_ROOM_SLOTS − 2 steps (0.6 s) — polling the song frame every
 * TICK_MS. A start, a seek or a loop's wrap is cued when it is scheduled (cue): every slot gets a
 * fresh convolver for the instances at the new position before it sounds, as the render's start
 * from there would have them, not a previous play's rooms and tails.
 */
export class ReverbRoomSlots {
  readonly input: GainNode;
  readonly output: GainNode;
  private readonly gates: AudioNode;
  private readonly splitter: ChannelSplitterNode;
  private readonly slots: Slot[] = [];
  private schedule: ReverbRoomSchedule | null = null;
  private readonly irs: ReverbIrCache<AudioBuffer>;
  private timer: ReturnType<typeof setInterval> | null = null;
  private posted = '';
  private postedLanes: ReverbRoomLanes | null = null;
  /** A cued start not yet sounding: until then the status still says where the song was. */
  private cued: { frame: number; time: number } | null = null;

  constructor(
    private readonly ctx: BaseAudioContext,
    private readonly status: SharedArrayBuffer,
    /**
     * poll false: the owner calls tick(); gates: a node putting out the gate signal instead of the
     * worklet (tests rendering offline play ReverbRoomSchedule.fillGates from a buffer).
     */
    options: { poll?: boolean; gates?: AudioNode } = {},
  ) {
    this.input = gainNode(ctx);
    this.output = gainNode(ctx);
    if (options.gates) this.gates = options.gates;
    else {
      const Ctor = (globalThis as unknown as { AudioWorkletNode: typeof AudioWorkletNode }).AudioWorkletNode;
      this.gates = new Ctor(ctx, DELAY_PROCESSOR_NAME, {
        numberOfInputs: 1,
        numberOfOutputs: 1,
        outputChannelCount: [2 * REVERB_ROOM_SLOTS],
        processorOptions: { roomGates: true },
      });
      // Its input only orders it after the mix worklet (whose status it reads) in each quantum.
      this.input.connect(this.gates);
    }
    this.splitter = ctx.createChannelSplitter(2 * REVERB_ROOM_SLOTS);
    this.gates.connect(this.splitter);
    for (let s = 0; s < REVERB_ROOM_SLOTS; s++) {
      const feed = gainNode(ctx);
      const out = gainNode(ctx);
      feed.gain.value = 0;
      out.gain.value = 0;
      this.splitter.connect(feed.gain, 2 * s);
      this.splitter.connect(out.gain, 2 * s + 1);
      this.input.connect(feed);
      out.connect(this.output);
      this.slots.push({ feed, out, delay: null, convolver: null, index: -1, room: '' });
    }
    this.irs = new ReverbIrCache(ctx.sampleRate, (channels) => {
      const ir = ctx.createBuffer(2, channels[0].length, ctx.sampleRate);
      channels.forEach((data, c) => ir.copyToChannel(data as Float32Array<ArrayBuffer>, c));
      return ir;
    });
    if (options.poll !== false) this.timer = setInterval(() => this.poll(), TICK_MS);
  }

  /** Where the slots are kept ready for: the cued position until it sounds, then the status's song frame. */
  private songFrame(): number {
    const cued = this.cued;
    // Two render quanta of margin: the status of the quantum that played the start is written by then.
    if (cued && this.ctx.currentTime < cued.time + 256 / this.ctx.sampleRate) return cued.frame;
    this.cued = null;
    return statusViews(this.status).header[STATUS_SONG_FRAME];
  }

  /** What the page's timer does every TICK_MS (tests without a timer call it themselves). */
  poll(): void {
    this.tick(this.songFrame());
  }

  /**
   * New static values or lanes: a new schedule, posted to the gates node. MixGraph calls this on
   * every state change: unchanged lanes (the same objects) and room values post nothing, and a
   * slot whose convolver holds the room the new schedule wants there keeps it (and its tail).
   */
  set(params: Record<string, number>, lanes: ReverbRoomLanes): void {
    const key = JSON.stringify(REVERB_ROOM_PARAMS.map((id) => params[id]));
    const prev = this.postedLanes;
    const same = !!prev && Object.keys(lanes).length === Object.keys(prev).length && Object.keys(lanes).every((k) => prev[k] === lanes[k]);
    if (same && key === this.posted) return;
    this.posted = key;
    this.postedLanes = lanes;
    const schedule = new ReverbRoomSchedule(params, lanes, this.ctx.sampleRate);
    this.schedule = schedule;
    const msg: ReverbRoomMessage = { type: 'reverb-room', params: { ...params }, lanes, status: this.status };
    if ('port' in this.gates) (this.gates as AudioWorkletNode).port.postMessage(msg);
    for (const slot of this.slots) {
      const wanted = slot.index >= 0 && slot.index < schedule.instanceCount ? roomKeyOf(schedule.instance(slot.index)) : '';
      if (wanted !== slot.room) slot.index = -1;
    }
    this.poll();
  }

  /** Puts the instances around song frame n into their slots where those are free. */
  tick(n: number): void {
    const s = this.schedule;
    if (!s) return;
    const cur = s.indexAt(n);
    const prevFed = s.fedAt(cur - 1, n);
    const busy = (k: number) => k === cur || k === cur + 1 || (k === cur - 1 && prevFed);
    // As far ahead as the slots reach: the earlier a room is in place, the longer the page may be held up.
    const wanted = Array.from({ length: REVERB_ROOM_SLOTS }, (_, d) => cur + d);
    if (prevFed) wanted.push(cur - 1);
    for (const j of wanted) {
      if (j < 0 || j >= s.instanceCount) continue;
      const slot = this.slots[j % REVERB_ROOM_SLOTS];
      if (slot.index === j || (slot.index >= 0 && slot.index !== j && busy(slot.index))) continue;
      this.install(slot, j);
    }
  }

  /**
   * Playback will go on from song frame n at context time `time` (scheduled, not yet sounding): the
   * slots' rooms and tails belong to where the song was, so the instances around n are put in
   * afresh, and kept for n until it sounds. Until then they are fed what still plays (nothing after
   * a stop; before a seek or a wrap, Tone's look-ahead of the old position).
   */
  cue(n: number, time: number): void {
    for (const slot of this.slots) slot.index = -1;
    this.cued = { frame: n, time };
    this.tick(n);
  }

  private install(slot: Slot, index: number): void {
    const inst = this.schedule!.instance(index);
    slot.delay?.disconnect();
    slot.convolver?.disconnect();
    const delay = this.ctx.createDelay(MAX_PREDELAY_SECONDS);
    delay.delayTime.value = inst.room.predelayMs / 1000;
    const convolver = this.ctx.createConvolver();
    convolver.normalize = false;
    convolver.buffer = this.irs.get(inst);
    slot.feed.connect(delay).connect(convolver).connect(slot.out);
    slot.delay = delay;
    slot.convolver = convolver;
    slot.index = index;
    slot.room = roomKeyOf(inst);
  }

  dispose(): void {
    if (this.timer) clearInterval(this.timer);
    this.input.disconnect();
    this.gates.disconnect();
    this.splitter.disconnect();
    for (const slot of this.slots) {
      slot.feed.disconnect();
      slot.out.disconnect();
      slot.delay?.disconnect();
      slot.convolver?.disconnect();
    }
    this.output.disconnect();
  }
}
