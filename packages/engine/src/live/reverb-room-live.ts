import { ReverbRoomSchedule, type ReverbRoomLanes } from '../offline/reverb-room';
import { STATUS_CONTEXT_FRAME, STATUS_SONG_FRAME, statusViews, type StatusViews } from './mix-protocol';

/** Message to a reverb's room-gates node ('mixroom-delay' with processorOptions.roomGates). */
export interface ReverbRoomMessage {
  type: 'reverb-room';
  /** The reverb's static params (the lanes override the room's). */
  params: Record<string, number>;
  lanes: ReverbRoomLanes | null;
  /** The mix worklet's shared status: where the song is on every frame of this render quantum. */
  status: SharedArrayBuffer | ArrayBuffer;
}

/**
 * The worklet side of live reverb room lanes: puts out, per frame, the feed and gain of each of
 * the reverb's convolver slots (ReverbRoomSchedule.fillGates) at the song frame the mix worklet
 * just played there (it is upstream in the same render quantum). A status not of this quantum
 * holds the gates where the song last was, as a stop does. The convolvers themselves are native
 * nodes the page puts into the slots ahead of time (graph/reverb-room-slots.ts).
 */
export class LiveReverbRoomGates {
  private schedule: ReverbRoomSchedule | null;
  private views: StatusViews;

  constructor(private readonly sampleRate: number, msg: ReverbRoomMessage) {
    this.schedule = msg.lanes ? new ReverbRoomSchedule(msg.params, msg.lanes, sampleRate) : null;
    this.views = statusViews(msg.status);
  }

  update(msg: ReverbRoomMessage): void {
    this.schedule = msg.lanes ? new ReverbRoomSchedule(msg.params, msg.lanes, this.sampleRate) : null;
    this.views = statusViews(msg.status);
  }

  /** Fills the gate channels for the block of context frames [contextFrame, contextFrame + frames). */
  process(out: Float32Array[], frames: number, contextFrame: number): void {
    const s = this.schedule;
    if (!s) {
      for (const c of out) c.fill(0);
      return;
    }
    const { header, positions, rates } = this.views;
    if (header[STATUS_CONTEXT_FRAME] !== contextFrame + frames || frames > positions.length) {
      s.fillGates(out, 0, Math.floor(header[STATUS_SONG_FRAME]), frames, 0);
      return;
    }
    for (let i = 0; i < frames; i++) s.fillGates(out, i, positions[i], 1, rates[i] > 0 ? 1 : 0);
  }
}
