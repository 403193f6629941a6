// Loudness benchmark: our BS.1770 / R128 meter vs `ffmpeg -af ebur128=peak=true` on a
// 10-minute stereo 48 kHz music-like programme (plus a worst case for the true-peak
// pruning: dense near-full-scale noise). Reports wall and CPU time, × real time, and
// the differences in I, LRA and TP. Usage: npm run bench:loudness [-- --minutes 10 --runs 3]
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeWav } from '../packages/engine/src/audio/wav';
import { measureLoudness } from '../packages/engine/src/loudness';
import { ffmpegLoudnessOfFile, writeFloatWav } from '../packages/engine/src/loudness/ffmpeg-reference';
import { mulberry32, musicLike } from '../packages/engine/src/loudness/test-signals';

const here = dirname(fileURLToPath(import.meta.url));
const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const MINUTES = arg('minutes', 10);
const RUNS = arg('runs', 3);
const FS = 48000;
const seconds = MINUTES * 60;

const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];

interface Timing { wallMs: number; cpuMs: number }

function timeOurs(fn: () => void): Timing {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  fn();
  const wallMs = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { wallMs, cpuMs: (c.user + c.system) / 1000 };
}

function timeFfmpeg(path: string): Timing & { summary: string } {
  // bash's `time` gives the child's CPU time, which is what matters on a shared 2-core box.
  const res = spawnSync(
    'bash',
    ['-c', `TIMEFORMAT='%R %U %S'; time ffmpeg -nostats -hide_banner -i "$0" -af ebur128=peak=true -f null - 2>/tmp/ffmpeg-ebur128-bench.log`, path],
    { encoding: 'utf8' },
  );
  const [r, u, s] = res.stderr.trim().split(/\s+/).slice(-3).map(Number);
  return { wallMs: r * 1000, cpuMs: (u + s) * 1000, summary: readFileSync('/tmp/ffmpeg-ebur128-bench.log', 'utf8') };
}

function denseNoise(fs: number, secs: number): Float32Array[] {
  const rnd = mulberry32(99);
  const n = Math.round(secs * fs);
  const l = new Float32Array(n), r = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    l[i] = (rnd() * 2 - 1) * 0.7;
    r[i] = (rnd() * 2 - 1) * 0.7;
  }
  return [l, r];
}

function runCase(name: string, channels: Float32Array[]) {
  const { path, cleanup } = writeFloatWav(channels, FS);
  try {
    const ours: Timing[] = [];
    const oursDecode: Timing[] = [];
    const ff: Timing[] = [];
    let result = measureLoudness(channels, FS);
    for (let i = 0; i < RUNS; i++) {
      // Interleaved so background load on the shared machine hits both sides alike.
      ours.push(timeOurs(() => { result = measureLoudness(channels, FS); }));
      oursDecode.push(timeOurs(() => { const d = decodeWav(readFileSync(path)); measureLoudness(d.channels, d.sampleRate); }));
      ff.push(timeFfmpeg(path));
    }
    const ref = ffmpegLoudnessOfFile(path);
    const med = (t: Timing[]) => ({ wallMs: median(t.map((x) => x.wallMs)), cpuMs: median(t.map((x) => x.cpuMs)) });
    const o = med(ours), od = med(oursDecode), f = med(ff);
    return {
      name,
      audioSeconds: channels[0].length / FS,
      ours: { ...o, xRealtimeCpu: (channels[0].length / FS) / (o.cpuMs / 1000), xRealtimeWall: (channels[0].length / FS) / (o.wallMs / 1000) },
      oursIncludingWavDecode: od,
      ffmpeg: { ...f, xRealtimeCpu: (channels[0].length / FS) / (f.cpuMs / 1000), xRealtimeWall: (channels[0].length / FS) / (f.wallMs / 1000) },
      speedupCpu: f.cpuMs / o.cpuMs,
      speedupWall: f.wallMs / o.wallMs,
      speedupCpuIncludingDecode: f.cpuMs / od.cpuMs,
      values: {
        ours: { integrated: result.integrated, range: result.range, truePeak: result.truePeak },
        ffmpeg: ref,
        delta: {
          integrated: result.integrated - ref.integrated,
          range: result.range - ref.range,
          truePeak: result.truePeak - ref.truePeak,
        },
      },
    };
  } finally {
    cleanup();
  }
}

const ffv = spawnSync('ffmpeg', ['-version'], { encoding: 'utf8' }).stdout.split('\n')[0];
console.error(`synthesising ${MINUTES} min stereo ${FS} Hz programme…`);
const music = musicLike(FS, seconds, 2024);
const cases = [runCase(`music-like programme, ${MINUTES} min stereo 48 kHz`, music)];
console.error('worst case for true-peak pruning (dense noise)…');
cases.push(runCase(`dense white noise (TP worst case), ${MINUTES} min stereo 48 kHz`, denseNoise(FS, seconds)));

const out = {
  date: new Date().toISOString(),
  machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version, ffmpeg: ffv },
  runs: RUNS,
  note: 'medians over runs; CPU = user+sys of the measuring process (ours: in-process; ffmpeg: child via bash time)',
  cases,
};
mkdirSync(join(here, 'results'), { recursive: true });
writeFileSync(join(here, 'results', 'loudness.json'), JSON.stringify(out, null, 2));

const f2 = (v: number, d = 2) => v.toFixed(d);
const lines = [
  `## Loudness meter vs ffmpeg ebur128 (${out.date.slice(0, 10)})`,
  '',
  `Command: \`npm run bench:loudness\` · machine: ${out.machine.cpus} cores (${out.machine.model}), Node ${out.machine.node}, ${ffv} · median of ${RUNS} runs`,
  '',
  '| programme | ours CPU s (× RT) | ours wall s | ours incl. WAV decode CPU s | ffmpeg CPU s (× RT) | ffmpeg wall s | speed-up (CPU) | ΔI LU | ΔLRA LU | ΔTP dB |',
  '|---|---|---|---|---|---|---|---|---|---|',
  ...cases.map(
    (c) =>
      `| ${c.name} | ${f2(c.ours.cpuMs / 1000)} (${c.ours.xRealtimeCpu.toFixed(0)}×) | ${f2(c.ours.wallMs / 1000)} | ${f2(c.oursIncludingWavDecode.cpuMs / 1000)} | ${f2(c.ffmpeg.cpuMs / 1000)} (${c.ffmpeg.xRealtimeCpu.toFixed(0)}×) | ${f2(c.ffmpeg.wallMs / 1000)} | ${f2(c.speedupCpu)}× | ${f2(c.values.delta.integrated, 3)} | ${f2(c.values.delta.range, 3)} | ${f2(c.values.delta.truePeak, 3)} |`,
  ),
  '',
  ...cases.map(
    (c) =>
      `- ${c.name}: ours I ${f2(c.values.ours.integrated, 3)} LUFS, LRA ${f2(c.values.ours.range, 3)} LU, TP ${f2(c.values.ours.truePeak, 3)} dBTP; ffmpeg I ${f2(c.values.ffmpeg.integrated, 3)}, LRA ${f2(c.values.ffmpeg.range, 3)}, TP ${f2(c.values.ffmpeg.truePeak, 3)}`,
  ),
];
console.log(lines.join('\n'));
