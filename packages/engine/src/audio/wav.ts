// RIFF/WAVE encode + decode with no platform dependencies, so the browser (upload
// preview, export) and the server (ingest, demo seeding) share one implementation.
import { mulberry32 } from '../util/prng';

export type AudioFormatErrorCode =
  | 'not-wav'
  | 'truncated'
  | 'missing-chunk'
  | 'unsupported'
  | 'invalid'
  | 'empty';

export class AudioFormatError extends Error {
  readonly code: AudioFormatErrorCode;
  constructor(code: AudioFormatErrorCode, message: string) {
    super(message);
    this.name = 'AudioFormatError';
    this.code = code;
  }
}

export const MIN_SAMPLE_RATE = 8_000;
export const MAX_SAMPLE_RATE = 384_000;

export interface EncodeWavOptions {
  bitDepth: 16 | 24 | 32;
  /** Only meaningful with bitDepth 32: IEEE float (format 3) instead of 32-bit integer PCM. */
  float?: boolean;
  /** Defaults to 'tpdf' for 16/24-bit integer output; ignored for 32-bit. */
  dither?: 'tpdf' | 'none';
  /** Seed for the dither noise, so identical input gives byte-identical files. */
  ditherSeed?: number;
}

export interface DecodedWav {
  sampleRate: number;
  channels: Float32Array[];
  /** Container bits per sample (a 24-in-32 extensible file reports 32). */
  bitDepth: number;
  format: 'pcm' | 'float';
}

const WAVE_FORMAT_PCM = 1;
const WAVE_FORMAT_IEEE_FLOAT = 3;
const WAVE_FORMAT_EXTENSIBLE = 0xfffe;

// KSDATAFORMAT_SUBTYPE_* GUIDs share this tail; the first two bytes carry the real format tag.
const SUBFORMAT_GUID_TAIL = [
  0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71,
];

function checkSampleRate(sampleRate: number): void {
  if (!Number.isInteger(sampleRate) || sampleRate < MIN_SAMPLE_RATE || sampleRate > MAX_SAMPLE_RATE) {
    throw new AudioFormatError(
      'unsupported',
      `Sample rate ${sampleRate} Hz is outside the supported range ${MIN_SAMPLE_RATE}–${MAX_SAMPLE_RATE} Hz`,
    );
  }
}

export function encodeWav(
  channels: Float32Array[],
  sampleRate: number,
  opts: EncodeWavOptions,
): Uint8Array {
  const frames = channels.length > 0 ? channels[0].length : 0;
  for (const ch of channels) {
    if (ch.length !== frames) throw new AudioFormatError('invalid', 'All channels must have the same length');
  }
  const enc = new WavEncoder(channels.length, frames, sampleRate, opts);
  const out = new Uint8Array(enc.fileBytes);
  out.set(enc.header());
  enc.encodeInto(channels, frames, out, enc.headerBytes);
  return out;
}

/**
 * A WAV file written piece by piece (a long render goes to disk as it is made): the header for
 * `frames` frames, then the samples in order, with the dither noise running on across pieces, so
 * the bytes are those encodeWav gives for the whole audio at once.
 */
export class WavEncoder {
  readonly headerBytes: number;
  readonly fileBytes: number;
  private readonly numChannels: number;
  private readonly bitDepth: 16 | 24 | 32;
  private readonly isFloat: boolean;
  private readonly bytesPerSample: number;
  private readonly useDither: boolean;
  private readonly rand: () => number;
  private readonly headerOut: Uint8Array;
  private written = 0;

