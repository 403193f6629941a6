// Content-based audio format probing. The file name and the client's Content-Type are never
// trusted: only the bytes decide what a stem is. Reads are random-access (head and, for Ogg,
// the tail) so probing a 2 GB upload touches a few kilobytes, not the whole file.

export type AudioContainer = 'wav' | 'aiff' | 'flac' | 'mp3' | 'ogg';
export type AudioCodec = 'pcm' | 'float' | 'flac' | 'mp3' | 'vorbis' | 'opus';

export interface ProbeResult {
  container: AudioContainer;
  codec: AudioCodec;
  /** What clients should be told the file is (Content-Type of the stored stem). */
  mimeType: string;
  /** File extension matching the content, without dot. */
  extension: string;
  sampleRate: number;
  channels: number;
  /** Bits per sample for PCM/float/FLAC; null for lossy codecs. */
  bitDepth: number | null;
  durationSec: number;
  /** Uncompressed PCM payload location (wav/aiff), used to stream peaks without decoding. */
  pcm?: { dataOffset: number; dataBytes: number; bigEndian: boolean; float: boolean; bytesPerSample: number };
}

export const ACCEPTED_FORMATS =
  'accepted formats: WAV (PCM 8/16/24/32-bit, 32/64-bit float, incl. WAVE_FORMAT_EXTENSIBLE and RF64), AIFF/AIFF-C, FLAC, MP3, Ogg Vorbis, Ogg Opus';

/** Why a file was refused; `message` is shown to the uploader verbatim. */
export class ProbeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProbeError';
  }
}

/** Reads up to `length` bytes at `offset` (fewer at end of file). */
export type ByteReader = (offset: number, length: number) => Promise<Uint8Array>;

const MIN_RATE = 8000;
const MAX_RATE = 384_000;
const MAX_CHANNELS = 64;
const HEAD_BYTES = 64 * 1024;

const ascii = (b: Uint8Array, at: number, n: number) => String.fromCharCode(...b.subarray(at, at + n));
const reject = (what: string) => new ProbeError(`${what}; ${ACCEPTED_FORMATS}`);

function checkRate(format: string, rate: number): void {
  if (!Number.isFinite(rate) || rate < MIN_RATE || rate > MAX_RATE) {
    throw new ProbeError(`${format}: sample rate ${rate} Hz is outside the supported ${MIN_RATE}-${MAX_RATE} Hz`);
  }
}
function checkChannels(format: string, channels: number): void {
  if (channels < 1) throw new ProbeError(`${format}: header declares zero channels`);
  if (channels > MAX_CHANNELS) throw new ProbeError(`${format}: header declares ${channels} channels (at most ${MAX_CHANNELS} supported)`);
}

export async function probeAudio(read: ByteReader, size: number): Promise<ProbeResult> {
  if (size === 0) throw reject('this file is empty');
  const head = await read(0, Math.min(size, HEAD_BYTES));
  if (head.length < 12) throw reject(`the file is only ${size} bytes, too short to be audio`);
  const magic4 = ascii(head, 0, 4);
  if ((magic4 === 'RIFF' || magic4 === 'RF64' || magic4 === 'BW64') && ascii(head, 8, 4) === 'WAVE') return probeWav(read, head, size);
  if (magic4 === 'FORM' && (ascii(head, 8, 4) === 'AIFF' || ascii(head, 8, 4) === 'AIFC')) return probeAiff(read, head, size);
  if (magic4 === 'OggS') return probeOgg(read, head, size);
  let start = 0;
  if (ascii(head, 0, 3) === 'ID3') start = id3v2Size(head, size);
  const after = start === 0 ? head : await read(start, HEAD_BYTES);
  if (after.length >= 4 && ascii(after, 0, 4) === 'fLaC') return probeFlac(read, start, size);
  if (isMp3Sync(after, 0) || start > 0) return probeMp3(read, start, size);
  // Plain words for whoever dropped the file; the bytes themselves mean nothing to them.
  throw reject(`this file is not audio${describeNonAudio(head)}`);
}

