/**
 * Where the samples of an uncompressed audio file are and how they are stored, read from the
 * first bytes of the file only (WAV/RF64, WAVE_FORMAT_EXTENSIBLE, AIFF/AIFF-C): what lets a
 * player read any frame range of a long stem straight from a cached file, with no decoding.
 */
export interface PcmLayout {
  sampleRate: number;
  channels: number;
  /** Bytes per sample of one channel (1, 2, 3, 4 or 8). */
  bytesPerSample: number;
  float: boolean;
  bigEndian: boolean;
  /** AIFF-C 'sowt' and 8-bit WAV are stored this way. */
  unsigned8: boolean;
  /** Byte offset of the first frame. */
  dataOffset: number;
  /** Frames in the file (clamped to the bytes the file holds when its size is known). */
  frames: number;
}

const fourcc = (b: Uint8Array, at: number) => String.fromCharCode(b[at], b[at + 1], b[at + 2], b[at + 3]);

/**
 * Reads the layout from the start of a file (`fileBytes`: its whole size, when known). Returns
 * null when the file is not uncompressed WAV/AIFF (a compressed stem is decoded instead), and
 * throws when it is one but its header says something impossible.
 */
export function parsePcmLayout(head: Uint8Array, fileBytes = Infinity): PcmLayout | null {
  if (head.length < 12) return null;
  const id = fourcc(head, 0);
  if ((id === 'RIFF' || id === 'RF64') && fourcc(head, 8) === 'WAVE') return wavLayout(head, id === 'RF64', fileBytes);
  if (id === 'FORM' && (fourcc(head, 8) === 'AIFF' || fourcc(head, 8) === 'AIFC')) return aiffLayout(head, fourcc(head, 8) === 'AIFC', fileBytes);
  return null;
}

function wavLayout(b: Uint8Array, rf64: boolean, fileBytes: number): PcmLayout | null {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let fmt: { tag: number; channels: number; rate: number; bits: number; align: number } | null = null;
  let ds64Data = -1;
  for (let p = 12; p + 8 <= b.length; ) {
    const id = fourcc(b, p);
    const size = v.getUint32(p + 4, true);
    const body = p + 8;
    if (id === 'ds64' && body + 16 <= b.length) ds64Data = v.getUint32(body + 8, true) + v.getUint32(body + 12, true) * 2 ** 32;
    if (id === 'fmt ' && body + 16 <= b.length) {
      let tag = v.getUint16(body, true);
      if (tag === 0xfffe && body + 26 <= b.length) tag = v.getUint16(body + 24, true);
      fmt = { tag, channels: v.getUint16(body + 2, true), rate: v.getUint32(body + 4, true), align: v.getUint16(body + 12, true), bits: v.getUint16(body + 14, true) };
    }
    if (id === 'data') {
      if (!fmt) throw new Error('WAV: the data chunk comes before the fmt chunk');
      if (fmt.tag !== 1 && fmt.tag !== 3) return null;
      if (fmt.channels < 1 || fmt.align < fmt.channels) throw new Error('WAV: the fmt chunk declares an impossible frame size');
      const bytesPerSample = fmt.align / fmt.channels;
      if (![1, 2, 3, 4, 8].includes(bytesPerSample) || (fmt.tag === 3 && bytesPerSample !== 4 && bytesPerSample !== 8)) throw new Error(`WAV: ${fmt.bits}-bit samples in ${bytesPerSample}-byte containers are not supported`);
      const declared = rf64 && size === 0xffffffff && ds64Data >= 0 ? ds64Data : size;
      const bytes = Math.min(declared, Math.max(0, fileBytes - body));
      return { sampleRate: fmt.rate, channels: fmt.channels, bytesPerSample, float: fmt.tag === 3, bigEndian: false, unsigned8: bytesPerSample === 1, dataOffset: body, frames: Math.floor(bytes / fmt.align) };
    }
    p = body + size + (size & 1);
  }
  return null;
}

function aiffLayout(b: Uint8Array, aifc: boolean, fileBytes: number): PcmLayout | null {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let comm: { channels: number; frames: number; bits: number; rate: number; float: boolean; little: boolean } | null = null;
  for (let p = 12; p + 8 <= b.length; ) {
    const id = fourcc(b, p);
    const size = v.getUint32(p + 4, false);
    const body = p + 8;
    if (id === 'COMM' && body + 18 <= b.length) {
      const compression = aifc && body + 22 <= b.length ? fourcc(b, body + 18) : 'NONE';
      if (!['NONE', 'sowt', 'fl32', 'FL32', 'fl64', 'FL64'].includes(compression)) return null;
      comm = {
        channels: v.getUint16(body, false),
        frames: v.getUint32(body + 2, false),
        bits: v.getUint16(body + 6, false),
        rate: extended80(v, body + 8),
        float: compression.toLowerCase().startsWith('fl'),
        little: compression === 'sowt',
      };
    }
    if (id === 'SSND') {
      if (!comm) throw new Error('AIFF: the sound data comes before the COMM chunk');
      const offset = v.getUint32(body, false);
      const bytesPerSample = comm.float ? (comm.bits === 64 ? 8 : 4) : Math.ceil(comm.bits / 8);
      const align = bytesPerSample * comm.channels;
      const dataOffset = body + 8 + offset;
      const fit = Math.floor(Math.max(0, Math.min(size - 8 - offset, fileBytes - dataOffset)) / align);
      return { sampleRate: Math.round(comm.rate), channels: comm.channels, bytesPerSample, float: comm.float, bigEndian: !comm.little, unsigned8: false, dataOffset, frames: Math.min(comm.frames, fit) };
    }
    p = body + size + (size & 1);
  }
  return null;
}

/** IEEE 754 80-bit extended (AIFF's sample rate). */
function extended80(v: DataView, at: number): number {
  const exp = v.getUint16(at, false) & 0x7fff;
  const hi = v.getUint32(at + 2, false);
  const lo = v.getUint32(at + 6, false);
  return (hi * 2 ** 32 + lo) * 2 ** (exp - 16383 - 63);
}

/**
 * Converts `frames` whole frames of `bytes` (laid out as `layout`) to float, channel c into
 * out[c] from `outOffset` (extra file channels are dropped; a mono out takes channel 0).
 */
export function pcmToFloat(bytes: Uint8Array, layout: PcmLayout, frames: number, out: Float32Array[], outOffset = 0): void {
  const { channels, bytesPerSample: n, float, bigEndian } = layout;
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const le = !bigEndian;
  const align = channels * n;
  for (let c = 0; c < out.length; c++) {
    const dst = out[c];
    const ch = Math.min(c, channels - 1);
    let p = ch * n;
    for (let i = 0; i < frames; i++, p += align) {
      let x: number;
      if (float) x = n === 4 ? v.getFloat32(p, le) : v.getFloat64(p, le);
      else if (n === 3) {
        const b0 = bytes[p], b1 = bytes[p + 1], b2 = bytes[p + 2];
        const u = le ? b0 | (b1 << 8) | (b2 << 16) : b2 | (b1 << 8) | (b0 << 16);
        x = ((u << 8) >> 8) / 8388608;
      } else if (n === 2) x = v.getInt16(p, le) / 32768;
      else if (n === 4) x = v.getInt32(p, le) / 2147483648;
      else x = layout.unsigned8 ? (bytes[p] - 128) / 128 : ((bytes[p] << 24) >> 24) / 128;
      dst[outOffset + i] = x;
    }
  }
}
