// Real audio files for the upload/probe suites, made by ffmpeg from a short sine sweep, plus
// hand-damaged copies. Generated once per process into a temp dir.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface ValidFixture {
  name: string;
  /** ffmpeg output arguments after the input. */
  args: string[];
  ext: string;
  expect: { container: string; codec: string; sampleRate: number; channels: number; bitDepth: number | null };
}

export const FIXTURE_SECONDS = 1.5;

export const VALID_FIXTURES: ValidFixture[] = [
  { name: 'wav-pcm16', ext: 'wav', args: ['-c:a', 'pcm_s16le'], expect: { container: 'wav', codec: 'pcm', sampleRate: 44100, channels: 2, bitDepth: 16 } },
  { name: 'wav-pcm24', ext: 'wav', args: ['-c:a', 'pcm_s24le', '-ar', '48000'], expect: { container: 'wav', codec: 'pcm', sampleRate: 48000, channels: 2, bitDepth: 24 } },
  { name: 'wav-float32', ext: 'wav', args: ['-c:a', 'pcm_f32le', '-ac', '1'], expect: { container: 'wav', codec: 'float', sampleRate: 44100, channels: 1, bitDepth: 32 } },
  // More than two channels makes ffmpeg write WAVE_FORMAT_EXTENSIBLE.
  { name: 'wav-extensible', ext: 'wav', args: ['-c:a', 'pcm_s24le', '-ac', '4'], expect: { container: 'wav', codec: 'pcm', sampleRate: 44100, channels: 4, bitDepth: 24 } },
  { name: 'wav-rf64', ext: 'wav', args: ['-c:a', 'pcm_s16le', '-rf64', 'always'], expect: { container: 'wav', codec: 'pcm', sampleRate: 44100, channels: 2, bitDepth: 16 } },
  { name: 'aiff-pcm16', ext: 'aiff', args: ['-c:a', 'pcm_s16be'], expect: { container: 'aiff', codec: 'pcm', sampleRate: 44100, channels: 2, bitDepth: 16 } },
  { name: 'aifc-float32', ext: 'aifc', args: ['-f', 'aiff', '-c:a', 'pcm_f32be'], expect: { container: 'aiff', codec: 'float', sampleRate: 44100, channels: 2, bitDepth: 32 } },
  { name: 'flac-24', ext: 'flac', args: ['-c:a', 'flac', '-sample_fmt', 's32', '-bits_per_raw_sample', '24', '-ar', '96000'], expect: { container: 'flac', codec: 'flac', sampleRate: 96000, channels: 2, bitDepth: 24 } },
  { name: 'mp3-cbr-id3', ext: 'mp3', args: ['-c:a', 'libmp3lame', '-b:a', '192k', '-metadata', 'title=Bass DI'], expect: { container: 'mp3', codec: 'mp3', sampleRate: 44100, channels: 2, bitDepth: null } },
  { name: 'mp3-vbr-mono', ext: 'mp3', args: ['-c:a', 'libmp3lame', '-q:a', '4', '-ac', '1', '-ar', '22050'], expect: { container: 'mp3', codec: 'mp3', sampleRate: 22050, channels: 1, bitDepth: null } },
  { name: 'ogg-vorbis', ext: 'ogg', args: ['-c:a', 'libvorbis', '-q:a', '4'], expect: { container: 'ogg', codec: 'vorbis', sampleRate: 44100, channels: 2, bitDepth: null } },
  { name: 'ogg-opus', ext: 'opus', args: ['-c:a', 'libopus', '-b:a', '96k'], expect: { container: 'ogg', codec: 'opus', sampleRate: 48000, channels: 2, bitDepth: null } },
];

let dir: string | null = null;

export function fixtureDir(): string {
  dir ??= mkdtempSync(path.join(os.tmpdir(), 'mixroom-audio-fixtures-'));
  return dir;
}

/** Path of the generated fixture (created on first use). */
export function validFixture(name: string): string {
  const f = VALID_FIXTURES.find((v) => v.name === name);
  if (!f) throw new Error(`no fixture ${name}`);
  const out = path.join(fixtureDir(), `${f.name}.${f.ext}`);
  try {
    readFileSync(out);
    return out;
  } catch {
    // A stereo sweep (different per side) so peaks and decoders have something to chew on.
    execFileSync('ffmpeg', [
      '-hide_banner', '-loglevel', 'error', '-y',
      '-f', 'lavfi', '-i', `aevalsrc=0.5*sin(2*PI*(220+200*t)*t)|0.25*sin(2*PI*330*t):s=44100:d=${FIXTURE_SECONDS}`,
      ...f.args, out,
    ]);
    return out;
  }
}