  constructor(numChannels: number, readonly frames: number, sampleRate: number, opts: EncodeWavOptions) {
    if (numChannels === 0) throw new AudioFormatError('invalid', 'Cannot encode WAV with zero channels');
    if (numChannels > 65535) throw new AudioFormatError('invalid', `Too many channels: ${numChannels}`);
    checkSampleRate(sampleRate);
    const { bitDepth } = opts;
    if (bitDepth !== 16 && bitDepth !== 24 && bitDepth !== 32) {
      throw new AudioFormatError('unsupported', `Unsupported bit depth ${String(bitDepth)}`);
    }
    const isFloat = opts.float === true;
    if (isFloat && bitDepth !== 32) {
      throw new AudioFormatError('unsupported', `Float WAV must be 32-bit, got ${bitDepth}`);
    }
    this.numChannels = numChannels;
    this.bitDepth = bitDepth;
    this.isFloat = isFloat;
    const bytesPerSample = bitDepth / 8;
    this.bytesPerSample = bytesPerSample;
    this.useDither = bitDepth !== 32 && (opts.dither ?? 'tpdf') === 'tpdf';
    this.rand = mulberry32(opts.ditherSeed ?? 0x9e3779b9);
    const blockAlign = numChannels * bytesPerSample;
    const dataBytes = frames * blockAlign;
    // Multichannel (>2) files should be WAVE_FORMAT_EXTENSIBLE so players know the speaker layout.
    const extensible = numChannels > 2;
    const formatTag = isFloat ? WAVE_FORMAT_IEEE_FLOAT : WAVE_FORMAT_PCM;
    const fmtSize = extensible ? 40 : isFloat ? 18 : 16;
    // Non-PCM formats are supposed to carry a fact chunk with the frame count.
    const hasFact = isFloat || extensible;
    const headerBytes = 12 + 8 + fmtSize + (hasFact ? 12 : 0) + 8;
    const riffSize = headerBytes - 8 + dataBytes + (dataBytes & 1);
    if (riffSize > 0xffffffff) throw new AudioFormatError('invalid', 'Audio too long for a RIFF WAV (>4 GiB)');
    this.headerBytes = headerBytes;
    this.fileBytes = headerBytes + dataBytes + (dataBytes & 1);

    const out = new Uint8Array(headerBytes);
    const view = new DataView(out.buffer);
    const ascii = (offset: number, s: string) => {
      for (let i = 0; i < s.length; i++) out[offset + i] = s.charCodeAt(i);
    };
    let p = 0;
    ascii(p, 'RIFF'); view.setUint32(p + 4, riffSize, true); ascii(p + 8, 'WAVE'); p += 12;
    ascii(p, 'fmt '); view.setUint32(p + 4, fmtSize, true); p += 8;
    view.setUint16(p, extensible ? WAVE_FORMAT_EXTENSIBLE : formatTag, true);
    view.setUint16(p + 2, numChannels, true);
    view.setUint32(p + 4, sampleRate, true);
    view.setUint32(p + 8, sampleRate * blockAlign, true);
    view.setUint16(p + 12, blockAlign, true);
    view.setUint16(p + 14, bitDepth, true);
    if (fmtSize >= 18) view.setUint16(p + 16, fmtSize - 18, true);
    if (extensible) {
      view.setUint16(p + 18, bitDepth, true);
      const mask = numChannels <= 32 ? (numChannels === 32 ? 0xffffffff : 2 ** numChannels - 1) : 0;
      view.setUint32(p + 20, mask, true);
      view.setUint16(p + 24, formatTag, true);
      out.set(SUBFORMAT_GUID_TAIL, p + 26);
    }
    p += fmtSize;
    if (hasFact) {
      ascii(p, 'fact'); view.setUint32(p + 4, 4, true); view.setUint32(p + 8, frames, true); p += 12;
    }
    ascii(p, 'data'); view.setUint32(p + 4, dataBytes, true);
    this.headerOut = out;
  }

  header(): Uint8Array {
    return this.headerOut;
  }

  /** The next `frames` frames as WAV sample bytes, plus the pad byte after the last ones. */
  encode(channels: Float32Array[], frames: number): Uint8Array {
    const last = this.written + frames === this.frames;
    const pad = last ? (this.frames * this.numChannels * this.bytesPerSample) & 1 : 0;
    const out = new Uint8Array(frames * this.numChannels * this.bytesPerSample + pad);
    this.encodeInto(channels, frames, out, 0);
    return out;
  }

