import { createHash } from 'node:crypto';
import { computePeaks, decodePeaks, decodeWav, encodePeaks } from '@mixroom/engine';
import { describe, expect, it } from 'vitest';
import { peaksFromFile } from './peaks-from-file.js';
import { probeFile } from './stem-service.js';
import { fixtureBytes, validFixture } from './test-fixtures.js';
import { quietLogger } from '../test-support.js';

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

describe('peaks and SHA-256 computed on the digest worker while an upload streams in', () => {
  /** What the upload route does: write chunks to a file, probe the header here, let the worker hash and scan behind the writes. */
  async function streamThrough(bytes: Buffer, chunk: number) {
    const { LivePcmPeaks } = await import('./live-peaks.js');
    const { UploadDigests } = await import('./upload-digests.js');
    const { appendFile, mkdtemp, rm, writeFile } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = await mkdtemp(join(tmpdir(), 'mixroom-digest-test-'));
    const file = join(dir, 'upload');
    await writeFile(file, '');
    // A warning here would mean the SIMD kernel did not load and the JavaScript fallback ran.
    const warnings: string[] = [];
    const digests = new UploadDigests({ ...quietLogger, warn: (msg: string) => warnings.push(msg) });
    try {
      const live = new LivePcmPeaks(bytes.length);
      digests.start('u1', file);
      for (let at = 0; at < bytes.length; at += chunk) {
        const part = bytes.subarray(at, at + chunk);
        const format = await live.push(part);
        if (format) digests.pcm('u1', format, live.sink);
        await appendFile(file, part);
        digests.advance('u1', Math.min(bytes.length, at + chunk));
      }
      const digest = await digests.finish('u1', bytes.length);
      expect(warnings).toEqual([]);
      return { live, digest };
    } finally {
      await digests.close();
      await rm(dir, { recursive: true, force: true });
    }
  }

  for (const name of ['wav-pcm24', 'wav-extensible', 'aiff-pcm16', 'wav-rf64', 'wav-float32', 'wav-pcm16', 'aifc-float32']) {
    it(`equal the file scan for ${name}, whatever the chunking, with the right SHA-256`, async () => {
      const file = validFixture(name);
      const bytes = Buffer.from(fixtureBytes(name));
      const probe = await probeFile(file);
      const expected = await peaksFromFile(file, probe, bytes.length);
      for (const chunk of [1000, 4097, 65_536]) {
        const { live, digest } = await streamThrough(bytes, chunk);
        expect(digest?.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
        expect(digest?.size).toBe(bytes.length);
        expect(live.finish(probe, digest!), `${name} in ${chunk}-byte chunks`).toEqual(expected);
      }
    });
  }

  it('gives up (null) for compressed files, leaving it to the file scan; the hash is still right', async () => {
    const bytes = Buffer.from(fixtureBytes('flac-24'));
    const { live, digest } = await streamThrough(bytes, 65_536);
    expect(digest?.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(live.finish(await probeFile(validFixture('flac-24')), digest!)).toBeNull();
  });

  it('returns null (so the completion hashes the file) for an upload the worker never saw', async () => {
    const { UploadDigests } = await import('./upload-digests.js');
    const digests = new UploadDigests(quietLogger);
    expect(await digests.finish('never-started', 10)).toBeNull();
    await digests.close();
  });
});