export const fixtureBytes = (name: string) => new Uint8Array(readFileSync(validFixture(name)));

/** Broken inputs: each with the fragment its rejection message must contain. */
export function brokenFixtures(): Array<{ name: string; bytes: Uint8Array; message: RegExp }> {
  const wav = fixtureBytes('wav-pcm16');
  const le32 = (b: Uint8Array, at: number, v: number) => new DataView(b.buffer, b.byteOffset).setUint32(at, v, true);
  const dataAt = findAscii(wav, 'data');
  const jpeg = new Uint8Array(4096);
  jpeg.set([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46]);
  let seed = 12345;
  const random = Uint8Array.from({ length: 8192 }, () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 24));
  const lyingSize = wav.slice();
  le32(lyingSize, dataAt + 4, wav.length * 4);
  const zeroData = wav.slice(0, dataAt + 8);
  le32(zeroData, dataAt + 4, 0);
  le32(zeroData, 4, zeroData.length - 8);
  const zeroChannels = wav.slice();
  new DataView(zeroChannels.buffer).setUint16(22, 0, true);
  const absurdRate = wav.slice();
  le32(absurdRate, 24, 4_000_000_000);
  const flac = fixtureBytes('flac-24');
  const ogg = fixtureBytes('ogg-vorbis');
  const mp3 = fixtureBytes('mp3-cbr-id3');
  const aiff = fixtureBytes('aiff-pcm16');
  return [
    { name: 'empty file', bytes: new Uint8Array(0), message: /this file is empty;/ },
    { name: 'JPEG renamed .wav', bytes: jpeg, message: /this file is not audio \(it is a JPEG image\);.*accepted formats/ },
    { name: 'random bytes', bytes: random, message: /this file is not audio;/ },
    { name: 'plain text', bytes: new TextEncoder().encode('this is not audio, it is a text file\n'.repeat(10)), message: /this file is not audio;/ },
    { name: 'WAV truncated mid-data', bytes: wav.slice(0, Math.floor(wav.length / 2)), message: /WAV: truncated/ },
    { name: 'WAV truncated in header', bytes: wav.slice(0, 30), message: /WAV: (no|fmt)/ },
    { name: 'WAV data size that lies', bytes: lyingSize, message: /WAV: truncated — the data chunk declares/ },
    { name: 'WAV zero-length data', bytes: zeroData, message: /WAV: the data chunk is empty/ },
    { name: 'WAV zero channels', bytes: zeroChannels, message: /WAV: header declares zero channels/ },
    { name: 'WAV absurd sample rate', bytes: absurdRate, message: /sample rate 4000000000 Hz is outside/ },
    { name: 'AIFF truncated', bytes: aiff.slice(0, Math.floor(aiff.length / 3)), message: /AIFF: truncated/ },
    { name: 'FLAC cut inside STREAMINFO', bytes: flac.slice(0, 20), message: /FLAC: truncated inside the STREAMINFO/ },
    { name: 'FLAC metadata only', bytes: flac.slice(0, 42), message: /FLAC: (no audio frame|truncated inside the metadata)/ },
    { name: 'Ogg truncated', bytes: ogg.slice(0, Math.floor(ogg.length * 0.6)), message: /Ogg Vorbis: (truncated|no complete page)/ },
    { name: 'ID3 tag with no audio', bytes: mp3.slice(0, findAscii(mp3, 'ID3') + 10 + id3Len(mp3)), message: /ID3 tag/ },
  ];
}

function id3Len(b: Uint8Array): number {
  return ((b[6] & 0x7f) << 21) | ((b[7] & 0x7f) << 14) | ((b[8] & 0x7f) << 7) | (b[9] & 0x7f);
}

function findAscii(b: Uint8Array, s: string): number {
  const i = Buffer.from(b.buffer, b.byteOffset, b.byteLength).indexOf(s, 0, 'latin1');
  if (i < 0) throw new Error(`"${s}" not found in fixture`);
  return i;
}
