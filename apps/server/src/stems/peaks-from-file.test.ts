import { computePeaks, decodePeaks, decodeWav, encodePeaks } from '@mixroom/engine';
import { describe, expect, it } from 'vitest';
import { peaksFromFile } from './peaks-from-file.js';
import { probeFile } from './stem-service.js';
import { fixtureBytes, validFixture } from './test-fixtures.js';

describe('server-side peaks', () => {
  for (const name of ['wav-pcm16', 'wav-pcm24', 'wav-float32', 'wav-extensible']) {
    it(`streams ${name} into exactly the peaks the engine computes from the decoded audio`, async () => {
      const file = validFixture(name);
      const probe = await probeFile(file);
      const fromFile = await peaksFromFile(file, probe, fixtureBytes(name).length);
      const decoded = decodeWav(fixtureBytes(name));
      expect(fromFile).toEqual(encodePeaks(computePeaks(decoded.channels, decoded.sampleRate)));
    });
  }

  it('reads big-endian AIFF the same as the WAV of the same signal', async () => {
    const aiff = validFixture('aiff-pcm16');
    const wav = validFixture('wav-pcm16');
    const a = await peaksFromFile(aiff, await probeFile(aiff), fixtureBytes('aiff-pcm16').length);
    const w = await peaksFromFile(wav, await probeFile(wav), fixtureBytes('wav-pcm16').length);
    expect(a).toEqual(w);
  });

  it('decodes FLAC on the server and leaves Opus to the browser', async () => {
    const flac = validFixture('flac-24');
    const peaks = decodePeaks((await peaksFromFile(flac, await probeFile(flac), fixtureBytes('flac-24').length))!);
    expect(peaks.sampleRate).toBe(96000);
    expect(peaks.length).toBe(96000 * 1.5);
    const opus = validFixture('ogg-opus');
    expect(await peaksFromFile(opus, await probeFile(opus), fixtureBytes('ogg-opus').length)).toBeNull();
  });
});

describe('peaks computed while an upload streams in', () => {
  for (const name of ['wav-pcm24', 'wav-extensible', 'aiff-pcm16', 'wav-rf64']) {
    it(`equal the file scan for ${name}, whatever the chunking`, async () => {
      const { LivePcmPeaks } = await import('./live-peaks.js');
      const file = validFixture(name);
      const bytes = Buffer.from(fixtureBytes(name));
      const probe = await probeFile(file);
      const expected = await peaksFromFile(file, probe, bytes.length);
      for (const chunk of [1000, 4097, 65_536]) {
        const live = new LivePcmPeaks(bytes.length);
        for (let at = 0; at < bytes.length; at += chunk) await live.push(bytes.subarray(at, at + chunk));
        expect(live.finish(probe), `${name} in ${chunk}-byte chunks`).toEqual(expected);
      }
    });
  }

  it('gives up (null) for compressed files, leaving it to the file scan', async () => {
    const { LivePcmPeaks } = await import('./live-peaks.js');
    const bytes = Buffer.from(fixtureBytes('flac-24'));
    const live = new LivePcmPeaks(bytes.length);
    await live.push(bytes);
    expect(live.finish(await probeFile(validFixture('flac-24')))).toBeNull();
  });
});
