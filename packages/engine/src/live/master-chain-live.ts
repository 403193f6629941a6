import { BusChainDsp, type MasterChainLanes } from '../offline/master-automation';
import { STATUS_CONTEXT_FRAME, STATUS_SONG_FRAME, statusViews, type StatusViews } from './mix-protocol';

/**
 * Message to the master 'mixroom-dynamics' node (kind 'master') or the 'mixroom-delay' node
 * (kind 'delay'): play the chain with these lanes (null: back to its AudioParams).
 */
export interface MasterChainMessage {
  type: 'master-chain';
  kind?: 'master' | 'delay' | 'eq';
  /** Session tempo (a synced delay). */
  tempo?: number;
  /** The master's static params (the lanes override theirs). */
  params: Record<string, number>;
  lanes: MasterChainLanes | null;
  /** The mix worklet's shared status: where the song is on every frame of this render quantum. */
  status: SharedArrayBuffer | ArrayBuffer;
}

/**
 * The master chain (or the delay return's) of live playback while it has lanes: the renders'
 * BusChainDsp, run by the master worklet (or the delay worklet) on the song frames the mix worklet just put into the dry sum (it is
 * upstream, so it has run this render quantum already and left the song frame and rate of each
 * of its frames in the shared status). Runs of consecutive song frames go through as one piece;
 * a stop holds the lanes where the song stopped; a status that is not this quantum's (the mix
 * node not running) is taken as stopped where the song last was.
 */
export class LiveMasterChain {
  dsp: BusChainDsp;
  private views: StatusViews;
  private tempo: number;

  constructor(private readonly sampleRate: number, msg: MasterChainMessage) {
    this.tempo = msg.tempo ?? 120;
    this.dsp = new BusChainDsp(sampleRate, msg.kind ?? 'master', msg.params, msg.lanes, this.tempo);
    this.views = statusViews(msg.status);
  }

  /** A later message: new static values and lanes (a new tempo starts the chain afresh). */
  update(msg: MasterChainMessage): void {
    if ((msg.tempo ?? 120) !== this.tempo) {
      this.tempo = msg.tempo ?? 120;
      this.dsp = new BusChainDsp(this.sampleRate, msg.kind ?? 'master', msg.params, msg.lanes, this.tempo);
    } else {
      this.dsp.configure(msg.params);
      this.dsp.setLanes(msg.lanes);
    }
    this.views = statusViews(msg.status);
  }

  /** Processes the block of context frames [contextFrame, contextFrame + frames) in place. */
  process(channels: Float32Array[], frames: number, contextFrame: number): void {
    const { header, positions, rates } = this.views;
    if (header[STATUS_CONTEXT_FRAME] !== contextFrame + frames || frames > positions.length) {
      this.dsp.process(channels, frames, Math.floor(header[STATUS_SONG_FRAME]), false);
      return;
    }
    for (let i = 0; i < frames; ) {
      const advance = rates[i] > 0;
      const start = Math.round(positions[i]);
      let j = i + 1;
      while (j < frames && rates[j] > 0 === advance && Math.round(positions[j]) === (advance ? start + (j - i) : start)) j++;
      if (i === 0 && j === frames) this.dsp.process(channels, frames, start, advance);
      else this.piece(channels, i, j - i, start, advance);
      i = j;
    }
  }

  private readonly part = [new Float32Array(128), new Float32Array(128)];

  /** A block cut by a start, stop or seek: each piece through a scratch copy (no allocation). */
  private piece(channels: Float32Array[], from: number, n: number, songFrame: number, advance: boolean): void {
    const p = this.part;
    for (let c = 0; c < 2; c++) {
      const src = channels[Math.min(c, channels.length - 1)];
      for (let i = 0; i < n; i++) p[c][i] = src[from + i];
    }
    this.dsp.process(p, n, songFrame, advance);
    for (let c = 0; c < channels.length && c < 2; c++) for (let i = 0; i < n; i++) channels[c][from + i] = p[c][i];
  }
}
