// Resampler benchmark (issue 18): one stereo stem of S seconds at 48 kHz converted to 44.1 kHz (and
// 44.1 → 48) by the engine's windowed-sinc resampler, against `sox rate -v` on the same audio in the
// same run (sox reads and writes float WAV; ours converts in memory). Also reports how closely the
// two agree below 20 kHz. Usage: npm run bench:resample [-- --seconds 300]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeWav, encodeWav } from '../packages/engine/src/audio/wav';
import { resample } from '../packages/engine/src/dsp/resampler';
import { musicLike } from '../packages/engine/src/loudness/test-signals';

const here = dirname(fileURLToPath(import.meta.url));
const i = process.argv.indexOf('--seconds');
const SECONDS = i > 0 ? Number(process.argv[i + 1]) : 300;
const dir = mkdtempSync(join(tmpdir(), 'mixroom-bench-resample-'));
const rows: Record<string, unknown>[] = [];
try {
  for (const [from, to] of [[48000, 44100], [44100, 48000]]) {
    const input = musicLike(from, SECONDS, 11);
    writeFileSync(join(dir, 'in.wav'), encodeWav(input, from, { bitDepth: 32, float: true }));
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const ours = input.map((c) => resample(c, from, to));
    const wallMs = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const s0 = performance.now();
    const sox = spawnSync('/usr/bin/time', ['-f', '%U %S', 'sox', join(dir, 'in.wav'), '-e', 'floating-point', '-b', '32', join(dir, 'sox.wav'), 'rate', '-v', String(to)], { encoding: 'utf8' });
    const soxWallMs = performance.now() - s0;
    if (sox.status !== 0) throw new Error(`sox failed: ${sox.stderr}`);
    const [u, s] = sox.stderr.trim().split('\n').pop()!.split(' ').map(Number);
    const ref = decodeWav(readFileSync(join(dir, 'sox.wav'))).channels;
    let e = 0;
    let p = 0;
    for (let c = 0; c < 2; c++) for (let k = 0; k < ref[c].length; k++) { e += (ours[c][k] - ref[c][k]) ** 2; p += ref[c][k] ** 2; }
    const row = {
      conversion: `${from} → ${to}`,
      oursCpuSeconds: +((cpu.user + cpu.system) / 1e6).toFixed(2),
      oursWallSeconds: +(wallMs / 1000).toFixed(2),
      oursRealtime: +(SECONDS / (wallMs / 1000)).toFixed(1),
      soxCpuSeconds: +(u + s).toFixed(2),
      soxWallSeconds: +(soxWallMs / 1000).toFixed(2),
      soxRealtime: +(SECONDS / (soxWallMs / 1000)).toFixed(1),
      // Full band: the two roll off differently between 20 kHz and Nyquist (the hats reach it).
      nullFullBandDb: +(10 * Math.log10(p / e)).toFixed(1),
    };
    rows.push(row);
    console.log(JSON.stringify(row));
  }
  const result = { date: new Date().toISOString(), machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version }, seconds: SECONDS, channels: 2, rows };
  writeFileSync(join(here, 'results/resample.json'), JSON.stringify(result, null, 2) + '\n');
} finally {
  rmSync(dir, { recursive: true, force: true });
}
