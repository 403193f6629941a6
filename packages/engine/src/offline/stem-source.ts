/**
 * Where a render or the live engine reads a stem's audio from: a whole decoded AudioBuffer, or a
 * window streamed from a local cache (the browser's stem cache, the server's blob store). The
 * render asks for each stretch of a few seconds ahead of time with `prepare`, then reads it
 * synchronously block by block, so memory holds one stretch per stem whatever the length of the
 * song (renderStream: 65,536 frames, inside its 16 s segments).
 */
export interface StemSource {
  readonly sampleRate: number;
  readonly numberOfChannels: number;
  /** Frames in the stem. */
  readonly length: number;
  /** Makes frames [start, start + frames) readable by `read` (fetches or decodes them). */
  prepare?(start: number, frames: number): Promise<void>;
  /**
   * Copies frames [start, start + frames) into `out` (one array per channel, at least `frames`
   * long), zeros past the end of the stem. Returns false when some of them were not available.
   */
  read(start: number, frames: number, out: Float32Array[]): boolean;
  /** Releases what `prepare` holds (a render calls it when it is done). */
  close?(): void;
}

/** A stem decoded whole into an AudioBuffer (tests, Node renders of small sessions). */
export class AudioBufferSource implements StemSource {
  private readonly data: Float32Array[];

  constructor(readonly buffer: AudioBuffer) {
    // Views, not copies: the stem is read in place (Chromium and node-web-audio-api alike).
    this.data = Array.from({ length: buffer.numberOfChannels }, (_, c) => buffer.getChannelData(c));
  }

  get sampleRate(): number {
    return this.buffer.sampleRate;
  }

  get numberOfChannels(): number {
    return this.buffer.numberOfChannels;
  }

  get length(): number {
    return this.buffer.length;
  }

  read(start: number, frames: number, out: Float32Array[]): boolean {
    return copyFrames(this.data, start, frames, out);
  }
}

/** Copies planar frames from `data` (zero outside it) into `out`; true when all were inside. */
export function copyFrames(data: readonly Float32Array[], start: number, frames: number, out: Float32Array[]): boolean {
  for (let c = 0; c < out.length; c++) {
    const src = data[Math.min(c, data.length - 1)];
    const dst = out[c];
    const from = Math.max(0, start);
    const lead = Math.min(frames, from - start);
    if (lead > 0) dst.fill(0, 0, lead);
    const available = Math.max(0, Math.min(frames - lead, src.length - from));
    if (available > 0) dst.set(src.subarray(from, from + available), lead);
    dst.fill(0, lead + available, frames);
  }
  return true;
}

export type StemInput = AudioBuffer | StemSource;

export function isStemSource(input: StemInput): input is StemSource {
  return typeof (input as StemSource).read === 'function';
}

export function toStemSource(input: StemInput): StemSource {
  return isStemSource(input) ? input : new AudioBufferSource(input);
}

export function stemDuration(input: StemInput): number {
  return input.length / input.sampleRate;
}
