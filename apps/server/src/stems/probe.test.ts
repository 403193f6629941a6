import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { probeAudio, ProbeError, readExtended } from './probe.js';
import { brokenFixtures, fixtureBytes, FIXTURE_SECONDS, VALID_FIXTURES, validFixture } from './test-fixtures.js';

const probeBytes = (b: Uint8Array) => probeAudio(async (o, n) => b.subarray(o, o + n), b.length);

/** ffprobe is the reference for what each file really is. */
function ffprobe(file: string) {
  const out = execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'stream=sample_rate,channels:format=duration', '-of', 'json', file]);
  const j = JSON.parse(out.toString()) as { streams: Array<{ sample_rate: string; channels: number }>; format: { duration: string } };
  return { sampleRate: Number(j.streams[0].sample_rate), channels: j.streams[0].channels, duration: Number(j.format.duration) };
}

describe('probeAudio: valid files', () => {
  for (const f of VALID_FIXTURES) {
    it(`recognises ${f.name}`, async () => {
      const result = await probeBytes(fixtureBytes(f.name));
      expect(result).toMatchObject(f.expect);
      const ref = ffprobe(validFixture(f.name));
      expect(result.sampleRate).toBe(ref.sampleRate);
      expect(result.channels).toBe(ref.channels);
      // Lossy encoders pad a few frames (encoder delay); PCM/FLAC are exact.
      const tolerance = f.expect.bitDepth === null ? 0.1 : 0.001;
      expect(Math.abs(result.durationSec - FIXTURE_SECONDS)).toBeLessThan(tolerance);
    });
  }

  it('ignores the file name: a WAV is a WAV whatever it is called', async () => {
    expect((await probeBytes(fixtureBytes('wav-pcm16'))).mimeType).toBe('audio/wav');
  });

  it('reads a streamed WAV whose sizes were never filled in (0xFFFFFFFF) up to the end of the file', async () => {
    const wav = fixtureBytes('wav-pcm16').slice();
    const v = new DataView(wav.buffer);
    const dataAt = Buffer.from(wav).indexOf('data');
    v.setUint32(4, 0xffffffff, true);
    v.setUint32(dataAt + 4, 0xffffffff, true);
    const result = await probeBytes(wav);
    expect(result.durationSec).toBeCloseTo(FIXTURE_SECONDS, 3);
  });

  it('reads the 80-bit extended sample rate of AIFF', () => {
    const b = new Uint8Array([0x40, 0x0e, 0xac, 0x44, 0, 0, 0, 0, 0, 0]);
    expect(readExtended(b, 0)).toBe(44100);
  });
});

describe('probeAudio: the bad-input corpus', () => {
  for (const bad of brokenFixtures()) {
    it(`rejects ${bad.name} with a message saying what is wrong`, async () => {
      const err = await probeBytes(bad.bytes).then(() => null, (e: unknown) => e);
      expect(err).toBeInstanceOf(ProbeError);
      expect((err as Error).message).toMatch(bad.message);
      // No byte dumps for the person who dropped the file (it read "unknown signature 74 68 69 73").
      expect((err as Error).message).not.toMatch(/signature|\b[0-9a-f]{2} [0-9a-f]{2} [0-9a-f]{2}\b/);
    });
  }
});