  /** Writes the next `frames` frames into `out` at byte `p`. */
  encodeInto(channels: Float32Array[], frames: number, out: Uint8Array, p: number): void {
    if (channels.length !== this.numChannels) throw new AudioFormatError('invalid', `Expected ${this.numChannels} channels, got ${channels.length}`);
    if (this.written + frames > this.frames) throw new AudioFormatError('invalid', `More frames than the ${this.frames} the header declares`);
    this.written += frames;
    const numChannels = this.numChannels;
    const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
    if (this.isFloat) {
      for (let i = 0; i < frames; i++) {
        for (let c = 0; c < numChannels; c++) {
          const v = channels[c][i];
          // Float files may legally exceed ±1, but NaN/Inf would poison every downstream DSP stage.
          view.setFloat32(p, Number.isFinite(v) ? v : 0, true);
          p += 4;
        }
      }
      return;
    }
    const { bitDepth, bytesPerSample, useDither, rand } = this;
    const scale = 2 ** (bitDepth - 1);
    const maxInt = scale - 1;
    const minInt = -scale;
    for (let i = 0; i < frames; i++) {
      for (let c = 0; c < numChannels; c++) {
        let v = channels[c][i];
        if (!Number.isFinite(v)) v = 0;
        let x = v * scale;
        // TPDF: sum of two uniforms spans ±1 LSB and decorrelates quantisation error from the signal.
        if (useDither) x += rand() - rand();
        let q = Math.round(x);
        if (q > maxInt) q = maxInt;
        else if (q < minInt) q = minInt;
        if (bitDepth === 16) {
          view.setInt16(p, q, true);
        } else if (bitDepth === 24) {
          out[p] = q & 0xff;
          out[p + 1] = (q >> 8) & 0xff;
          out[p + 2] = (q >> 16) & 0xff;
        } else {
          view.setInt32(p, q, true);
        }
        p += bytesPerSample;
      }
    }
  }
}

function fourcc(bytes: Uint8Array, offset: number): string {
  return String.fromCharCode(bytes[offset], bytes[offset + 1], bytes[offset + 2], bytes[offset + 3]);
}

/**
 * Decode a RIFF/WAVE file to float channels.
 *
 * Lying sizes policy: the RIFF size is ignored, and a `data` chunk size that runs past the
 * end of the buffer is CLAMPED to the bytes actually present (streaming recorders routinely leave
 * 0 or 0xFFFFFFFF there), and a trailing partial frame is dropped. A `fmt ` chunk that is
 * cut short, or a file that ends before any `data` byte, is REJECTED — there is nothing
 * trustworthy to decode.
 */
