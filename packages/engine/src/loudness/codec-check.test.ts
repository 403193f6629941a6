// Codec round trips with independent tools: a master limited to −1 dBFS sample peak (sox) is
// encoded by the reference LAME (`lame`, 128 and 320 kbps) and decoded by `lame --decode` (without
// the info tag that would let it trim the codec's delay); the engine finds that delay, and its
// true peak of the decoded file agrees with ffmpeg's ebur128 reading of the same MP3.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeWav } from '../audio/wav';
import { alignDecoded, checkCodecRoundTrip, codecDifference, findCodecDelay } from './codec-check';

let tools = true;
try {
  for (const [t, flag] of [['sox', '--version'], ['lame', '--version'], ['ffmpeg', '-version']]) execFileSync(t, [flag], { stdio: 'ignore' });
} catch {
  tools = false;
}
const dir = mkdtempSync(join(tmpdir(), 'mixroom-codec-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function ffmpegTruePeak(file: string): number {
  const out = execFileSync('ffmpeg', ['-nostdin', '-nostats', '-hide_banner', '-i', file, '-af', 'ebur128=peak=true:metadata=1,ametadata=mode=print:file=-', '-f', 'null', '-'], { maxBuffer: 1 << 28, stdio: ['ignore', 'pipe', 'ignore'] }).toString();
  return 20 * Math.log10(Number([...out.matchAll(/^lavfi\.r128\.true_peak=(\S+)$/gm)].pop()![1]));
}

describe.skipIf(!tools)('codec round trip', () => {
  const master = join(dir, 'master.wav');
  // Dense material normalised to −1 dBFS sample peak: pink noise.
  execFileSync('sox', ['-R', '-n', '-r', '44100', '-c', '2', '-b', '24', master, 'synth', '8', 'pinknoise', 'gain', '-n', '-1']);
  const original = decodeWav(new Uint8Array(readFileSync(master)));
  const diffs: Record<number, number> = {};

  for (const kbps of [128, 320]) {
    it(`finds LAME's delay and measures the decoded true peak as ffmpeg does (${kbps} kbps)`, () => {
      const mp3 = join(dir, `m${kbps}.mp3`);
      const back = join(dir, `m${kbps}.wav`);
      // -t: no LAME info tag, so no decoder can trim the delay: it must be found.
      execFileSync('lame', ['--quiet', '-t', '-b', String(kbps), '--cbr', master, mp3]);
      execFileSync('lame', ['--quiet', '--decode', mp3, back]);
      const decoded = decodeWav(new Uint8Array(readFileSync(back)));
      const check = checkCodecRoundTrip(original.channels, decoded.channels, 44100, -1);
      // LAME's encoder delay is 576 frames (`lame --decode` already takes out the decoder's 529).
      expect(check.delay).toBe(576);
      // The engine on the aligned decode agrees with ffmpeg on the MP3 itself.
      expect(Math.abs(check.truePeakDbtp - ffmpegTruePeak(mp3))).toBeLessThan(0.2);
      expect(check.overCeilingDb).toBeCloseTo(check.truePeakDbtp + 1, 9);
      // Aligned, what the codec removed is far below the music; 128 kbps removes more than 320.
      expect(check.differenceDb).toBeLessThan(kbps === 320 ? -20 : -10);
      diffs[kbps] = check.differenceDb;
      // Not aligned, the "difference" would be about as loud as the music itself: the check can fail.
      const unaligned = codecDifference(original.channels, alignDecoded(decoded.channels, 0, original.channels[0].length));
      const rms = (x: Float32Array) => Math.sqrt(x.reduce((a, v) => a + v * v, 0) / x.length);
      expect(20 * Math.log10(rms(unaligned[0]) / rms(original.channels[0]))).toBeGreaterThan(-3);
      console.log(`${kbps} kbps: delay ${check.delay}, decoded TP ${check.truePeakDbtp.toFixed(2)} dBTP, difference ${check.differenceDb.toFixed(1)} dB`);
    });
  }

  it('removes more at 128 kbps than at 320', () => {
    expect(diffs[128]).toBeGreaterThan(diffs[320] + 3);
  });

  it('recovers a known delay exactly', () => {
    const x = original.channels[0];
    const shifted = new Float32Array(x.length + 2000);
    shifted.set(x, 1234);
    expect(findCodecDelay(x, shifted)).toBe(1234);
    expect(findCodecDelay(x, x)).toBe(0);
  });
});
