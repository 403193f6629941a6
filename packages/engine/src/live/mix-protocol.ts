import type { ChunkCacheLayout } from './chunk-cache';
import type { ChannelAutomation, ChannelRouting } from '../offline/channel';
import type { BusAutomation } from '../offline/bus-automation';

/** AudioWorklet processor that runs every channel strip of a live mix. */
export const MIX_PROCESSOR_NAME = 'mixroom-mix';

/** Outputs of the mix processor, each stereo: the master sum and the two send buses. */
export const MIX_OUTPUTS = ['dry', 'reverb', 'delay'] as const;

/**
 * A fourth output carries control signals, one channel per automated bus gain stage (reverb
 * return, delay return, master output fader): the gain at each frame's song time where the stage
 * has lanes, 0 where it has not (the native gain's own value then applies).
 */
export const GAIN_OUTPUT = MIX_OUTPUTS.length;
export const GAIN_CHANNELS = ['reverb', 'delay', 'master'] as const;

/** Channels a live mix can hold (the size of the shared meter table). */
export const MAX_LIVE_CHANNELS = 256;

/** One channel as the processor runs it. */
export interface LiveChannelConfig extends ChannelRouting {
  id: string;
  stemId: string;
  params: Record<string, number>;
  /**
   * The channel's automation lanes (null: none). Left out (undefined) when unchanged since the
   * last message, so a fader move does not post every lane again.
   */
  automation?: ChannelAutomation | null;
}

export type MixProcessorMessage =
  /** A stem's shared chunk cache (written by the stem worker); `length` in frames at the context rate. */
  | { type: 'stem'; stemId: string; buffer: SharedArrayBuffer; layout: ChunkCacheLayout; length: number }
  | { type: 'drop-stem'; stemId: string }
  | { type: 'channels'; channels: LiveChannelConfig[]; immediate: boolean }
  /** From context frame `frame` on, play song frame `songFrame` onwards at `rate` (replaces any play in progress). */
  | { type: 'start'; frame: number; songFrame: number; rate: number }
  | { type: 'stop'; frame: number }
  | { type: 'rate'; rate: number }
  /**
   * Lanes of the bus gain stages; `masterDelay`: frames by which the master chain delays the
   * dry sum before the output fader (the limiter's look-ahead), so the fader moves with the audio.
   */
  | { type: 'buses'; buses: BusAutomation; masterDelay: number };

/**
 * Shared status the processor publishes every block, read by the page (meters, underruns) and
 * the stem worker (where the playhead is). Float64 header, then per channel slot METER_FIELDS
 * float32 values in the same SharedArrayBuffer.
 */
export const STATUS_HEADER = ['songFrame', 'playing', 'contextFrame', 'underruns', 'busyFraction'] as const;
export const STATUS_SONG_FRAME = 0;
export const STATUS_PLAYING = 1;
export const STATUS_CONTEXT_FRAME = 2;
export const STATUS_UNDERRUNS = 3;
/** Share of the real-time budget the processor used over the last second (0…1+). */
export const STATUS_BUSY = 4;
/** Per channel: peak and RMS (linear) of the last meter window, compressor GR (dB), underrun blocks. */
export const METER_FIELDS = 4;
export const METER_PEAK = 0;
export const METER_RMS = 1;
export const METER_GR = 2;
export const METER_UNDERRUNS = 3;

/**
 * After the meters, per frame of the block last processed: its song frame, and the rate the song
 * moved at (0: stopped, held at that frame). The master worklet, later in the same render
 * quantum, reads them to play the master chain's lanes on the song frames the dry sum carries.
 */
export const STATUS_BLOCK_FRAMES = 128;

export function statusBytes(): number {
  return STATUS_HEADER.length * 8 + MAX_LIVE_CHANNELS * METER_FIELDS * 4 + 2 * STATUS_BLOCK_FRAMES * 8;
}

export interface StatusViews {
  header: Float64Array;
  meters: Float32Array;
  /** Song frame of each frame of the last block. */
  positions: Float64Array;
  /** Rate of each frame of the last block (0: stopped). */
  rates: Float64Array;
}

export function statusViews(buffer: SharedArrayBuffer | ArrayBuffer): StatusViews {
  const blockAt = STATUS_HEADER.length * 8 + MAX_LIVE_CHANNELS * METER_FIELDS * 4;
  return {
    header: new Float64Array(buffer, 0, STATUS_HEADER.length),
    meters: new Float32Array(buffer, STATUS_HEADER.length * 8, MAX_LIVE_CHANNELS * METER_FIELDS),
    positions: new Float64Array(buffer, blockAt, STATUS_BLOCK_FRAMES),
    rates: new Float64Array(buffer, blockAt + STATUS_BLOCK_FRAMES * 8, STATUS_BLOCK_FRAMES),
  };
}
