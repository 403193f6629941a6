import type { MixState } from '../model/mix-model';
import type { MixFocus } from '../graph/mix-graph';
import type { ChannelAutomation } from '../offline/channel';
import { channelPlayback } from '../offline/solo-automation';
import type { BusAutomation, BusGainLanes } from '../offline/bus-automation';
import type { ChunkCacheLayout } from './chunk-cache';
import {
  GAIN_CHANNELS,
  GAIN_OUTPUT,
  MIX_OUTPUTS,
  MIX_PROCESSOR_NAME,
  METER_FIELDS,
  METER_GR,
  METER_PEAK,
  METER_RMS,
  METER_UNDERRUNS,
  STATUS_SONG_FRAME,
  STATUS_UNDERRUNS,
  statusBytes,
  statusViews,
  type LiveChannelConfig,
  type MixProcessorMessage,
} from './mix-protocol';

/** The shared status block (playhead, meters, underruns) the mix worklet publishes into. */
export function createLiveStatus(): SharedArrayBuffer {
  return new SharedArrayBuffer(statusBytes());
}

/**
 * The page's handle on the 'mixroom-mix' worklet: one AudioWorkletNode that runs every channel
 * strip, with three stereo outputs (master sum, reverb send, delay send) for the graph's returns
 * and master. Mix changes and transport commands go to it as messages; meters, underruns and the
 * playhead come back through a SharedArrayBuffer read without messages.
 */
export class LiveChannels {
  readonly node: AudioWorkletNode;
  /** Shared with the stem worker, which reads the playhead from it. */
  readonly status: SharedArrayBuffer;
  private readonly header: Float64Array;
  private readonly meters: Float32Array;
  private index = new Map<string, number>();
  private lastPosted = '';
  /** Lanes last posted per channel: lanes are sent again only when they changed. */
  private postedLanes = new Map<string, ChannelAutomation | null>();

  /** `status`: a buffer from createLiveStatus(), when the stem worker needs it before this node exists. */
  constructor(private readonly ctx: BaseAudioContext, status: SharedArrayBuffer = createLiveStatus()) {
    this.status = status;
    const v = statusViews(this.status);
    this.header = v.header;
    this.meters = v.meters;
    this.node = new AudioWorkletNode(ctx, MIX_PROCESSOR_NAME, {
      numberOfInputs: 0,
      numberOfOutputs: MIX_OUTPUTS.length + 1,
      outputChannelCount: [...MIX_OUTPUTS.map(() => 2), GAIN_CHANNELS.length],
      processorOptions: { status: this.status },
    });
  }

  /** Output index of each bus, for connect(); `gains`: the bus gain controls (GAIN_CHANNELS). */
  static readonly output = { dry: 0, reverb: 1, delay: 2, gains: GAIN_OUTPUT } as const;

  private postedBuses: BusAutomation | null = null;
  private postedMasterDelay = -1;

  /** Sends the lanes of the bus gain stages when they (or their static values) changed. */
  applyBuses(buses: BusAutomation, masterDelay: number): void {
    const same = (a: BusGainLanes | null, b: BusGainLanes | null) =>
      a === b || (!!a && !!b && a.gain === b.gain && a.audible === b.audible && a.gainLane === b.gainLane && a.muteLane === b.muteLane);
    const prev = this.postedBuses;
    if (prev && masterDelay === this.postedMasterDelay && GAIN_CHANNELS.every((k) => same(prev[k], buses[k]))) return;
    this.postedBuses = buses;
    this.postedMasterDelay = masterDelay;
    this.post({ type: 'buses', buses, masterDelay });
  }

  private post(msg: MixProcessorMessage): void {
    this.node.port.postMessage(msg);
  }

  addStem(stemId: string, buffer: SharedArrayBuffer, layout: ChunkCacheLayout, length: number): void {
    this.post({ type: 'stem', stemId, buffer, layout, length });
  }

  dropStem(stemId: string): void {
    this.post({ type: 'drop-stem', stemId });
  }

  /** Sends the channel strips of a mix state (unchanged states are not sent again). */
  apply(state: MixState, focus: MixFocus, routing: { reverbOn: boolean; delayOn: boolean }, immediate: boolean): void {
    // Automated mute (or solo): the lanes decide who is heard, the static switches do not (as in renders).
    const playback = new Map(state.channels.map((ch) => [ch.id, channelPlayback(state, ch, focus)]));
    const lanes = new Map([...playback].map(([id, p]) => [id, p.lanes]));
    const channels: LiveChannelConfig[] = state.channels.map((ch) => {
      return {
        id: ch.id,
        stemId: ch.stemId,
        params: ch.params,
        audible: playback.get(ch.id)!.audible,
        directOn: focus.kind !== 'fx',
        reverbOn: routing.reverbOn,
        delayOn: routing.delayOn,
      };
    });
    const changedLanes = [...lanes].some(([id, l]) => !sameLanes(this.postedLanes.get(id) ?? null, l));
    const key = JSON.stringify(channels);
    if (key === this.lastPosted && !immediate && !changedLanes) return;
    this.lastPosted = key;
    this.index = new Map(channels.map((c, i) => [c.id, i]));
    for (const c of channels) {
      const l = lanes.get(c.id) ?? null;
      if (immediate || !this.postedLanes.has(c.id) || !sameLanes(this.postedLanes.get(c.id) ?? null, l)) c.automation = l;
    }
    this.postedLanes = lanes;
    this.post({ type: 'channels', channels, immediate });
  }

  /** Plays song position `position` (s) from context time `time` (s) at `rate`. */
  start(time: number, position: number, rate: number): void {
    const sr = this.ctx.sampleRate;
    this.post({ type: 'start', frame: Math.round(Math.max(time, this.ctx.currentTime) * sr), songFrame: Math.round(Math.max(0, position) * sr + Math.max(0, this.ctx.currentTime - time) * sr * rate), rate });
  }

  stop(time: number): void {
    this.post({ type: 'stop', frame: Math.round(Math.max(time, this.ctx.currentTime) * this.ctx.sampleRate) });
  }

  setRate(rate: number): void {
    this.post({ type: 'rate', rate });
  }

  /** Where the processor is in the song (s), as of its last block. */
  get songPosition(): number {
    return this.header[STATUS_SONG_FRAME] / this.ctx.sampleRate;
  }

  /** Blocks, over all channels, in which a stem had no audio ready. */
  get underruns(): number {
    return this.header[STATUS_UNDERRUNS];
  }

  private meter(channelId: string, field: number): number {
    const i = this.index.get(channelId);
    return i === undefined ? 0 : this.meters[i * METER_FIELDS + field];
  }

  readLevel(channelId: string): { peakDb: number; rmsDb: number } {
    const toDb = (x: number) => (x > 0 ? 20 * Math.log10(x) : -Infinity);
    return { peakDb: toDb(this.meter(channelId, METER_PEAK)), rmsDb: toDb(this.meter(channelId, METER_RMS)) };
  }

  readGainReduction(channelId: string): number {
    return this.meter(channelId, METER_GR);
  }

  channelUnderruns(channelId: string): number {
    return this.meter(channelId, METER_UNDERRUNS);
  }

  dispose(): void {
    this.post({ type: 'stop', frame: 0 });
    this.node.port.onmessage = null;
    this.node.disconnect();
  }
}

/** Lanes are immutable objects the model keeps while unchanged: identity says whether they changed. */
function sameLanes(a: ChannelAutomation | null, b: ChannelAutomation | null): boolean {
  if (a === b) return true;
  if (!a || !b) return false;
  const ka = Object.keys(a) as Array<keyof ChannelAutomation>;
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
}