function describeNonAudio(b: Uint8Array): string {
  if (b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return ' (it is a JPEG image)';
  if (ascii(b, 1, 3) === 'PNG') return ' (it is a PNG image)';
  if (ascii(b, 0, 4) === '%PDF') return ' (it is a PDF document)';
  if (ascii(b, 0, 2) === 'PK') return ' (it is a ZIP archive)';
  if (ascii(b, 4, 4) === 'ftyp') return ' (it is an MP4/M4A file, which is not supported: export WAV, FLAC or MP3)';
  if (ascii(b, 0, 4) === 'RIFF') return ' (it is a RIFF file but not a WAV)';
  return '';
}

// ---------------------------------------------------------------- WAV

const GUID_TAIL = '000000001000800000aa00389b71';

async function probeWav(read: ByteReader, head: Uint8Array, size: number): Promise<ProbeResult> {
  const v = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const isRf64 = ascii(head, 0, 4) !== 'RIFF';
  let declared = v.getUint32(4, true) + 8;
  let ds64Data: number | null = null;
  let fmt: { tag: number; channels: number; rate: number; blockAlign: number; bits: number } | null = null;
  let offset = 12;
  let chunkHead = head;
  let chunkBase = 0;
  for (;;) {
    if (offset + 8 > size) break;
    if (offset + 8 > chunkBase + chunkHead.length) {
      chunkBase = offset;
      chunkHead = await read(offset, 4096);
    }
    const cv = new DataView(chunkHead.buffer, chunkHead.byteOffset, chunkHead.byteLength);
    const rel = offset - chunkBase;
    const id = ascii(chunkHead, rel, 4);
    let len = cv.getUint32(rel + 4, true);
    if (id === 'ds64') {
      if (rel + 8 + 24 > chunkHead.length) throw new ProbeError('RF64: ds64 chunk is truncated');
      declared = Number(cv.getBigUint64(rel + 8, true)) + 8;
      ds64Data = Number(cv.getBigUint64(rel + 16, true));
    } else if (id === 'fmt ') {
      if (len < 16 || rel + 8 + Math.min(len, 40) > chunkHead.length) throw new ProbeError(`WAV: fmt chunk is ${len} bytes, needs at least 16`);
      let tag = cv.getUint16(rel + 8, true);
      const channels = cv.getUint16(rel + 10, true);
      const rate = cv.getUint32(rel + 12, true);
      const blockAlign = cv.getUint16(rel + 20, true);
      const bits = cv.getUint16(rel + 22, true);
      if (tag === 0xfffe) {
        if (len < 40) throw new ProbeError('WAV: WAVE_FORMAT_EXTENSIBLE fmt chunk is shorter than 40 bytes');
        const guid = [...chunkHead.subarray(rel + 8 + 24, rel + 8 + 40)].map((x) => x.toString(16).padStart(2, '0')).join('');
        if (guid.slice(4) !== GUID_TAIL) throw new ProbeError('WAV: WAVE_FORMAT_EXTENSIBLE with an unknown sub-format GUID');
        tag = cv.getUint16(rel + 8 + 24, true);
      }
      fmt = { tag, channels, rate, blockAlign, bits };
    } else if (id === 'data') {
      if (!fmt) throw new ProbeError('WAV: data chunk comes before the fmt chunk');
      if (isRf64 && len === 0xffffffff) {
        if (ds64Data === null) throw new ProbeError('RF64: data size is in a ds64 chunk, but there is none');
        len = ds64Data;
      } else if (!isRf64 && (len === 0xffffffff || len === 0) && size > offset + 8) {
        // Streaming recorders (and ffmpeg writing to a pipe) cannot seek back to fill the sizes in;
        // these two values mean "until the end of the file", not a claim to check.
        len = size - offset - 8;
        declared = size;
      }
      return finishWav(fmt, offset + 8, len, declared, size);
    }
    offset += 8 + len + (len & 1);
  }
  throw new ProbeError(fmt ? 'WAV: no data chunk (file truncated before the audio?)' : 'WAV: no fmt chunk before the end of the file');
}

function finishWav(
  fmt: { tag: number; channels: number; rate: number; blockAlign: number; bits: number },
  dataOffset: number,
  dataBytes: number,
  declared: number,
  size: number,
): ProbeResult {
  const { tag, channels, rate, bits, blockAlign } = fmt;
  const float = tag === 3;
  if (tag !== 1 && tag !== 3) {
    throw reject(`WAV: encoding 0x${tag.toString(16).padStart(4, '0')} is not supported (only PCM and IEEE float WAV)`);
  }
  checkChannels('WAV', channels);
  checkRate('WAV', rate);
  const okBits = float ? [32, 64] : [8, 16, 24, 32];
  if (!okBits.includes(bits)) throw new ProbeError(`WAV: ${bits}-bit ${float ? 'float' : 'PCM'} is not supported (${okBits.join('/')}-bit are)`);
  const bytesPerSample = bits / 8;
  if (blockAlign !== channels * bytesPerSample) {
    throw new ProbeError(`WAV: block align ${blockAlign} does not match ${channels} channel(s) × ${bits} bits`);
  }
  if (dataBytes === 0) throw new ProbeError('WAV: the data chunk is empty (zero-length audio)');
  const present = size - dataOffset;
  if (dataBytes > present) {
    throw new ProbeError(`WAV: truncated — the data chunk declares ${dataBytes} bytes but only ${present} are in the file`);
  }
  if (declared > size + 1) throw new ProbeError(`WAV: truncated — the header declares ${declared} bytes but the file has ${size}`);
  const frames = Math.floor(dataBytes / blockAlign);
  if (frames === 0) throw new ProbeError('WAV: the data chunk holds less than one sample frame');
  return {
    container: 'wav', codec: float ? 'float' : 'pcm', mimeType: 'audio/wav', extension: 'wav',
    sampleRate: rate, channels, bitDepth: bits, durationSec: frames / rate,
    pcm: { dataOffset, dataBytes: frames * blockAlign, bigEndian: false, float, bytesPerSample },
  };
}

// ---------------------------------------------------------------- AIFF

/** 80-bit IEEE 754 extended (big-endian), as AIFF stores its sample rate. */
export function readExtended(b: Uint8Array, at: number): number {
  const exp = ((b[at] & 0x7f) << 8) | b[at + 1];
  let mant = 0;
  for (let i = 0; i < 8; i++) mant = mant * 256 + b[at + 2 + i];
  if (exp === 0 && mant === 0) return 0;
  if (exp === 0x7fff) return NaN;
  const sign = b[at] & 0x80 ? -1 : 1;
  return sign * mant * 2 ** (exp - 16383 - 63);
}

async function probeAiff(read: ByteReader, head: Uint8Array, size: number): Promise<ProbeResult> {
  const isAifc = ascii(head, 8, 4) === 'AIFC';
  const declared = new DataView(head.buffer, head.byteOffset).getUint32(4, false) + 8;
  let comm: { channels: number; frames: number; bits: number; rate: number; compression: string } | null = null;
  let offset = 12;
  while (offset + 8 <= size) {
    const h = await read(offset, 64);
    const v = new DataView(h.buffer, h.byteOffset, h.byteLength);
    const id = ascii(h, 0, 4);
    const len = v.getUint32(4, false);
    if (id === 'COMM') {
      if (len < 18 || h.length < 26) throw new ProbeError(`AIFF: COMM chunk is ${len} bytes, needs 18`);
      comm = {
        channels: v.getUint16(8, false),
        frames: v.getUint32(10, false),
        bits: v.getUint16(14, false),
        rate: readExtended(h, 16),
        compression: isAifc && len >= 22 ? ascii(h, 26, 4) : 'NONE',
      };
    } else if (id === 'SSND') {
      if (!comm) throw new ProbeError('AIFF: sound data comes before the COMM chunk');
      const dataOffset = offset + 16 + v.getUint32(8, false);
      return finishAiff(comm, dataOffset, len - 8, declared, size);
    }
    offset += 8 + len + (len & 1);
  }
  throw new ProbeError(comm ? 'AIFF: no SSND (sound data) chunk — file truncated?' : 'AIFF: no COMM chunk before the end of the file');
}

function finishAiff(
  comm: { channels: number; frames: number; bits: number; rate: number; compression: string },
  dataOffset: number,
  ssndBytes: number,
  declared: number,
  size: number,
): ProbeResult {
  const { channels, frames, bits, rate, compression } = comm;
  checkChannels('AIFF', channels);
  checkRate('AIFF', Math.round(rate));
  const c = compression;
  const float = c === 'fl32' || c === 'FL32' || c === 'fl64' || c === 'FL64';
  const littleEndian = c === 'sowt';
  if (c !== 'NONE' && c !== 'twos' && !float && !littleEndian) throw reject(`AIFF-C: compression "${c.trim()}" is not supported`);
  const effectiveBits = float ? (c.endsWith('64') ? 64 : 32) : bits;
  if (!float && ![8, 16, 24, 32].includes(bits)) throw new ProbeError(`AIFF: ${bits}-bit samples are not supported (8/16/24/32-bit are)`);
  if (frames === 0) throw new ProbeError('AIFF: the header declares zero sample frames (zero-length audio)');
  const bytesPerSample = effectiveBits / 8;
  const dataBytes = frames * channels * bytesPerSample;
  const present = size - dataOffset;
  if (dataBytes > present || dataBytes > ssndBytes) {
    throw new ProbeError(`AIFF: truncated — the header declares ${frames} frames (${dataBytes} bytes) but only ${Math.min(present, ssndBytes)} bytes of sound data are present`);
  }
  if (declared > size + 1) throw new ProbeError(`AIFF: truncated — the header declares ${declared} bytes but the file has ${size}`);
  return {
    container: 'aiff', codec: float ? 'float' : 'pcm', mimeType: 'audio/aiff', extension: 'aiff',
    sampleRate: Math.round(rate), channels, bitDepth: effectiveBits, durationSec: frames / rate,
    pcm: { dataOffset, dataBytes, bigEndian: !littleEndian, float, bytesPerSample },
  };
}

// ---------------------------------------------------------------- FLAC

function id3v2Size(b: Uint8Array, size: number): number {
  const syncsafe = ((b[6] & 0x7f) << 21) | ((b[7] & 0x7f) << 14) | ((b[8] & 0x7f) << 7) | (b[9] & 0x7f);
  const total = 10 + syncsafe + (b[5] & 0x10 ? 10 : 0);
  if (total >= size) throw new ProbeError(`ID3 tag declares ${total} bytes but the file has ${size}: no audio after the tag`);
  return total;
}

async function probeFlac(read: ByteReader, start: number, size: number): Promise<ProbeResult> {
  const b = await read(start + 4, 4 + 34);
  if (b.length < 38) throw new ProbeError('FLAC: truncated inside the STREAMINFO block');
  if ((b[0] & 0x7f) !== 0) throw new ProbeError('FLAC: the first metadata block is not STREAMINFO');
  const len = (b[1] << 16) | (b[2] << 8) | b[3];
  if (len !== 34) throw new ProbeError(`FLAC: STREAMINFO is ${len} bytes, must be 34`);
  const s = b.subarray(4);
  const rate = (s[10] << 12) | (s[11] << 4) | (s[12] >> 4);
  const channels = ((s[12] >> 1) & 0x07) + 1;
  const bits = (((s[12] & 0x01) << 4) | (s[13] >> 4)) + 1;
  const totalSamples = (s[13] & 0x0f) * 2 ** 32 + ((s[14] << 24) >>> 0) + (s[15] << 16) + (s[16] << 8) + s[17];
  checkRate('FLAC', rate);
  if (totalSamples === 0) throw new ProbeError('FLAC: STREAMINFO declares zero samples (zero-length or unknown-length audio)');
  // Walk the metadata blocks to where audio frames start; a file ending there has no audio.
  let offset = start + 4;
  for (;;) {
    const h = await read(offset, 4);
    if (h.length < 4) throw new ProbeError('FLAC: truncated inside the metadata blocks (no audio frames)');
    const blockLen = (h[1] << 16) | (h[2] << 8) | h[3];
    offset += 4 + blockLen;
    if (h[0] & 0x80) break;
    if (offset > size) throw new ProbeError('FLAC: a metadata block runs past the end of the file');
  }
  const frame = await read(offset, 2);
  if (frame.length < 2 || frame[0] !== 0xff || (frame[1] & 0xfe) !== 0xf8) throw new ProbeError('FLAC: no audio frame after the metadata (file truncated?)');
  return {
    container: 'flac', codec: 'flac', mimeType: 'audio/flac', extension: 'flac',
    sampleRate: rate, channels, bitDepth: bits, durationSec: totalSamples / rate,
  };
}

// ---------------------------------------------------------------- MP3

const MP3_BITRATES = {
  v1: [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],
  v2: [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
};
const MP3_RATES: Record<number, number[]> = { 3: [44100, 48000, 32000], 2: [22050, 24000, 16000], 0: [11025, 12000, 8000] };

interface Mp3Frame { version: number; rate: number; bitrate: number; channels: number; length: number; samples: number }

function isMp3Sync(b: Uint8Array, at: number): boolean {
  return at + 1 < b.length && b[at] === 0xff && (b[at + 1] & 0xe0) === 0xe0;
}

function parseMp3Frame(b: Uint8Array, at: number): Mp3Frame | null {
  if (at + 4 > b.length || !isMp3Sync(b, at)) return null;
  const version = (b[at + 1] >> 3) & 0x03; // 3 = MPEG-1, 2 = MPEG-2, 0 = MPEG-2.5
  const layer = (b[at + 1] >> 1) & 0x03; // 1 = Layer III
  const brIdx = b[at + 2] >> 4;
  const srIdx = (b[at + 2] >> 2) & 0x03;
  if (version === 1 || layer !== 1 || brIdx === 0 || brIdx === 15 || srIdx === 3) return null;
  const rate = MP3_RATES[version][srIdx];
  const bitrate = (version === 3 ? MP3_BITRATES.v1 : MP3_BITRATES.v2)[brIdx] * 1000;
  const padding = (b[at + 2] >> 1) & 0x01;
  const samples = version === 3 ? 1152 : 576;
  const length = Math.floor((samples / 8) * bitrate / rate) + padding;
  const channels = b[at + 3] >> 6 === 3 ? 1 : 2;
  return { version, rate, bitrate, channels, length, samples };
}

async function probeMp3(read: ByteReader, start: number, size: number): Promise<ProbeResult> {
  const b = await read(start, 16 * 1024);
  // Tolerate a little padding after an ID3 tag, but require two consecutive valid frames:
  // 11 set bits occur by chance in random data, two chained headers practically never do.
  let at = -1;
  for (let i = 0; i + 4 <= Math.min(b.length, 4096); i++) {
    const f = parseMp3Frame(b, i);
    if (!f) continue;
    const next = i + f.length;
    const nf = next + 4 <= b.length ? parseMp3Frame(b, next) : null;
    if ((nf && nf.rate === f.rate) || (next >= size - start && next <= size - start + 1 && i + f.length <= b.length)) {
      at = i;
      break;
    }
  }
  if (at < 0) {
    throw reject(start > 0 ? 'this file has an ID3 tag but no MP3 audio after it' : 'this file is not audio');
  }
  const f = parseMp3Frame(b, at)!;
  checkRate('MP3', f.rate);
  const audioStart = start + at;
  // Xing/Info (VBR and LAME CBR) sits after the side info; VBRI (Fraunhofer) at a fixed 32 bytes.
  const sideInfo = f.version === 3 ? (f.channels === 1 ? 17 : 32) : f.channels === 1 ? 9 : 17;
  const xing = at + 4 + sideInfo;
  let frames: number | null = null;
  const tag = ascii(b, xing, 4);
  if ((tag === 'Xing' || tag === 'Info') && b[xing + 7] & 0x01) {
    frames = new DataView(b.buffer, b.byteOffset).getUint32(xing + 8, false);
  } else if (ascii(b, at + 36, 4) === 'VBRI') {
    frames = new DataView(b.buffer, b.byteOffset).getUint32(at + 36 + 14, false);
  }
  let durationSec: number;
  if (frames !== null) {
    if (frames === 0) throw new ProbeError('MP3: the Xing/VBRI header declares zero frames (zero-length audio)');
    durationSec = (frames * f.samples) / f.rate;
    const needed = frames * f.length * 0.5; // VBR frames vary; a file under half the estimate lies about its length
    if (f.bitrate > 0 && tag !== 'Xing' && size - audioStart < needed) {
      throw new ProbeError(`MP3: truncated — the header declares ${frames} frames but the file holds far fewer`);
    }
  } else {
    durationSec = ((size - audioStart) * 8) / f.bitrate;
  }
  return {
    container: 'mp3', codec: 'mp3', mimeType: 'audio/mpeg', extension: 'mp3',
    sampleRate: f.rate, channels: f.channels, bitDepth: null, durationSec,
  };
}

// ---------------------------------------------------------------- Ogg

interface OggPage { granule: bigint; serial: number; headerLen: number; bodyLen: number; flags: number }

function parseOggPage(b: Uint8Array, at: number): OggPage | null {
  if (at + 27 > b.length || ascii(b, at, 4) !== 'OggS' || b[at + 4] !== 0) return null;
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const segments = b[at + 26];
  if (at + 27 + segments > b.length) return null;
  let bodyLen = 0;
  for (let i = 0; i < segments; i++) bodyLen += b[at + 27 + i];
  return { granule: v.getBigInt64(at + 6, true), serial: v.getUint32(at + 14, true), headerLen: 27 + segments, bodyLen, flags: b[at + 5] };
}

async function probeOgg(read: ByteReader, head: Uint8Array, size: number): Promise<ProbeResult> {
  const first = parseOggPage(head, 0);
  if (!first) throw new ProbeError('Ogg: the first page header is damaged');
  const body = head.subarray(first.headerLen, first.headerLen + first.bodyLen);
  let codec: 'vorbis' | 'opus';
  let rate: number;
  let channels: number;
  let preSkip = 0;
  if (body.length >= 30 && body[0] === 1 && ascii(body, 1, 6) === 'vorbis') {
    codec = 'vorbis';
    channels = body[11];
    rate = new DataView(body.buffer, body.byteOffset).getUint32(12, true);
  } else if (body.length >= 19 && ascii(body, 0, 8) === 'OpusHead') {
    codec = 'opus';
    channels = body[9];
    preSkip = new DataView(body.buffer, body.byteOffset).getUint16(10, true);
    rate = 48000; // Opus always decodes at 48 kHz; the header's rate is only the input's.
  } else {
    throw reject('Ogg: the stream is neither Vorbis nor Opus (e.g. Ogg FLAC or Theora)');
  }
  const name = codec === 'vorbis' ? 'Ogg Vorbis' : 'Ogg Opus';
  checkChannels(name, channels);
  checkRate(name, rate);
  // Duration: granule position of the stream's last page (it counts samples, Opus's at 48 kHz).
  const tailStart = Math.max(0, size - 65_536);
  const tail = await read(tailStart, size - tailStart);
  let last: OggPage | null = null;
  let lastAt = -1;
  for (let i = tail.length - 27; i >= 0; i--) {
    if (tail[i] !== 0x4f || ascii(tail, i, 4) !== 'OggS') continue;
    const p = parseOggPage(tail, i);
    if (p && p.serial === first.serial && p.granule >= 0n) {
      last = p;
      lastAt = i;
      break;
    }
  }
  if (!last) throw new ProbeError(`${name}: no complete page found at the end of the file (truncated?)`);
  if (lastAt + last.headerLen + last.bodyLen > tail.length) {
    throw new ProbeError(`${name}: truncated — the last page declares ${last.bodyLen} bytes but the file ends early`);
  }
  const samples = Number(last.granule) - preSkip;
  if (samples <= 0) throw new ProbeError(`${name}: the stream holds no audio samples (zero-length)`);
  if (!(last.flags & 0x04)) throw new ProbeError(`${name}: truncated — the stream has no end-of-stream page`);
  return {
    container: 'ogg', codec, mimeType: codec === 'opus' ? 'audio/ogg; codecs=opus' : 'audio/ogg; codecs=vorbis',
    extension: codec === 'opus' ? 'opus' : 'ogg', sampleRate: rate, channels, bitDepth: null, durationSec: samples / rate,
  };
}