export function decodeWav(bytes: Uint8Array): DecodedWav {
  if (bytes.length < 12) {
    throw new AudioFormatError('truncated', `File is ${bytes.length} bytes; a WAV header needs at least 12`);
  }
  const riff = fourcc(bytes, 0);
  if (riff === 'RF64') throw new AudioFormatError('unsupported', 'RF64 (64-bit WAV) is not supported');
  if (riff !== 'RIFF' || fourcc(bytes, 8) !== 'WAVE') {
    throw new AudioFormatError('not-wav', 'Not a WAV file (missing RIFF/WAVE signature)');
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // The RIFF size field is not trusted at all (it is as often 0 or stale as correct); chunks are walked to the real end.
  const riffEnd = bytes.length;

  let fmt:
    | { tag: number; channels: number; sampleRate: number; blockAlign: number; bits: number }
    | undefined;
  let dataStart = -1;
  let dataLen = 0;

  let p = 12;
  while (p + 8 <= riffEnd) {
    const id = fourcc(bytes, p);
    const size = view.getUint32(p + 4, true);
    const body = p + 8;
    if (id === 'fmt ') {
      if (size < 16) throw new AudioFormatError('invalid', `fmt chunk is ${size} bytes; needs at least 16`);
      if (body + 16 > bytes.length) {
        throw new AudioFormatError('truncated', 'File ends inside the fmt chunk');
      }
      let tag = view.getUint16(body, true);
      const channels = view.getUint16(body + 2, true);
      const sampleRate = view.getUint32(body + 4, true);
      const blockAlign = view.getUint16(body + 12, true);
      const bits = view.getUint16(body + 14, true);
      if (tag === WAVE_FORMAT_EXTENSIBLE) {
        if (size < 40 || body + 40 > bytes.length) {
          throw new AudioFormatError(
            body + 40 > bytes.length ? 'truncated' : 'invalid',
            'WAVE_FORMAT_EXTENSIBLE fmt chunk is shorter than 40 bytes',
          );
        }
        tag = view.getUint16(body + 24, true);
      }
      fmt = { tag, channels, sampleRate, blockAlign, bits };
    } else if (id === 'data') {
      dataStart = body;
      // Clamp: see the lying-sizes policy above.
      dataLen = Math.max(0, Math.min(size, bytes.length - body));
      if (fmt) break;
    }
    // Chunks are word-aligned; unknown ones (LIST, bext, JUNK, cue …) are skipped.
    const next = body + size + (size & 1);
    if (next <= p) break;
    p = next;
  }

  if (!fmt) {
    if (bytes.length < 20) throw new AudioFormatError('truncated', 'File ends right after the RIFF header');
    throw new AudioFormatError('missing-chunk', 'WAV has no fmt chunk');
  }
  if (fmt.channels === 0) throw new AudioFormatError('invalid', 'WAV declares zero channels');
  checkSampleRate(fmt.sampleRate);

  let format: 'pcm' | 'float';
  if (fmt.tag === WAVE_FORMAT_PCM) {
    if (![8, 16, 24, 32].includes(fmt.bits)) {
      throw new AudioFormatError('unsupported', `Unsupported PCM bit depth ${fmt.bits}`);
    }
    format = 'pcm';
  } else if (fmt.tag === WAVE_FORMAT_IEEE_FLOAT) {
    if (fmt.bits !== 32 && fmt.bits !== 64) {
      throw new AudioFormatError('unsupported', `Unsupported float bit depth ${fmt.bits}`);
    }
    format = 'float';
  } else {
    throw new AudioFormatError('unsupported', `Unsupported WAV format tag 0x${fmt.tag.toString(16)} (only PCM and IEEE float)`);
  }

  if (dataStart < 0) {
    // Walking chunks ending anywhere but exactly at EOF means the file was cut off.
    if (p !== bytes.length) throw new AudioFormatError('truncated', 'File ends before the data chunk');
    throw new AudioFormatError('missing-chunk', 'WAV has no data chunk');
  }
  const bytesPerSample = fmt.bits / 8;
  const frameBytes = fmt.channels * bytesPerSample;
  // Some writers put garbage in blockAlign; the sample layout is fully determined by channels × bits.
  if (fmt.blockAlign !== 0 && fmt.blockAlign !== frameBytes) {
    throw new AudioFormatError('invalid', `blockAlign ${fmt.blockAlign} does not match ${fmt.channels} ch × ${fmt.bits} bit`);
  }
  const frames = Math.floor(dataLen / frameBytes);
  if (frames === 0) throw new AudioFormatError('empty', 'WAV data chunk contains no audio frames');

  const channels: Float32Array[] = [];
  for (let c = 0; c < fmt.channels; c++) channels.push(new Float32Array(frames));
  const nc = fmt.channels;
  let q = dataStart;
  if (format === 'float') {
    for (let i = 0; i < frames; i++) {
      for (let c = 0; c < nc; c++) {
        channels[c][i] = fmt.bits === 32 ? view.getFloat32(q, true) : view.getFloat64(q, true);
        q += bytesPerSample;
      }
    }
  } else if (fmt.bits === 16) {
    for (let i = 0; i < frames; i++) {
      for (let c = 0; c < nc; c++) { channels[c][i] = view.getInt16(q, true) / 32768; q += 2; }
    }
  } else if (fmt.bits === 24) {
    for (let i = 0; i < frames; i++) {
      for (let c = 0; c < nc; c++) {
        const v = (bytes[q] | (bytes[q + 1] << 8) | (bytes[q + 2] << 16)) << 8 >> 8;
        channels[c][i] = v / 8388608;
        q += 3;
      }
    }
  } else if (fmt.bits === 32) {
    for (let i = 0; i < frames; i++) {
      for (let c = 0; c < nc; c++) { channels[c][i] = view.getInt32(q, true) / 2147483648; q += 4; }
    }
  } else {
    // 8-bit WAV is unsigned with a 128 midpoint.
    for (let i = 0; i < frames; i++) {
      for (let c = 0; c < nc; c++) { channels[c][i] = (bytes[q] - 128) / 128; q += 1; }
    }
  }
  return { sampleRate: fmt.sampleRate, channels, bitDepth: fmt.bits, format };
}
