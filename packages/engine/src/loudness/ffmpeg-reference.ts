// Runs ffmpeg's ebur128 filter on planar float audio and reads its final I / LRA / true
// peak with three decimals (the printed Summary only has one). Node-only; used by the
// agreement test and the benchmark.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeWav } from '../audio/wav';

export function ffmpegAvailable(): boolean {
  try {
    execFileSync('ffmpeg', ['-hide_banner', '-version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export interface FfmpegLoudness {
  integrated: number;
  range: number;
  truePeak: number;
}

/** Parse the last `lavfi.r128.*` metadata frame printed by `ametadata=mode=print`. */
export function parseFfmpegMetadata(text: string): FfmpegLoudness {
  const last = (key: string): number => {
    const re = new RegExp(`^lavfi\\.r128\\.${key.replace(/\./g, '\\.')}=(\\S+)$`, 'gm');
    let v = NaN;
    for (let m = re.exec(text); m; m = re.exec(text)) v = Number(m[1]);
    return v;
  };
  const tp = last('true_peak');
  return { integrated: last('I'), range: last('LRA'), truePeak: tp > 0 ? 20 * Math.log10(tp) : -Infinity };
}

export function writeFloatWav(channels: Float32Array[], sampleRate: number, dir?: string): { path: string; cleanup: () => void } {
  const d = dir ?? mkdtempSync(join(tmpdir(), 'mixroom-loudness-'));
  const path = join(d, 'program.wav');
  writeFileSync(path, encodeWav(channels, sampleRate, { bitDepth: 32, float: true }));
  return { path, cleanup: () => rmSync(d, { recursive: true, force: true }) };
}

export function ffmpegLoudnessOfFile(path: string): FfmpegLoudness {
  const res = spawnSync(
    'ffmpeg',
    ['-nostats', '-hide_banner', '-i', path, '-af', 'ebur128=peak=true:metadata=1,ametadata=mode=print:file=-', '-f', 'null', '-'],
    { encoding: 'utf8', maxBuffer: 1 << 30 },
  );
  if (res.status !== 0) throw new Error(`ffmpeg failed: ${res.stderr.slice(-500)}`);
  return parseFfmpegMetadata(res.stdout);
}

export function ffmpegLoudness(channels: Float32Array[], sampleRate: number): FfmpegLoudness {
  const { path, cleanup } = writeFloatWav(channels, sampleRate);
  try {
    return ffmpegLoudnessOfFile(path);
  } finally {
    cleanup();
  }
}
