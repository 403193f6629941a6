// Reading and measuring a reference track: the container is sniffed from the bytes (a name can
// lie), WAV is decoded by the engine exactly, FLAC/MP3/Ogg by node-web-audio-api (on its own
// thread) at the file's own rate, read from its headers: decoding at another rate goes through
// node-web-audio-api's resampler, which took 0.2 dB off pink noise (0.6 LU once K-weighted). Loudness (BS.1770), the long-term 1/3-octave spectrum and waveform peaks are
// what the page shows next to a master.
import { computePeaks, decodeWav, encodePeaks, measureLoudness, ThirdOctaveAnalyzer, type ThirdOctaveSpectrum } from '@mixroom/engine';
import type { LoudnessReport, ReferenceFormat } from '@mixroom/protocol';
import { HttpError } from '../http/respond.js';

/** Rate a compressed reference is decoded at when its headers do not say. */
export const FALLBACK_DECODE_RATE = 48000;

const MPEG_RATES: Record<number, number[]> = { 3: [44100, 48000, 32000], 2: [22050, 24000, 16000], 0: [11025, 12000, 8000] };

/** The sample rate a compressed file's headers declare, or null. */
export function declaredRate(b: Uint8Array, format: ReferenceFormat): number | null {
  const u32le = (i: number) => b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24);
  if (format === 'flac') {
    // STREAMINFO is the first metadata block: 20 bits of rate at byte 18 of the stream.
    return b.length > 21 ? ((b[18] << 12) | (b[19] << 4) | (b[20] >> 4)) || null : null;
  }
  if (format === 'ogg') {
    const text = String.fromCharCode(...b.subarray(0, Math.min(b.length, 200)));
    if (text.includes('OpusHead')) return 48000; // Opus always decodes at 48 kHz.
    const v = text.indexOf('\x01vorbis');
    return v >= 0 && b.length > v + 16 ? u32le(v + 12) >>> 0 || null : null;
  }
  if (format === 'mp3') {
    let i = 0;
    // Skip an ID3v2 tag (size is four 7-bit bytes).
    if (b[0] === 0x49 && b[1] === 0x44 && b[2] === 0x33 && b.length > 10) i = 10 + ((b[6] << 21) | (b[7] << 14) | (b[8] << 7) | b[9]);
    for (const end = Math.min(b.length - 3, i + 65536); i < end; i++) {
      if (b[i] !== 0xff || (b[i + 1] & 0xe0) !== 0xe0) continue;
      const version = (b[i + 1] >> 3) & 3;
      const rateIndex = (b[i + 2] >> 2) & 3;
      if (version === 1 || rateIndex === 3 || ((b[i + 1] >> 1) & 3) === 0) continue;
      return MPEG_RATES[version][rateIndex];
    }
  }
  return null;
}

export function sniffAudioFormat(b: Uint8Array): ReferenceFormat | null {
  const ascii = (from: number, to: number) => String.fromCharCode(...b.subarray(from, to));
  if (b.length >= 12 && ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WAVE') return 'wav';
  if (b.length >= 4 && ascii(0, 4) === 'fLaC') return 'flac';
  if (b.length >= 4 && ascii(0, 4) === 'OggS') return 'ogg';
  if (b.length >= 3 && ascii(0, 3) === 'ID3') return 'mp3';
  // An MPEG audio frame sync: 11 set bits, layer bits not "reserved".
  if (b.length >= 2 && b[0] === 0xff && (b[1] & 0xe0) === 0xe0 && (b[1] & 0x06) !== 0) return 'mp3';
  return null;
}

export interface DecodedReference {
  format: ReferenceFormat;
  channels: Float32Array[];
  sampleRate: number;
}

export async function decodeReference(bytes: Uint8Array): Promise<DecodedReference> {
  const format = sniffAudioFormat(bytes);
  if (!format) throw new HttpError(400, 'bad_request', 'not an audio file this server reads: send a WAV, FLAC, MP3 or Ogg file');
  if (format === 'wav') {
    try {
      const wav = decodeWav(bytes);
      return { format, channels: wav.channels, sampleRate: wav.sampleRate };
    } catch (err) {
      throw new HttpError(400, 'bad_request', `not a usable WAV file: ${(err as Error).message}`);
    }
  }
  const webAudio = await import('node-web-audio-api');
  const ctx = new webAudio.OfflineAudioContext(2, 1, declaredRate(bytes, format) ?? FALLBACK_DECODE_RATE);
  try {
    const decoded = await ctx.decodeAudioData(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
    const channels = Array.from({ length: decoded.numberOfChannels }, (_, c) => decoded.getChannelData(c));
    if (!channels.length || channels[0].length === 0) throw new Error('no audio in it');
    return { format, channels, sampleRate: decoded.sampleRate };
  } catch (err) {
    throw new HttpError(400, 'bad_request', `could not decode this ${format.toUpperCase()} file: ${(err as Error).message}`);
  }
}

const rounded = (x: number) => (Number.isFinite(x) ? Math.round(x * 100) / 100 : null);

export function loudnessReport(channels: Float32Array[], sampleRate: number): LoudnessReport {
  const loud = measureLoudness(channels, sampleRate, { series: false });
  return { integrated: rounded(loud.integrated), range: Math.round(loud.range * 100) / 100, truePeak: rounded(loud.truePeak), samplePeak: rounded(loud.samplePeak) };
}

const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** The long-term spectrum, a second of audio at a time with the event loop let through in between. */
export async function spectrumOf(channels: Float32Array[], sampleRate: number): Promise<ThirdOctaveSpectrum> {
  const analyzer = new ThirdOctaveAnalyzer(sampleRate, channels.length);
  const length = channels[0]?.length ?? 0;
  for (let i = 0; i < length; i += sampleRate) {
    const n = Math.min(sampleRate, length - i);
    analyzer.process(channels.map((c) => c.subarray(i, i + n)), n);
    await yieldToLoop();
  }
  return analyzer.finish();
}

export interface ReferenceMeasurements {
  loudness: LoudnessReport;
  spectrum: ThirdOctaveSpectrum;
  peaks: Uint8Array<ArrayBuffer>;
}

export async function measureReference(d: DecodedReference): Promise<ReferenceMeasurements> {
  const loudness = loudnessReport(d.channels, d.sampleRate);
  const spectrum = await spectrumOf(d.channels, d.sampleRate);
  return { loudness, spectrum, peaks: new Uint8Array(encodePeaks(computePeaks(d.channels, d.sampleRate))) };
}
